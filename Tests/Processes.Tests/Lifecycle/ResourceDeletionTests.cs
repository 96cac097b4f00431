using System.Text;
using Dapper;
using Processes.Engine.Cluster;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;
using Processes.Tests.Dmn;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Lifecycle;

/// <summary>
/// Resource deletion (Camunda's POST /v2/resources/{key}/deletion) in the engine: a process version with running
/// instances is refused; deleting the latest version moves its message, signal and timer start events back to the
/// version before it in the same transaction (or closes them with the last version); a deleted decision graph or form
/// makes the previous version the latest; every host forgets what it cached. Other ids and versions survive.
/// </summary>
public sealed class ResourceDeletionTests : EngineTest
{
    private static string Starting(string id, string endName) => Process(id,
        StartWith("msg", MessageDef("m")) + StartWith("tick", TimerCycle("R/PT1H")) + StartWith("sig", SignalDef("s")) + Start() +
        Task("work", id + "-work") + $"<bpmn:endEvent id=\"end\" name=\"{endName}\" />" + Flows("msg->work", "tick->work", "sig->work", "start->work->end"),
        Message("m", id + "-go") + Signal("s", id + "-signal"));

    private async Task<long> KeyAsync(string processId, int version) =>
        await CountAsync("SELECT process_definition_key FROM process_definition WHERE bpmn_process_id = @processId AND version = @version", new { processId, version });

    private async Task<List<long>> StartSubscriptionsAsync(string processId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<long>(
            "SELECT process_definition_key FROM start_event_subscription WHERE bpmn_process_id = @processId ORDER BY event_kind", new { processId })];
    }

    private async Task<List<long>> StartTimersAsync(string processId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<long>("""
            SELECT t.process_definition_key FROM timer t JOIN process_definition d ON d.process_definition_key = t.process_definition_key
            WHERE t.process_instance_key IS NULL AND d.bpmn_process_id = @processId
            """, new { processId })];
    }

    private Task<CommandResult<DeletedResource>> DeleteAsync(long key, Caller? caller = null) =>
        Engine.DeleteResourceAsync(caller ?? Caller.System, key, new Engine.Storage.AuditActor("test-admin"), CancellationToken.None);

    private async Task<DeploymentResult.Deployed> DeployFilesAsync(params (string Name, string Text)[] files)
    {
        var result = await new DeploymentService(DataSource, Definitions).DeployAsync(
            [.. files.Select(f => new DeploymentResource(f.Name, Encoding.UTF8.GetBytes(f.Text)))], CancellationToken.None);
        var deployed = result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
        await Engine.SyncStartEventsAsync([.. deployed.Processes.Select(p => p.BpmnProcessId)], CancellationToken.None);
        return deployed;
    }

    [Test]
    public async Task A_version_with_running_instances_is_refused_naming_how_many_and_deleted_once_they_ended_with_its_history_readable()
    {
        await DeployAsync(Process("del-run", Start() + Task("work", "del-run-work") + End() + Flows("start->work->end")), "del-run.bpmn");
        var key = await KeyAsync("del-run", 1);
        var first = await StartAsync("del-run");
        var second = await StartAsync("del-run");

        var refused = await DeleteAsync(key);

        refused.Error.ShouldBe(CommandError.InvalidState);
        refused.Message!.ShouldContain("2 running instances");
        (await Definitions.FindAsync("del-run", null, CancellationToken.None))!.ProcessDefinitionKey.ShouldBe(key);

        (await CompleteJobsAsync("del-run-work")).ShouldBe(2);
        var deleted = await DeleteAsync(key);

        deleted.Ok.ShouldBeTrue(deleted.Message);
        deleted.Value!.StartEventsMovedTo.ShouldBeNull();
        (await Definitions.FindAsync("del-run", null, CancellationToken.None)).ShouldBeNull();
        (await Engine.CreateInstanceAsync("del-run", null, null, null, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        (await StateAsync(first)).ShouldBe("COMPLETED");
        (await HistoryAsync(second)).ShouldContain("work");
        var kept = (await Definitions.FindXmlAsync(key, CancellationToken.None)).ShouldNotBeNull("the finished instances still show their model");
        kept.Definition.IsDeleted.ShouldBeTrue();
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'resource.deleted' AND target_id = @id", new { id = key.ToString() })).ShouldBe(1);
        (await DeleteAsync(key)).Error.ShouldBe(CommandError.NotFound, "a deleted version is gone");
    }

    [Test]
    public async Task Deleting_the_latest_version_moves_its_start_events_back_to_the_previous_one_and_the_last_deletion_closes_them()
    {
        await DeployAsync(Starting("del-other", "other"), "del-other.bpmn");
        await DeployAsync(Starting("del-start", "one"), "del-start.bpmn");
        await DeployAsync(Starting("del-start", "two"), "del-start.bpmn");
        var (v1, v2, other) = (await KeyAsync("del-start", 1), await KeyAsync("del-start", 2), await KeyAsync("del-other", 1));
        (await StartSubscriptionsAsync("del-start")).ShouldBe([v2, v2]);
        (await StartTimersAsync("del-start")).ShouldBe([v2]);

        var deleted = await DeleteAsync(v2);

        deleted.Value!.StartEventsMovedTo.ShouldBe(v1);
        (await StartSubscriptionsAsync("del-start")).ShouldBe([v1, v1]);
        (await StartTimersAsync("del-start")).ShouldBe([v1]);
        var published = await PublishAsync("del-start-go", "a");
        var started = published.Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        (await CountAsync("SELECT process_definition_key FROM process_instance WHERE key = @started", new { started })).ShouldBe(v1);
        (await Engine.BroadcastSignalAsync("del-start-signal", null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await CountAsync("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'del-start' AND process_definition_key = @v1", new { v1 })).ShouldBe(2);
        (await Engine.CreateInstanceAsync("del-start", 2, null, null, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);

        (await CompleteJobsAsync("del-start-work")).ShouldBe(2);
        (await DeleteAsync(v1)).Value!.StartEventsMovedTo.ShouldBeNull();

        (await StartSubscriptionsAsync("del-start")).ShouldBeEmpty();
        (await StartTimersAsync("del-start")).ShouldBeEmpty();
        (await StartSubscriptionsAsync("del-other")).ShouldBe([other, other], "another process keeps its start events");
        (await StartTimersAsync("del-other")).ShouldBe([other]);
        (await PublishAsync("del-start-go", "b")).Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();
    }

    [Test]
    public async Task Deleting_an_older_version_leaves_the_start_events_on_the_latest_and_a_redeploy_gets_a_new_number()
    {
        await DeployAsync(Starting("del-old", "one"), "del-old.bpmn");
        await DeployAsync(Starting("del-old", "two"), "del-old.bpmn");
        var (v1, v2) = (await KeyAsync("del-old", 1), await KeyAsync("del-old", 2));

        (await DeleteAsync(v1)).Value!.StartEventsMovedTo.ShouldBeNull();

        (await StartSubscriptionsAsync("del-old")).ShouldBe([v2, v2]);
        (await Definitions.ListVersionsAsync("del-old", CancellationToken.None)).Select(d => d.Version).ShouldBe([2]);

        (await DeleteAsync(v2)).Ok.ShouldBeTrue();
        var again = await DeployFilesAsync(("del-old.bpmn", Starting("del-old", "two")));

        again.Processes.ShouldHaveSingleItem().Version.ShouldBe(3, "deleted versions keep their numbers");
        (await StartSubscriptionsAsync("del-old")).ShouldBe([again.Processes[0].ProcessDefinitionKey, again.Processes[0].ProcessDefinitionKey]);
    }

    private static string WebhookStart(string id, string path) => Process(id,
        "<bpmn:startEvent id=\"start\"><bpmn:extensionElements><zeebe:properties>" +
        $"<zeebe:property name=\"webhook.path\" value=\"{path}\" /><zeebe:property name=\"webhook.secret\" value=\"DEL_HOOK_SECRET\" />" +
        "</zeebe:properties></bpmn:extensionElements></bpmn:startEvent>" + End() + Flows("start->end"));

    [Test]
    public async Task A_webhook_start_goes_back_to_the_previous_version_and_closes_with_the_last()
    {
        var registry = new Processes.Engine.Webhooks.WebhookRegistry(Definitions);
        await DeployAsync(WebhookStart("del-hook", "del-hook/one"), "del-hook.bpmn");
        await DeployAsync(WebhookStart("del-hook", "del-hook/two"), "del-hook.bpmn");
        await DeployAsync(WebhookStart("del-hook-other", "del-hook/other"), "del-hook-other.bpmn");
        var (v1, v2) = (await KeyAsync("del-hook", 1), await KeyAsync("del-hook", 2));
        async Task<List<string>> PathsAsync() =>
            [.. (await registry.ListAsync(CancellationToken.None)).Webhooks.Where(w => w.BpmnProcessId.StartsWith("del-hook", StringComparison.Ordinal))
                .Select(w => $"{w.Path}@{w.ProcessDefinitionKey}").Order(StringComparer.Ordinal)];
        var other = await KeyAsync("del-hook-other", 1);
        (await PathsAsync()).ShouldBe([$"del-hook/other@{other}", $"del-hook/two@{v2}"]);

        (await DeleteAsync(v2)).Ok.ShouldBeTrue();
        (await PathsAsync()).ShouldBe([$"del-hook/one@{v1}", $"del-hook/other@{other}"]);

        (await DeleteAsync(v1)).Ok.ShouldBeTrue();
        (await PathsAsync()).ShouldBe([$"del-hook/other@{other}"]);
    }

    [Test]
    public async Task A_call_activity_bound_to_latest_calls_the_previous_version_after_the_latest_is_deleted()
    {
        await DeployAsync(Process("del-child", Start() + Task("one", "del-child-one") + End() + Flows("start->one->end")), "del-child.bpmn");
        await DeployAsync(Process("del-child", Start() + Task("two", "del-child-two") + End() + Flows("start->two->end")), "del-child.bpmn");
        await DeployAsync(Process("del-parent", Start() + CallActivity("call", "del-child") + End() + Flows("start->call->end")), "del-parent.bpmn");
        (await DeleteAsync(await KeyAsync("del-child", 2))).Ok.ShouldBeTrue();

        await StartAsync("del-parent");

        (await CompleteJobsAsync("del-child-one")).ShouldBe(1);
        (await ActivateAsync("del-child-two")).ShouldBeEmpty();
    }

    [Test]
    public async Task Deleting_a_decision_graph_deletes_its_decisions_and_the_previous_version_decides_again()
    {
        string Drg(string band) => DmnText.File(DmnText.Table("del-band", "FIRST", ["amount"], ["band"], [["> 10", $"\"{band}\""], ["-", "\"low\""]]), id: "del-band-drg");
        var first = await DeployFilesAsync(("del-band.dmn", Drg("high")));
        await DeployFilesAsync(("del-keep.dmn", DmnText.File(DmnText.Literal("del-keep", "x * 2"), id: "del-keep-drg")));
        var second = await DeployFilesAsync(("del-band.dmn", Drg("top")));
        await DeployAsync(Process("del-brt", Start() +
            "<bpmn:businessRuleTask id=\"decide\"><bpmn:extensionElements><zeebe:calledDecision decisionId=\"del-band\" resultVariable=\"band\" /></bpmn:extensionElements></bpmn:businessRuleTask>" +
            Task("work", "del-brt-work") + End() + Flows("start->decide->work->end")), "del-brt.bpmn");
        var drg2 = second.DecisionRequirements.ShouldHaveSingleItem().DecisionRequirementsKey;
        (await ((IProcessEngine)Engine).EvaluateDecisionAsync("del-band", null, Vars("""{"amount": 50}"""), CancellationToken.None)).Value!.Output!.ToJsonString().ShouldContain("top");

        var deleted = await DeleteAsync(drg2);

        deleted.Value!.Kind.ShouldBe("drg");
        deleted.Value.Decisions.ShouldBe([second.Decisions.ShouldHaveSingleItem().DecisionDefinitionKey]);
        var key = await StartAsync("del-brt", Vars("""{"amount": 50}"""));
        (await VariablesAsync(key))["band"]!.GetValue<string>().ShouldBe("high");
        (await Engine.EvaluateDecisionAsync(null, second.Decisions[0].DecisionDefinitionKey, Vars("{}"), CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        (await Engine.EvaluateDecisionAsync("del-keep", null, Vars("""{"x": 2}"""), CancellationToken.None)).Ok.ShouldBeTrue("another graph survives");
        first.DecisionRequirements[0].Version.ShouldBe(1);
    }

    [Test]
    public async Task Deleting_a_form_makes_the_previous_version_the_one_linked_tasks_show()
    {
        static string Form(string label) => $$"""{"id":"del-form","type":"default","components":[{"type":"textfield","key":"a","label":"{{label}}"}]}""";
        await DeployFilesAsync(("del-form.form", Form("one")));
        var second = await DeployFilesAsync(("del-form.form", Form("two")));

        (await DeleteAsync(second.Forms.ShouldHaveSingleItem().FormKey)).Value!.Kind.ShouldBe("form");

        var latest = (await FormDeployment.LatestAsync(DataSource, "del-form", CancellationToken.None)).ShouldNotBeNull();
        latest.Version.ShouldBe(1);
        latest.Schema.ShouldContain("one");
    }

    [Test]
    public async Task A_resource_of_a_tenant_the_caller_is_not_in_is_not_found_and_stays()
    {
        await DeployAsync(Process("del-tenant", Start() + End() + Flows("start->end")), "del-tenant.bpmn");
        var key = await KeyAsync("del-tenant", 1);
        var outsider = new Caller("outsider", new HashSet<CallerRole> { CallerRole.Admin }, []) { Tenants = ["other-tenant"] };

        (await DeleteAsync(key, outsider)).Error.ShouldBe(CommandError.NotFound);

        (await Definitions.FindAsync("del-tenant", null, CancellationToken.None)).ShouldNotBeNull();
    }

    [Test]
    public async Task Another_host_forgets_the_deleted_models_it_had_cached_when_the_notification_arrives()
    {
        var otherDefinitions = new ProcessDefinitions(DataSource);
        var otherDecisions = new DecisionDefinitions(DataSource);
        var other = new ProcessEngine(DataSource, otherDefinitions, Clock, decisions: otherDecisions);
        using var listening = new CancellationTokenSource();
        var listener = new DefinitionChangeListener(other);
        var connection = new NodeListener(DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        connection.Subscribe(listener);
        var run = connection.RunAsync(listening.Token);
        var connected = DateTime.UtcNow.AddSeconds(20);
        while (!listener.Connected && DateTime.UtcNow < connected)
        {
            await System.Threading.Tasks.Task.Delay(20);
        }
        listener.Connected.ShouldBeTrue("the other host listens before it caches anything");
        await DeployAsync(Process("del-host", Start() + End() + Flows("start->end")), "del-host.bpmn");
        await DeployAsync(Process("del-host", Start() + Task("t", "del-host-t") + End() + Flows("start->t->end")), "del-host.bpmn");
        var keep = await DeployFilesAsync(("del-host.dmn", DmnText.File(DmnText.Literal("del-host-d", "1"), id: "del-host-drg")));
        var drg = await DeployFilesAsync(("del-host2.dmn", DmnText.File(DmnText.Literal("del-host-e", "2"), id: "del-host-drg2")));
        var (v1, v2) = (await KeyAsync("del-host", 1), await KeyAsync("del-host", 2));
        // The other host has read both versions and both graphs (as starts and evaluations there would).
        (await other.CreateInstanceAsync("del-host", 1, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await other.EvaluateDecisionAsync("del-host-d", null, Vars("{}"), CancellationToken.None)).Ok.ShouldBeTrue();
        (await other.EvaluateDecisionAsync("del-host-e", null, Vars("{}"), CancellationToken.None)).Ok.ShouldBeTrue();
        await otherDefinitions.GetExecutableAsync(v2, CancellationToken.None);
        otherDefinitions.Holds(v2).ShouldBeTrue();
        var drgKey = drg.DecisionRequirements[0].DecisionRequirementsKey;
        otherDecisions.Holds(drgKey).ShouldBeTrue();

        (await DeleteAsync(v2)).Ok.ShouldBeTrue();
        (await DeleteAsync(drgKey)).Ok.ShouldBeTrue();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((otherDefinitions.Holds(v2) || otherDecisions.Holds(drgKey)) && DateTime.UtcNow < deadline)
        {
            await System.Threading.Tasks.Task.Delay(50);
        }
        otherDefinitions.Holds(v2).ShouldBeFalse("the deleted version's model is forgotten on the other host");
        otherDecisions.Holds(drgKey).ShouldBeFalse("the deleted graph is forgotten on the other host");
        otherDefinitions.Holds(v1).ShouldBeTrue("the surviving version stays cached");
        otherDecisions.Holds(keep.DecisionRequirements[0].DecisionRequirementsKey).ShouldBeTrue("the surviving graph stays cached");
        var started = await other.CreateInstanceAsync("del-host", null, null, null, CancellationToken.None);
        started.Value!.Version.ShouldBe(1);
        (await other.EvaluateDecisionAsync("del-host-e", null, Vars("{}"), CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        await listening.CancelAsync();
        await run;
    }
}
