using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// The v2 reads added for Camunda 8.8 — element instances, variables, jobs, message subscriptions, decision
/// requirements, an instance's call hierarchy, sequence flows, statistics and incidents — answer exactly the rows
/// their filters describe, on data where rows that do not match exist (two scenarios), and only within visibility.
/// </summary>
public sealed class CamundaReadSearchTests : CamundaScenarioTest
{
    private async Task<List<JsonElement>> ItemsAsync(string path, object body) =>
        [.. (await IdentityHost.PostAsync(Admin, path, body)).GetProperty("items").EnumerateArray()];

    [Test]
    public async Task Element_instances_of_one_instance_by_type_and_state_live_and_finished()
    {
        var all = await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey }, sort = new[] { new { field = "startDate" } } });
        all.Select(e => e.GetProperty("elementId").GetString()).ShouldBe(["child-start", "fork", "work", "review", "ping"], ignoreOrder: true);
        all.ShouldAllBe(e => e.GetProperty("processInstanceKey").GetString() == One.ChildKey);
        var start = all.Single(e => e.GetProperty("elementId").GetString() == "child-start");
        start.GetProperty("state").GetString().ShouldBe("COMPLETED");
        start.GetProperty("type").GetString().ShouldBe("START_EVENT");
        start.TryGetProperty("endDate", out _).ShouldBeTrue();
        var work = all.Single(e => e.GetProperty("elementId").GetString() == "work");
        work.GetProperty("elementName").GetString().ShouldBe("Do the work");
        work.GetProperty("hasIncident").GetBoolean().ShouldBeTrue();
        work.GetProperty("incidentKey").GetString().ShouldBe(One.IncidentKey);
        work.TryGetProperty("endDate", out _).ShouldBeFalse("an active element has no end date, and no null either");

        var serviceTasks = await ItemsAsync("/v2/element-instances/search", new { filter = new { type = "SERVICE_TASK", processInstanceKey = new Dictionary<string, object> { ["$in"] = new[] { One.ChildKey, Two.ChildKey } } } });
        serviceTasks.Select(e => e.GetProperty("processInstanceKey").GetString()).ShouldBe([One.ChildKey, Two.ChildKey], ignoreOrder: true);
        var active = await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey, state = "ACTIVE", hasIncident = false } });
        active.Select(e => e.GetProperty("elementId").GetString()).ShouldBe(["review", "ping"], ignoreOrder: true);

        var key = work.GetProperty("elementInstanceKey").GetString();
        var one = await Admin.GetFromJsonAsync<JsonElement>($"/v2/element-instances/{key}");
        one.GetProperty("elementId").GetString().ShouldBe("work");
        one.GetProperty("processDefinitionId").GetString().ShouldBe("conformance-child");
    }

    [Test]
    public async Task Element_instances_page_forward_and_back_with_cursors()
    {
        var filter = new { processInstanceKey = One.ChildKey };
        var sort = new[] { new { field = "elementInstanceKey", order = "ASC" } };
        var first = await IdentityHost.PostAsync(Admin, "/v2/element-instances/search", new { filter, sort, page = new { limit = 2 } });
        first.GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(5);
        var second = await IdentityHost.PostAsync(Admin, "/v2/element-instances/search",
            new { filter, sort, page = new { limit = 2, after = first.GetProperty("page").GetProperty("endCursor").GetString() } });
        var back = await IdentityHost.PostAsync(Admin, "/v2/element-instances/search",
            new { filter, sort, page = new { limit = 2, before = second.GetProperty("page").GetProperty("startCursor").GetString() } });
        Keys(back).ShouldBe(Keys(first));
        Keys(second).Intersect(Keys(first)).ShouldBeEmpty();
        static List<string?> Keys(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("elementInstanceKey").GetString())];
    }

    [Test]
    public async Task Variables_by_name_instance_and_value_and_by_key()
    {
        var orderIds = await ItemsAsync("/v2/variables/search", new { filter = new { name = "orderId" }, sort = new[] { new { field = "processInstanceKey" } } });
        // Each parent and each child (its copy, passed on by the call activity) has one.
        orderIds.Select(v => v.GetProperty("processInstanceKey").GetString()).ShouldBe([One.ParentKey, One.ChildKey, Two.ParentKey, Two.ChildKey], ignoreOrder: true);
        var mine = await ItemsAsync("/v2/variables/search", new { filter = new { name = "orderId", value = "\"O-two\"" } });
        mine.Select(v => v.GetProperty("processInstanceKey").GetString()).ShouldBe([Two.ParentKey, Two.ChildKey], ignoreOrder: true);
        mine.ShouldAllBe(v => v.GetProperty("value").GetString() == "\"O-two\"" && !v.GetProperty("isTruncated").GetBoolean());
        var like = await ItemsAsync("/v2/variables/search", new { filter = new { processInstanceKey = One.ChildKey, name = new Dictionary<string, object> { ["$like"] = "order*" } } });
        like.Count.ShouldBe(1);

        var key = mine[0].GetProperty("variableKey").GetString()!;
        long.TryParse(key, out _).ShouldBeTrue(key);
        var one = await Admin.GetFromJsonAsync<JsonElement>($"/v2/variables/{key}");
        one.GetProperty("name").GetString().ShouldBe("orderId");
        one.GetProperty("value").GetString().ShouldBe("\"O-two\"");
    }

    [Test]
    public async Task A_caller_who_may_not_see_the_case_finds_none_of_its_reads()
    {
        var agent = Server.Bearer((await Server.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await IdentityHost.PostAsync(agent, "/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey } }))
            .GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(0);
        (await IdentityHost.PostAsync(agent, "/v2/variables/search", new { filter = new { name = "orderId" } }))
            .GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(0);
        (await agent.GetAsync(new Uri($"/v2/process-instances/{One.ChildKey}/call-hierarchy", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await agent.GetAsync(new Uri($"/v2/process-instances/{One.ChildKey}/sequence-flows", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var anyElement = (await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = One.ChildKey } }))[0];
        (await agent.GetAsync(new Uri($"/v2/element-instances/{anyElement.GetProperty("elementInstanceKey").GetString()}", UriKind.Relative)))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Jobs_and_message_subscriptions_by_their_fields()
    {
        var failed = await ItemsAsync("/v2/jobs/search", new { filter = new { type = "conformance-work", state = "FAILED", processInstanceKey = Two.ChildKey } });
        failed.Count.ShouldBe(1);
        failed[0].GetProperty("jobKey").GetString().ShouldBe(Two.JobKey);
        failed[0].GetProperty("retries").GetInt32().ShouldBe(0);
        failed[0].GetProperty("errorMessage").GetString().ShouldBe("the scenario fails it");
        failed[0].GetProperty("worker").ValueKind.ShouldBe(JsonValueKind.String, "required in 8.8: empty once no worker holds the job");
        (await ItemsAsync("/v2/jobs/search", new { filter = new { type = "conformance-work", state = "CREATED" } })).ShouldBeEmpty();

        var subscriptions = await ItemsAsync("/v2/message-subscriptions/search", new { filter = new { messageName = "conformance-ping", correlationKey = "O-one" } });
        subscriptions.Count.ShouldBe(1);
        subscriptions[0].GetProperty("processInstanceKey").GetString().ShouldBe(One.ChildKey);
        subscriptions[0].GetProperty("elementId").GetString().ShouldBe("ping");
        subscriptions[0].GetProperty("messageSubscriptionState").GetString().ShouldBe("CREATED");
        (await ItemsAsync("/v2/message-subscriptions/search", new { filter = new { messageName = "conformance-ping" } })).Count.ShouldBe(2);
    }

    [Test]
    public async Task An_instances_call_hierarchy_flows_statistics_and_incidents()
    {
        var hierarchy = await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{One.ChildKey}/call-hierarchy");
        hierarchy.EnumerateArray().Select(e => e.GetProperty("processInstanceKey").GetString()).ShouldBe([One.ParentKey, One.ChildKey]);
        hierarchy[0].GetProperty("processDefinitionName").GetString().ShouldBe("Conformance parent");
        hierarchy[1].GetProperty("processDefinitionName").GetString().ShouldBe("conformance-child", "a process without a name goes by its id");

        var flows = await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{One.ChildKey}/sequence-flows");
        flows.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("sequenceFlowId").GetString()).ShouldBe(["c1", "c2", "c3", "c4"], ignoreOrder: true);

        var statistics = (await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{One.ChildKey}/statistics/element-instances"))
            .GetProperty("items").EnumerateArray().ToDictionary(e => e.GetProperty("elementId").GetString()!);
        statistics["work"].GetProperty("incidents").GetInt64().ShouldBe(1);
        statistics["work"].GetProperty("active").GetInt64().ShouldBe(0);
        statistics["review"].GetProperty("active").GetInt64().ShouldBe(1);
        statistics["child-start"].GetProperty("completed").GetInt64().ShouldBe(1);

        var definition = (await IdentityHost.PostAsync(Admin, $"/v2/process-definitions/{One.ProcessDefinitionKey}/statistics/element-instances", new { }))
            .GetProperty("items").EnumerateArray().ToDictionary(e => e.GetProperty("elementId").GetString()!);
        definition["work"].GetProperty("incidents").GetInt64().ShouldBe(2, "both scenarios' children");

        var incidents = await ItemsAsync($"/v2/process-instances/{One.ChildKey}/incidents/search", new { });
        incidents.Select(i => i.GetProperty("incidentKey").GetString()).ShouldBe([One.IncidentKey]);
        // As in Camunda, an instance's incidents include those of the instances it called.
        (await ItemsAsync($"/v2/process-instances/{One.ParentKey}/incidents/search", new { })).Select(i => i.GetProperty("incidentKey").GetString())
            .ShouldBe([One.IncidentKey]);
    }

    [Test]
    public async Task Decision_requirements_search_get_and_file()
    {
        var found = await ItemsAsync("/v2/decision-requirements/search", new { filter = new { decisionRequirementsId = "conformance-drg" } });
        found.Count.ShouldBe(1);
        found[0].GetProperty("decisionRequirementsKey").GetString().ShouldBe(One.RequirementsKey);
        found[0].GetProperty("decisionRequirementsName").GetString().ShouldBe("Conformance decisions");
        found[0].GetProperty("resourceName").GetString().ShouldBe("conformance-tier.dmn");
        (await ItemsAsync("/v2/decision-requirements/search", new { filter = new { decisionRequirementsId = "no-such-drg" } })).ShouldBeEmpty();
        var one = await Admin.GetFromJsonAsync<JsonElement>($"/v2/decision-requirements/{One.RequirementsKey}");
        one.GetProperty("version").GetInt32().ShouldBe(1);
        var xml = await Admin.GetStringAsync(new Uri($"/v2/decision-requirements/{One.RequirementsKey}/xml", UriKind.Relative));
        xml.ShouldContain("conformance-tier-table");
    }

    [Test]
    public async Task A_tasks_variables_carry_their_keys_and_cursors()
    {
        var first = await IdentityHost.PostAsync(Admin, $"/v2/user-tasks/{One.UserTaskKey}/variables/search", new { page = new { limit = 1 } });
        var item = first.GetProperty("items")[0];
        long.TryParse(item.GetProperty("variableKey").GetString(), out _).ShouldBeTrue();
        var next = await IdentityHost.PostAsync(Admin, $"/v2/user-tasks/{One.UserTaskKey}/variables/search",
            new { page = new { limit = 1, after = first.GetProperty("page").GetProperty("endCursor").GetString() } });
        next.GetProperty("items")[0].GetProperty("name").GetString().ShouldNotBe(item.GetProperty("name").GetString());
    }

    [Test]
    public async Task A_resource_by_key_and_its_file()
    {
        var resource = await Admin.GetFromJsonAsync<JsonElement>($"/v2/resources/{One.ProcessDefinitionKey}");
        resource.GetProperty("resourceId").GetString().ShouldBe("conformance-child");
        resource.GetProperty("resourceName").GetString().ShouldBe("conformance-child.bpmn");
        resource.GetProperty("resourceKey").GetString().ShouldBe(One.ProcessDefinitionKey);
        var content = await Admin.GetAsync(new Uri($"/v2/resources/{One.RequirementsKey}/content", UriKind.Relative));
        content.Content.Headers.ContentDisposition?.DispositionType.ShouldBe("attachment");
        (await content.Content.ReadAsStringAsync()).ShouldContain("conformance-tier-table");
        (await Admin.GetAsync(new Uri("/v2/resources/999999", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
