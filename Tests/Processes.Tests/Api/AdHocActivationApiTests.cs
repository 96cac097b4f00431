using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// <c>POST /v2/element-instances/ad-hoc-activities/{key}/activation</c> as Camunda 8.8's spec has it: 204 and the
/// elements active with their variables; 400 naming an unknown element id or a missing one; 404 for a key that is no
/// live ad-hoc sub-process or one the caller does not see.
/// </summary>
public sealed class AdHocActivationApiTests : AdminHostTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="adhoc-api-defs" targetNamespace="http://processes.test">
          <bpmn:process id="adhoc-api" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:adHocSubProcess id="checks">
              <bpmn:serviceTask id="lookup"><bpmn:extensionElements><zeebe:taskDefinition type="adhoc-api-lookup" /></bpmn:extensionElements></bpmn:serviceTask>
              <bpmn:task id="note" />
            </bpmn:adHocSubProcess>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="checks" />
            <bpmn:sequenceFlow id="f2" sourceRef="checks" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    [Test]
    public async Task Activation_answers_as_the_spec_says()
    {
        var instance = await DeployAndStartAsync("adhoc-api.bpmn", Model, "adhoc-api");
        var checks = await KeyOfAsync(Admin, instance, "checks");
        var path = $"/v2/element-instances/ad-hoc-activities/{checks}/activation";

        var unknown = await Admin.PostAsJsonAsync(path, new { elements = new object[] { new { elementId = "lookup" }, new { elementId = "ghost" } } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("'ghost'");
        var missing = await Admin.PostAsJsonAsync(path, new { elements = new object[] { new { variables = new { a = 1 } } } });
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await missing.Content.ReadAsStringAsync()).ShouldContain("elements[0].elementId");
        var notObject = await Admin.PostAsJsonAsync(path, new { elements = new object[] { new { elementId = "lookup", variables = new[] { 1 } } } });
        notObject.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notObject.Content.ReadAsStringAsync()).ShouldContain("elements[0].variables");

        var activated = await Admin.PostAsJsonAsync(path, new { elements = new object[] { new { elementId = "lookup", variables = new { customer = "C-1" } } } });
        activated.StatusCode.ShouldBe(HttpStatusCode.NoContent, await activated.Content.ReadAsStringAsync());
        var jobs = await IdentityHost.PostAsync(Admin, "/v2/jobs/activation", new { type = "adhoc-api-lookup", worker = "t", timeout = 60000, maxJobsToActivate = 1 });
        var job = jobs.GetProperty("jobs").EnumerateArray().Single();
        job.GetProperty("variables").GetProperty("customer").GetString().ShouldBe("C-1");

        var lookup = await KeyOfAsync(Admin, instance, "lookup");
        (await Admin.PostAsJsonAsync($"/v2/element-instances/ad-hoc-activities/{lookup}/activation", new { elements = new[] { new { elementId = "note" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound, "a service task is not an ad-hoc sub-process");
        var operatorUser = await Server.CreateUserAsync(roles: [Roles.Operator]);
        var operatorClient = Server.Bearer(operatorUser.ApiKey);
        (await operatorClient.PostAsJsonAsync(path, new { elements = new[] { new { elementId = "note" } } })).StatusCode.ShouldBe(HttpStatusCode.NoContent,
            "operators fix any instance");

        (await Admin.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var done = await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instance}");
        done.GetProperty("state").GetString().ShouldBe("COMPLETED", "no completion condition: it completes when nothing inside is active");
        var element = await Admin.GetFromJsonAsync<JsonElement>($"/v2/element-instances/{checks}");
        element.GetProperty("type").GetString().ShouldBe("AD_HOC_SUB_PROCESS");
        (await Admin.PostAsJsonAsync(path, new { elements = new[] { new { elementId = "note" } } })).StatusCode.ShouldBe(HttpStatusCode.NotFound,
            "a completed ad-hoc sub-process is not found, as in Zeebe");
    }

    private static async Task<string> KeyOfAsync(HttpClient client, string instance, string elementId) =>
        (await IdentityHost.PostAsync(client, "/v2/element-instances/search", new { filter = new { processInstanceKey = instance, elementId } }))
        .GetProperty("items").EnumerateArray().First().GetProperty("elementInstanceKey").GetString()!;
}
