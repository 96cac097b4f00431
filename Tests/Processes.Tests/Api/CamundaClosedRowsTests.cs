using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Camunda's searches show what ended, not only what is open: a completed job, one cancelled with its element, a
/// subscription that received its message and one deleted with its instance, every decision evaluated (by a
/// business-rule task and on its own), element instances by their scope and the event subprocess type, and an
/// instance's incidents with those of the instances it called. Two instances, so that mismatching rows exist.
/// </summary>
public sealed class CamundaClosedRowsTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="closed-defs" targetNamespace="http://processes.test">
          <bpmn:message id="stop-message" name="closed-stop">
            <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>
          </bpmn:message>
          <bpmn:process id="closed-rows" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:subProcess id="sub">
              <bpmn:startEvent id="s-start" />
              <bpmn:businessRuleTask id="rate">
                <bpmn:extensionElements><zeebe:calledDecision decisionId="conformance-tier" resultVariable="tier" /></bpmn:extensionElements>
              </bpmn:businessRuleTask>
              <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="closed-work" /></bpmn:extensionElements></bpmn:serviceTask>
              <bpmn:endEvent id="s-end" />
              <bpmn:sequenceFlow id="s1" sourceRef="s-start" targetRef="rate" />
              <bpmn:sequenceFlow id="s2" sourceRef="rate" targetRef="task" />
              <bpmn:sequenceFlow id="s3" sourceRef="task" targetRef="s-end" />
            </bpmn:subProcess>
            <bpmn:serviceTask id="wait"><bpmn:extensionElements><zeebe:taskDefinition type="closed-wait" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
            <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="wait" />
            <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end" />
            <bpmn:subProcess id="stop" triggeredByEvent="true">
              <bpmn:startEvent id="stop-start" isInterrupting="true"><bpmn:messageEventDefinition messageRef="stop-message" /></bpmn:startEvent>
              <bpmn:endEvent id="stop-end" />
              <bpmn:sequenceFlow id="e1" sourceRef="stop-start" targetRef="stop-end" />
            </bpmn:subProcess>
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private CamundaScenario _scenario = null!;
    private string _stopped = "";
    private string _cancelled = "";
    private string _stopMessageKey = "";

    [OneTimeSetUp]
    public async Task CreateInstances()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _admin = await _host.AdminAsync();
        _scenario = await CamundaScenario.CreateAsync(_admin, "O-closed");
        var deployed = await IdentityHost.DeployAsync(_admin, "closed-rows.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        _stopped = await StartAsync("C-stopped");
        _cancelled = await StartAsync("C-cancelled");

        // The stopped one: its first job completes, then the event subprocess interrupts the instance while it waits.
        var work = await ActivateAsync("closed-work", _stopped);
        (await _admin.PostAsJsonAsync($"/v2/jobs/{work}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ActivateAsync("closed-wait", _stopped);
        var correlated = await IdentityHost.PostAsync(_admin, "/v2/messages/correlation", new { name = "closed-stop", correlationKey = "C-stopped" });
        _stopMessageKey = correlated.GetProperty("messageKey").GetString()!;
        (await _admin.PostAsJsonAsync($"/v2/process-instances/{_cancelled}/cancellation", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private async Task<string> StartAsync(string orderId) =>
        (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "closed-rows", variables = new { orderId, amount = 1200 } }))
        .GetProperty("processInstanceKey").GetString()!;

    private async Task<string> ActivateAsync(string type, string instanceKey)
    {
        var jobs = await IdentityHost.PostAsync(_admin, "/v2/jobs/activation", new { type, worker = "closed", timeout = 60000, maxJobsToActivate = 10 });
        return jobs.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("processInstanceKey").GetString() == instanceKey).GetProperty("jobKey").GetString()!;
    }

    private async Task<List<JsonElement>> ItemsAsync(string path, object body) =>
        [.. (await IdentityHost.PostAsync(_admin, path, body)).GetProperty("items").EnumerateArray()];

    private static string Text(JsonElement item, string property) => item.GetProperty(property).GetString()!;

    [Test]
    public async Task Jobs_that_ended_are_found_with_their_end_state()
    {
        var stopped = await ItemsAsync("/v2/jobs/search", new { filter = new { processInstanceKey = _stopped } });
        stopped.ToDictionary(j => Text(j, "elementId"), j => Text(j, "state")).ShouldBe(new Dictionary<string, string> { ["task"] = "COMPLETED", ["wait"] = "CANCELED" });
        stopped.All(j => j.TryGetProperty("endTime", out _)).ShouldBeTrue();
        var cancelled = await ItemsAsync("/v2/jobs/search", new { filter = new { processInstanceKey = _cancelled } });
        cancelled.Select(j => Text(j, "state")).ShouldBe(["CANCELED"]);

        var completed = await ItemsAsync("/v2/jobs/search", new { filter = new { type = new Dictionary<string, object> { ["$like"] = "closed-*" }, state = "COMPLETED" } });
        completed.Select(j => Text(j, "processInstanceKey")).ShouldBe([_stopped]);
        var open = await ItemsAsync("/v2/jobs/search", new { filter = new { state = new Dictionary<string, object> { ["$in"] = new[] { "CREATED", "FAILED" } } } });
        open.Select(j => Text(j, "jobKey")).ShouldBe([_scenario.JobKey], "the scenario's failed job is the only open one");
        open[0].TryGetProperty("endTime", out _).ShouldBeFalse();
    }

    [Test]
    public async Task Subscriptions_that_received_their_message_or_closed_are_found_and_correlations_are_listed()
    {
        (await ItemsAsync("/v2/message-subscriptions/search", new { filter = new { processInstanceKey = _stopped } }))
            .Select(s => (Text(s, "elementId"), Text(s, "messageSubscriptionState"))).ShouldBe([("stop-start", "CORRELATED")]);
        (await ItemsAsync("/v2/message-subscriptions/search", new { filter = new { processInstanceKey = _cancelled } }))
            .Select(s => Text(s, "messageSubscriptionState")).ShouldBe(["DELETED"]);
        (await ItemsAsync("/v2/message-subscriptions/search", new { filter = new { messageSubscriptionState = "CREATED" } }))
            .Select(s => Text(s, "processInstanceKey")).ShouldBe([_scenario.ChildKey], "only the scenario's child still waits");

        var correlated = await ItemsAsync("/v2/correlated-message-subscriptions/search", new { filter = new { messageName = "closed-stop" } });
        correlated.Count.ShouldBe(1);
        Text(correlated[0], "messageKey").ShouldBe(_stopMessageKey);
        Text(correlated[0], "processInstanceKey").ShouldBe(_stopped);
        Text(correlated[0], "elementId").ShouldBe("stop-start");
        Text(correlated[0], "correlationKey").ShouldBe("C-stopped");
        (await ItemsAsync("/v2/correlated-message-subscriptions/search", new { filter = new { processInstanceKey = _cancelled } })).ShouldBeEmpty();
    }

    [Test]
    public async Task Element_instances_by_scope_and_the_event_subprocess_type()
    {
        var top = await ItemsAsync("/v2/element-instances/search", new { filter = new { elementInstanceScopeKey = _stopped } });
        top.Select(e => Text(e, "elementId")).ShouldBe(["start", "sub", "wait", "stop"], ignoreOrder: true);
        var sub = top.Single(e => Text(e, "elementId") == "sub");
        (await ItemsAsync("/v2/element-instances/search", new { filter = new { elementInstanceScopeKey = Text(sub, "elementInstanceKey") } }))
            .Select(e => Text(e, "elementId")).ShouldBe(["s-start", "rate", "task", "s-end"], ignoreOrder: true);
        var events = await ItemsAsync("/v2/element-instances/search", new { filter = new { type = "EVENT_SUB_PROCESS" } });
        events.Select(e => (Text(e, "elementId"), Text(e, "processInstanceKey"))).ShouldBe([("stop", _stopped)]);
        Text(sub, "type").ShouldBe("SUB_PROCESS");
    }

    [Test]
    public async Task Decisions_evaluated_by_a_task_and_on_their_own_are_decision_instances()
    {
        var byTask = await ItemsAsync("/v2/decision-instances/search", new { filter = new { processInstanceKey = _stopped } });
        byTask.Count.ShouldBe(1);
        Text(byTask[0], "decisionDefinitionId").ShouldBe("conformance-tier");
        Text(byTask[0], "state").ShouldBe("EVALUATED");
        Text(byTask[0], "result").ShouldBe("\"gold\"");
        Text(byTask[0], "decisionDefinitionType").ShouldBe("DECISION_TABLE");
        var rate = (await ItemsAsync("/v2/element-instances/search", new { filter = new { processInstanceKey = _stopped, elementId = "rate" } }))[0];
        Text(byTask[0], "elementInstanceKey").ShouldBe(Text(rate, "elementInstanceKey"));

        var evaluated = await IdentityHost.PostAsync(_admin, "/v2/decision-definitions/evaluation", new { decisionDefinitionId = "conformance-tier", variables = new { amount = 10 } });
        var instanceKey = Text(evaluated.GetProperty("evaluatedDecisions")[0], "decisionEvaluationInstanceKey");
        var one = await _admin.GetFromJsonAsync<JsonElement>($"/v2/decision-instances/{instanceKey}");
        Text(one, "result").ShouldBe("\"basic\"");
        Text(one, "decisionEvaluationKey").ShouldBe(Text(evaluated, "decisionEvaluationKey"));
        one.TryGetProperty("processInstanceKey", out _).ShouldBeFalse("evaluated on its own: no instance, and no null");
        Text(one.GetProperty("evaluatedInputs")[0], "inputValue").ShouldBe("10");
        Text(one.GetProperty("matchedRules")[0], "ruleId").ShouldBe("basic");

        var all = await ItemsAsync("/v2/decision-instances/search", new { filter = new { decisionDefinitionId = "conformance-tier" }, sort = new[] { new { field = "evaluationDate" } } });
        all.Select(d => Text(d, "decisionEvaluationInstanceKey")).ShouldContain(instanceKey);
        all.Count.ShouldBe(3, "two instances' tasks and the evaluation on its own");
        (await _admin.GetAsync(new Uri("/v2/decision-instances/12345", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task An_agent_who_may_not_see_the_case_finds_none_of_its_decisions_jobs_or_correlations()
    {
        var agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await IdentityHost.PostAsync(agent, "/v2/decision-instances/search", new { filter = new { processInstanceKey = _stopped } }))
            .GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(0);
        var operatorClient = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Operator])).ApiKey);
        (await IdentityHost.PostAsync(operatorClient, "/v2/correlated-message-subscriptions/search", new { }))
            .GetProperty("page").GetProperty("totalItems").GetInt32().ShouldBe(1);
        (await agent.PostAsJsonAsync("/v2/correlated-message-subscriptions/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_process_instances_incidents_include_those_of_the_instances_it_called()
    {
        (await ItemsAsync($"/v2/process-instances/{_scenario.ParentKey}/incidents/search", new { }))
            .Select(i => Text(i, "incidentKey")).ShouldBe([_scenario.IncidentKey]);
        (await ItemsAsync($"/v2/process-instances/{_scenario.ParentKey}/incidents/search", new { filter = new { processInstanceKey = _scenario.ParentKey } }))
            .ShouldBeEmpty();
    }

    [Test]
    public async Task Usage_metrics_count_root_instances_and_decisions_of_the_period()
    {
        var from = DateTime.UtcNow.AddDays(-1).ToString("O");
        var to = DateTime.UtcNow.AddDays(1).ToString("O");
        var metrics = await _admin.GetFromJsonAsync<JsonElement>($"/v2/system/usage-metrics?startTime={from}&endTime={to}&withTenants=true");
        metrics.GetProperty("processInstances").GetInt64().ShouldBe(3, "the scenario's parent and the two closed-rows instances; a called child is not a root");
        metrics.GetProperty("decisionInstances").GetInt64().ShouldBeGreaterThanOrEqualTo(2);
        metrics.GetProperty("assignees").GetInt64().ShouldBe(0);
        metrics.GetProperty("activeTenants").GetInt64().ShouldBe(1);
        metrics.GetProperty("tenants").GetProperty("<default>").GetProperty("processInstances").GetInt64().ShouldBe(3);

        var past = await _admin.GetFromJsonAsync<JsonElement>("/v2/system/usage-metrics?startTime=2020-01-01T00:00:00Z&endTime=2020-02-01T00:00:00Z");
        past.GetProperty("processInstances").GetInt64().ShouldBe(0);
        past.TryGetProperty("tenants", out _).ShouldBeFalse();
        var bad = await _admin.GetAsync(new Uri("/v2/system/usage-metrics?startTime=yesterday&endTime=2020-02-01T00:00:00Z", UriKind.Relative));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("startTime");
    }
}
