using Processes.Engine.Execution;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// Camunda 8.8's ad-hoc sub-process run by BPMN: inner elements activated by the collection on entering and by the
/// activation command later, flows inside continuing, the completion condition with and without cancelling the rest,
/// and a boundary event on the sub-process.
/// </summary>
public sealed class AdHocSubProcessTests : EngineTest
{
    /// <summary>Inner elements: service tasks A (then A2 by a flow) and B, user task C.</summary>
    private static string Inner(string type) =>
        Task("A", $"{type}-a") + Task("A2", $"{type}-a2") + Task("B", $"{type}-b") + UserTask("C") + Flows("A->A2");

    private static string Model(string id, string? collection = null, string? completion = null, bool? cancel = null, string boundary = "") =>
        Process(id, Start() + AdHoc("adhoc", Inner(id), collection, completion, cancel) + boundary + UserTask("after") + End() +
            Flows("start->adhoc->after->end"));

    [Test]
    public async Task The_collection_activates_its_elements_flows_inside_continue_and_it_completes_when_nothing_is_left()
    {
        await DeployAsync(Model("ah-collection", collection: "=toDo"));
        var key = await StartAsync("ah-collection", Vars("""{"toDo": ["A", "B"]}"""));

        (await ActiveElementsAsync(key)).ShouldBe(["A", "B", "adhoc"]);
        var elements = await VariablesOfElementAsync(key, "adhoc");
        elements["adHocSubProcessElements"]!.AsArray().Select(e => e!["elementId"]!.GetValue<string>()).ShouldBe(["A", "B", "C"],
            "the elements without incoming flows, as Zeebe lists them");

        (await CompleteJobsAsync("ah-collection-a")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["A2", "B", "adhoc"], "A's flow goes on to A2 inside");
        (await CompleteJobsAsync("ah-collection-b")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["A2", "adhoc"], "A2 is still running");
        (await CompleteJobsAsync("ah-collection-a2")).ShouldBe(1);

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key)).ShouldBe(["start", "A", "B", "A2", "adhoc"]);
        (await HistoryAsync(key, "ELEMENT_ACTIVATING")).ShouldNotContain("C");
    }

    [Test]
    public async Task Without_a_collection_it_waits_and_the_activation_command_activates_elements_with_their_variables()
    {
        await DeployAsync(Model("ah-api"));
        var key = await StartAsync("ah-api");
        (await ActiveElementsAsync(key)).ShouldBe(["adhoc"], "nothing to activate: it waits");
        var adHoc = await ElementKeyAsync(key, "adhoc");

        var done = await Engine.ActivateAdHocActivitiesAsync(Caller.System, adHoc,
            [new AdHocActivation("A", Vars("""{"item": 7}""")), new AdHocActivation("C", null)], new AuditActor("ad-hoc-test"), CancellationToken.None);

        done.Ok.ShouldBeTrue(done.Message);
        (await ActiveElementsAsync(key)).ShouldBe(["A", "C", "adhoc"]);
        var job = (await ActivateAsync("ah-api-a")).ShouldHaveSingleItem();
        job.Variables["item"]!.GetValue<int>().ShouldBe(7);
        (await VariablesAsync(key)).ContainsKey("item").ShouldBeFalse("the variables are local to the activated element");
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.adhoc.activated' AND target_id = @id", new { id = adHoc.ToString() })).ShouldBe(1);

        await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None);
        await CompleteJobsAsync("ah-api-a2");
        var task = (await OpenTasksAsync(key)).Single(t => t.ElementId == "C");
        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task The_activation_command_refuses_what_Zeebe_refuses_and_changes_nothing()
    {
        await DeployAsync(Model("ah-refuse"));
        var key = await StartAsync("ah-refuse");
        var adHoc = await ElementKeyAsync(key, "adhoc");

        var unknown = await ActivateAsync(adHoc, "A", "nope");
        unknown.Error.ShouldBe(CommandError.InvalidArgument);
        unknown.Message!.ShouldContain("'nope'");
        var reached = await ActivateAsync(adHoc, "A2");
        reached.Error.ShouldBe(CommandError.InvalidArgument);
        reached.Message!.ShouldContain("'A2'");
        (await ActivateAsync(adHoc, "A", "A")).Error.ShouldBe(CommandError.InvalidArgument);
        (await ActiveElementsAsync(key)).ShouldBe(["adhoc"], "a refused command activates nothing");

        (await ActivateAsync(key, "A")).Error.ShouldBe(CommandError.NotFound, "the process instance is not an ad-hoc sub-process");
        (await ActivateAsync(adHoc + 999_999, "A")).Error.ShouldBe(CommandError.NotFound);
        var stranger = new Caller("stranger", new HashSet<CallerRole> { CallerRole.Agent }, []);
        var hidden = await Engine.ActivateAdHocActivitiesAsync(stranger, adHoc, [new AdHocActivation("A", null)], null, CancellationToken.None);
        hidden.Error.ShouldBe(CommandError.NotFound, "a case the caller does not see does not exist for them");

        (await ActivateAsync(adHoc, "C")).Ok.ShouldBeTrue();
        var task = (await OpenTasksAsync(key)).Single();
        await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None);
        (await ActivateAsync(adHoc, "A")).Error.ShouldBe(CommandError.NotFound, "a completed ad-hoc sub-process is not found, as in Zeebe");
    }

    [Test]
    public async Task A_true_completion_condition_completes_it_and_cancels_the_remaining_elements_by_default()
    {
        await DeployAsync(Model("ah-cancel", collection: """=["A", "B"]""", completion: "=done = true"));
        var key = await StartAsync("ah-cancel");

        await CompleteJobsAsync("ah-cancel-a", Vars("""{"done": false}"""));
        await CompleteJobsAsync("ah-cancel-a2", Vars("""{"done": true}"""));

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["B"]);
        (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key AND element_id = 'B' AND state = 'ACTIVATABLE'", new { key })).ShouldBe(0);
    }

    [Test]
    public async Task Without_cancelling_it_waits_for_the_rest_and_a_false_condition_keeps_it_waiting_for_activations()
    {
        await DeployAsync(Model("ah-wait", collection: """=["A", "B"]""", completion: "=done", cancel: false));
        var key = await StartAsync("ah-wait");

        await CompleteJobsAsync("ah-wait-b", Vars("""{"done": false}"""));
        await CompleteJobsAsync("ah-wait-a");
        await CompleteJobsAsync("ah-wait-a2");
        (await ActiveElementsAsync(key)).ShouldBe(["adhoc"], "every path ended but the condition is false: it waits");

        (await ActivateAsync(await ElementKeyAsync(key, "adhoc"), "A", "B")).Ok.ShouldBeTrue();
        await CompleteJobsAsync("ah-wait-b", Vars("""{"done": true}"""));
        (await ActiveElementsAsync(key)).ShouldBe(["A", "adhoc"], "the condition holds, but A is left to finish");
        await CompleteJobsAsync("ah-wait-a");
        await CompleteJobsAsync("ah-wait-a2");

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_boundary_timer_on_it_interrupts_it_with_everything_inside()
    {
        await DeployAsync(Model("ah-boundary", collection: """=["A", "C"]""",
            boundary: Boundary("late", "adhoc", TimerDuration("PT1H")) + UserTask("escalate") + Flows("late->escalate")));
        var key = await StartAsync("ah-boundary");
        (await ActiveElementsAsync(key)).ShouldBe(["A", "C", "adhoc"]);

        Clock.Advance(TimeSpan.FromHours(2));
        await FireTimersAsync(key);

        (await ActiveElementsAsync(key)).ShouldBe(["escalate"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).Order(StringComparer.Ordinal).ShouldBe(["A", "C", "adhoc"]);
        (await OpenTasksAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("escalate");
    }

    [Test]
    public async Task A_collection_that_is_not_a_list_of_inner_ids_is_an_incident_resolved_by_fixing_the_variable()
    {
        await DeployAsync(Model("ah-incident", collection: "=toDo"));
        var key = await StartAsync("ah-incident", Vars("""{"toDo": ["A", "A2"]}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("adhoc");
        incident.Message.ShouldContain("'A2'");
        (await Engine.SetVariablesAsync(key, Vars("""{"toDo": ["B"]}"""), local: false, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["B", "adhoc"]);
        await CompleteJobsAsync("ah-incident-b");
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task Modification_and_migration_inside_it_are_refused_by_name()
    {
        await DeployAsync(Model("ah-modify", collection: """=["A"]"""));
        var key = await StartAsync("ah-modify");

        var modified = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([new ModificationActivation("B", null, [])], []), null,
            CancellationToken.None);
        modified.Error.ShouldBe(CommandError.InvalidArgument);
        modified.Message!.ShouldContain("ad-hoc sub-process");

        await DeployAsync(Model("ah-modify", collection: """=["A", "B"]"""));
        var target = await CountAsync("SELECT process_definition_key FROM process_definition WHERE bpmn_process_id = 'ah-modify' ORDER BY version DESC LIMIT 1");
        var migrated = await Engine.MigrateInstanceAsync(Caller.System, key, new Processes.Engine.Execution.Migration.MigrationPlan(target, []), dryRun: true, null,
            CancellationToken.None);
        migrated.Ok.ShouldBeTrue(migrated.Message);
        migrated.Value!.Problems.ShouldContain(p => p.ElementId == "adhoc" && p.Message.Contains("ad-hoc sub-process"));
        migrated.Value.Problems.ShouldContain(p => p.ElementId == "A");
    }

    private Task<CommandResult<bool>> ActivateAsync(long adHoc, params string[] ids) =>
        Engine.ActivateAdHocActivitiesAsync(Caller.System, adHoc, [.. ids.Select(id => new AdHocActivation(id, null))], null, CancellationToken.None);

    private async Task<System.Text.Json.Nodes.JsonObject> VariablesOfElementAsync(long key, string elementId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var scope = await ElementKeyAsync(key, elementId);
        var result = new System.Text.Json.Nodes.JsonObject();
        foreach (var (name, value) in await Dapper.SqlMapper.QueryAsync<(string, string)>(connection,
                     "SELECT name, value::text FROM variable WHERE scope_key = @scope", new { scope }))
        {
            result[name] = System.Text.Json.Nodes.JsonNode.Parse(value);
        }
        return result;
    }
}
