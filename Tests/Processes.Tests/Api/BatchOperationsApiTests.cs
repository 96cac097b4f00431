using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// Batch operations over HTTP: wrong bodies are 400 problems naming the field, an unknown or unseen batch is 404, an
/// agent may not create one (403), and a created batch is run by the host's engine node on the instances it names only.
/// </summary>
public sealed class BatchOperationsApiTests : AdminHostTest
{
    private static readonly string Model = TaskModels.OneUserTask("batch-api", "review", extensions: null);

    /// <summary>The batch once it is no longer ACTIVE (or as it is after 30 s).</summary>
    private async Task<JsonElement> UntilDoneAsync(string batch)
    {
        JsonElement read = default;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            read = await Admin.GetFromJsonAsync<JsonElement>($"/v2/batch-operations/{batch}");
            if (read.GetProperty("state").GetString() != "ACTIVE")
            {
                break;
            }
            await Task.Delay(500);
        }
        return read;
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
    }

    [Test]
    public async Task A_cancellation_batch_runs_on_the_named_instances_and_wrong_requests_are_named()
    {
        (await IdentityHost.DeployAsync(Admin, "batch-api.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var named = (await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "batch-api", businessKey = "BA-1" }))
            .GetProperty("processInstanceKey").GetString()!;
        var other = (await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "batch-api", businessKey = "BA-2" }))
            .GetProperty("processInstanceKey").GetString()!;

        (await DetailAsync(await Admin.PostAsJsonAsync("/v2/process-instances/cancellation", new { }), HttpStatusCode.BadRequest)).ShouldContain("filter is required");
        (await DetailAsync(await Admin.PostAsJsonAsync("/v2/process-instances/cancellation", new { filter = new { colour = "red" } }), HttpStatusCode.BadRequest))
            .ShouldContain("filter.colour");
        (await DetailAsync(await Admin.PostAsJsonAsync("/v2/process-instances/modification", new { filter = new { }, moveInstructions = new[] { new { sourceElementId = "review" } } }),
            HttpStatusCode.BadRequest)).ShouldBe("moveInstructions[0] needs sourceElementId and targetElementId.");
        (await DetailAsync(await Admin.PostAsJsonAsync("/v2/process-instances/migration", new { filter = new { }, migrationPlan = new { targetProcessDefinitionKey = "x" } }),
            HttpStatusCode.BadRequest)).ShouldContain("migrationPlan.targetProcessDefinitionKey");
        (await Admin.GetAsync("/v2/batch-operations/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.PostAsync("/v2/batch-operations/999999/suspension", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.GetAsync("/v2/batch-operations/nope")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var agent = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await agent.PostAsJsonAsync("/v2/process-instances/cancellation", new { filter = new { } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var created = await IdentityHost.PostAsync(Admin, "/v2/process-instances/cancellation", new { filter = new { processDefinitionId = "batch-api", businessKey = "BA-1" } });
        created.GetProperty("batchOperationType").GetString().ShouldBe("CANCEL_PROCESS_INSTANCE");
        var batch = created.GetProperty("batchOperationKey").GetString()!;
        var read = await UntilDoneAsync(batch);
        read.GetProperty("state").GetString().ShouldBe("COMPLETED", read.ToString());
        read.GetProperty("operationsTotalCount").GetInt32().ShouldBe(1);
        read.GetProperty("operationsCompletedCount").GetInt32().ShouldBe(1);
        (await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{named}")).GetProperty("state").GetString().ShouldBe("TERMINATED");
        (await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{other}")).GetProperty("state").GetString().ShouldBe("ACTIVE");
        var items = await IdentityHost.PostAsync(Admin, "/v2/batch-operation-items/search", new { filter = new { batchOperationKey = batch } });
        var item = items.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        (item.GetProperty("itemKey").GetString(), item.GetProperty("state").GetString()).ShouldBe((named, "COMPLETED"));
        (await DetailAsync(await Admin.PostAsync($"/v2/batch-operations/{batch}/suspension", null), HttpStatusCode.Conflict)).ShouldContain("is COMPLETED");
        var audit = (await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=instance.cancelled&actor={IdentityHost.AdminBootstrapName}"))
            .GetProperty("items").EnumerateArray().ShouldHaveSingleItem("one audit row per cancelled item, in the creator's name");
        (audit.GetProperty("targetType").GetString(), audit.GetProperty("targetId").GetString()).ShouldBe(("processInstance", named));
        audit.GetProperty("details").GetProperty("batchOperationKey").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(batch);
    }

    [Test]
    public async Task Each_resolved_incident_of_a_batch_has_its_audit_row_naming_the_batch_and_its_creator()
    {
        const string gateway = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="batch-inc-defs" targetNamespace="http://processes.test">
              <bpmn:process id="batch-inc-api" isExecutable="true">
                <bpmn:startEvent id="start" />
                <bpmn:exclusiveGateway id="gw" />
                <bpmn:userTask id="done" />
                <bpmn:endEvent id="end" />
                <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
                <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="done"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=go = true</bpmn:conditionExpression></bpmn:sequenceFlow>
                <bpmn:sequenceFlow id="f3" sourceRef="done" targetRef="end" />
              </bpmn:process>
            </bpmn:definitions>
            """;
        (await IdentityHost.DeployAsync(Admin, "batch-inc-api.bpmn", gateway)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stuck = new List<string>();
        foreach (var group in new[] { "x", "x", "y" })
        {
            stuck.Add((await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = "batch-inc-api", variables = new { go = false, group } }))
                .GetProperty("processInstanceKey").GetString()!);
        }
        var incidents = new Dictionary<string, string>();
        foreach (var instance in stuck)
        {
            var incident = (await IdentityHost.PostAsync(Admin, "/v2/incidents/search", new { filter = new { processInstanceKey = instance } }))
                .GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
            incidents[instance] = incident.GetProperty("incidentKey").GetString()!;
            (await Admin.PutAsJsonAsync($"/v2/element-instances/{instance}/variables", new { variables = new { go = true } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        var batch = (await IdentityHost.PostAsync(Admin, "/v2/process-instances/incident-resolution",
            new { filter = new { processDefinitionId = "batch-inc-api", variables = new[] { new { name = "group", value = "\"x\"" } } } }))
            .GetProperty("batchOperationKey").GetString()!;
        var read = await UntilDoneAsync(batch);
        read.GetProperty("state").GetString().ShouldBe("COMPLETED", read.ToString());

        var rows = (await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=incident.resolved&actor={IdentityHost.AdminBootstrapName}"))
            .GetProperty("items").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("targetId").GetString()).Order().ShouldBe(new[] { incidents[stuck[0]], incidents[stuck[1]] }.Order(),
            "the two incidents of group x, not the one of group y");
        rows.ShouldAllBe(r => r.GetProperty("targetType").GetString() == "incident");
        rows.Select(r => r.GetProperty("details").GetProperty("batchOperationKey").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ShouldAllBe(k => k == batch);
        rows.Select(r => r.GetProperty("details").GetProperty("processInstanceKey").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)).Order()
            .ShouldBe(new[] { stuck[0], stuck[1] }.Order());
    }
}
