using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>/api/operations: an operator finds a failed job, retries it, and watches counts and servers.</summary>
public sealed class OperationsApiTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="ops-refund" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="pay"><bpmn:extensionElements><zeebe:taskDefinition type="ops-pay" retries="1" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
            <bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task A_failed_job_shows_up_for_the_operator_and_a_retry_lets_the_worker_finish_it()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Operator, Roles.Designer, Roles.Agent]);
        var client = _host.Bearer(user.ApiKey);
        (await IdentityHost.DeployAsync(client, "ops.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var instance = (await IdentityHost.PostAsync(client, "/v2/process-instances", new { processDefinitionId = "ops-refund" })).GetProperty("processInstanceKey").GetString();
        var job = (await IdentityHost.PostAsync(client, "/v2/jobs/activation", new { type = "ops-pay", maxJobsToActivate = 1, requestTimeout = 2_000 }))
            .GetProperty("jobs")[0].GetProperty("jobKey").GetString();
        (await client.PostAsJsonAsync($"/v2/jobs/{job}/failure", new { retries = 0, errorMessage = "payment API down" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var failed = await client.GetFromJsonAsync<JsonElement>("/api/operations/jobs?state=failed&type=ops-pay");
        var row = failed.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("errorMessage").GetString().ShouldBe("payment API down");
        var incidents = await IdentityHost.PostAsync(client, "/v2/incidents/search", new { filter = new { processInstanceKey = instance } });
        incidents.GetProperty("items")[0].GetProperty("errorType").GetString().ShouldBe("JOB_NO_RETRIES");
        var incidentKey = incidents.GetProperty("items")[0].GetProperty("incidentKey").GetString();
        var incident = await client.GetFromJsonAsync<JsonElement>($"/v2/incidents/{incidentKey}");
        incident.GetProperty("processInstanceKey").GetString().ShouldBe(instance);
        incident.GetProperty("errorType").GetString().ShouldBe("JOB_NO_RETRIES");
        (await client.GetAsync(new Uri("/v2/incidents/999999", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var counts = await client.GetFromJsonAsync<JsonElement>("/api/operations/job-types");
        counts.EnumerateArray().Single(c => c.GetProperty("type").GetString() == "ops-pay").GetProperty("failed").GetInt32().ShouldBe(1);

        (await client.PostAsJsonAsync($"/api/operations/jobs/{job}/retry", new { retries = 2 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var again = (await IdentityHost.PostAsync(client, "/v2/jobs/activation", new { type = "ops-pay", maxJobsToActivate = 1, requestTimeout = 2_000 })).GetProperty("jobs")[0];
        again.GetProperty("retries").GetInt32().ShouldBe(2);
        (await client.PostAsJsonAsync($"/v2/jobs/{again.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instance}")).GetProperty("state").GetString().ShouldBe("COMPLETED");

        (await client.DeleteAsync(new Uri($"/api/operations/jobs/{job}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the job is done and gone");
        (await client.GetAsync(new Uri("/api/operations/jobs?state=sideways", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var servers = await client.GetFromJsonAsync<JsonElement>("/api/operations/servers");
        servers.ValueKind.ShouldBe(JsonValueKind.Array);
    }
}
