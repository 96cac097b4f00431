using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// <c>POST /v2/process-instances/{key}/modification</c> over HTTP: 204 and the instance moved; a wrong instruction is a
/// 400 problem naming it and nothing changes; an instance that ended is 404; an agent may not modify (403).
/// </summary>
public sealed class ModificationApiTests : AdminHostTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="mod-api-defs" targetNamespace="http://processes.test">
          <bpmn:process id="mod-api" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="review" />
            <bpmn:userTask id="approve" />
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
            <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approve" />
            <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    [Test]
    public async Task A_modification_moves_the_instance_and_wrong_ones_are_named_refusals()
    {
        var key = await DeployAndStartAsync("mod-api.bpmn", Model, "mod-api");
        var review = (await IdentityHost.PostAsync(Admin, "/v2/element-instances/search", new { filter = new { processInstanceKey = key, elementId = "review" } }))
            .GetProperty("items")[0].GetProperty("elementInstanceKey").GetString()!;
        var path = $"/v2/process-instances/{key}/modification";

        var unknown = await Admin.PostAsJsonAsync(path, new { activateInstructions = new[] { new { elementId = "nope" } } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("INVALID_ARGUMENT");
        problem.GetProperty("detail").GetString()!.ShouldContain("activateInstructions[0].elementId: process 'mod-api' has no element 'nope'");
        var notKey = await Admin.PostAsJsonAsync(path, new { terminateInstructions = new[] { new { elementInstanceKey = "x" } } });
        notKey.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notKey.Content.ReadAsStringAsync()).ShouldContain("terminateInstructions[0].elementInstanceKey");
        (await Admin.PostAsJsonAsync(path, new { })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var agent = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await agent.PostAsJsonAsync(path, new { terminateInstructions = new[] { new { elementInstanceKey = review } } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var moved = await Admin.PostAsJsonAsync(path, new
        {
            activateInstructions = new[] { new { elementId = "approve", variableInstructions = new[] { new { variables = new { skipped = true } } }, ancestorElementInstanceKey = "-1" } },
            terminateInstructions = new[] { new { elementInstanceKey = review } },
        });
        moved.StatusCode.ShouldBe(HttpStatusCode.NoContent, await moved.Content.ReadAsStringAsync());
        var tasks = await IdentityHost.PostAsync(Admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = key, state = "CREATED" } });
        tasks.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("elementId").GetString().ShouldBe("approve");

        (await Admin.PostAsJsonAsync($"/v2/process-instances/{key}/cancellation", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var ended = await Admin.PostAsJsonAsync(path, new { activateInstructions = new[] { new { elementId = "approve" } } });
        ended.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.PostAsJsonAsync("/v2/process-instances/999999/modification", new { activateInstructions = new[] { new { elementId = "approve" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
