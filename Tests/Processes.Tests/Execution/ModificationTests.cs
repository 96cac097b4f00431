using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// Camunda's process instance modification on real models: a user task skipped to the next one, a timer replaced,
/// an element activated inside a subprocess that is not active yet (with variables in the new scope), a parallel join
/// released, and refusals that change nothing.
/// </summary>
public sealed class ModificationTests : EngineTest
{
    private static readonly AuditActor Auditor = new("modification-test");

    [Test]
    public async Task A_user_task_is_skipped_to_the_next_one_with_variables_in_one_audited_command()
    {
        await DeployAsync(Process("mod-task", Start() + UserTask("review") + UserTask("approve") + End() + Flows("start->review->approve->end")));
        var key = await StartAsync("mod-task");
        var review = (await ElementKeysAsync(key, "review")).ShouldHaveSingleItem();

        var done = await ModifyAsync(key, [new ModificationActivation("approve", null, [new ModificationVariables(Vars("""{"skipped":true}"""), null)])], [review]);

        done.TerminatedElementInstanceKeys.ShouldBe([review]);
        done.ActivatedElementInstanceKeys.ShouldHaveSingleItem().ShouldBeGreaterThan(0);
        (await ActiveElementsAsync(key)).ShouldBe(["approve"]);
        (await OpenTasksAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("approve");
        (await CountAsync("SELECT count(*) FROM user_task WHERE process_instance_key = @key AND element_id = 'review' AND state = 'CANCELED'", new { key })).ShouldBe(1);
        (await VariablesAsync(key))["skipped"]!.GetValue<bool>().ShouldBeTrue();
        (await HistoryAsync(key, "PROCESS_INSTANCE_MODIFIED")).Count.ShouldBe(1);
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.modified' AND target_id = @id", new { id = key.ToString() })).ShouldBe(1);

        var task = (await OpenTasksAsync(key)).Single();
        (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Terminating_a_waiting_timer_removes_its_timer_and_activating_it_again_schedules_a_new_one()
    {
        await DeployAsync(Process("mod-timer", Start() + TimerCatch("wait", "PT1H") + UserTask("after") + End() + Flows("start->wait->after->end")));
        var key = await StartAsync("mod-timer");
        var wait = (await ElementKeysAsync(key, "wait")).Single();
        var first = (await TimersAsync(key)).ShouldHaveSingleItem();
        Clock.Advance(TimeSpan.FromMinutes(30));

        await ModifyAsync(key, [new ModificationActivation("wait", null, [])], [wait]);

        var second = (await TimersAsync(key)).ShouldHaveSingleItem();
        second.Key.ShouldNotBe(first.Key);
        second.DueAt.ShouldBe(first.DueAt.AddMinutes(30), "the new timer counts from the modification");
        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task An_element_inside_an_inactive_subprocess_is_activated_with_the_subprocess_and_its_scope_variables()
    {
        await DeployAsync(Process("mod-sub", Start() + UserTask("first") +
            SubProcess("handle", Start("inner-start") + UserTask("inner-a") + UserTask("inner-b") + End("inner-end") + Flows("inner-start->inner-a->inner-b->inner-end")) +
            End() + Flows("start->first->handle->end")));
        var key = await StartAsync("mod-sub");
        var first = (await ElementKeysAsync(key, "first")).Single();

        await ModifyAsync(key, [new ModificationActivation("inner-b", null, [
            new ModificationVariables(Vars("""{"reason":"escalated"}"""), "handle"),
            new ModificationVariables(Vars("""{"global":1}"""), null)])], [first]);

        (await ActiveElementsAsync(key)).ShouldBe(["handle", "inner-b"]);
        var handle = (await ElementKeysAsync(key, "handle")).Single();
        (await CountAsync("SELECT count(*) FROM variable WHERE scope_key = @handle AND name = 'reason'", new { handle })).ShouldBe(1);
        (await VariablesAsync(key))["global"]!.GetValue<int>().ShouldBe(1);
        (await VariablesAsync(key)).ContainsKey("reason").ShouldBeFalse("the variable is local to the subprocess");

        // A second activation in the now active subprocess goes into the same subprocess instance.
        await ModifyAsync(key, [new ModificationActivation("inner-a", null, [])], []);
        (await ActiveElementsAsync(key)).ShouldBe(["handle", "inner-a", "inner-b"]);
        (await ElementKeysAsync(key, "handle")).ShouldBe([handle]);

        foreach (var task in await OpenTasksAsync(key))
        {
            (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        }
        (await ActiveElementsAsync(key)).ShouldBe(["handle", "inner-b"], "inner-a went on to a second inner-b");
        foreach (var task in await OpenTasksAsync(key))
        {
            (await Engine.CompleteUserTaskAsync(task.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        }
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_parallel_join_waiting_for_a_terminated_branch_is_released_by_activating_the_join()
    {
        await DeployAsync(Process("mod-join", Start() + Gateway("parallelGateway", "fork") + UserTask("a") + UserTask("b") +
            Gateway("parallelGateway", "join") + UserTask("after") + End() + Flows("start->fork->a->join", "fork->b->join", "join->after->end")));
        var key = await StartAsync("mod-join");
        var a = (await OpenTasksAsync(key)).Single(t => t.ElementId == "a");
        (await Engine.CompleteUserTaskAsync(a.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        var b = (await ElementKeysAsync(key, "b")).Single();

        // Terminating b alone leaves a token waiting at the join: the instance stays active, as in Camunda.
        await ModifyAsync(key, [], [b]);
        (await StateAsync(key)).ShouldBe("ACTIVE");
        (await ActiveElementsAsync(key)).ShouldBeEmpty();

        await ModifyAsync(key, [new ModificationActivation("join", null, [])], []);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        var after = (await OpenTasksAsync(key)).Single();
        (await Engine.CompleteUserTaskAsync(after.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StateAsync(key)).ShouldBe("COMPLETED", "the join's waiting token went with the modification");
    }

    [Test]
    public async Task Terminating_the_last_element_instance_terminates_the_process_instance()
    {
        await DeployAsync(Process("mod-last", Start() + UserTask("review") + End() + Flows("start->review->end")));
        var key = await StartAsync("mod-last");
        var review = (await ElementKeysAsync(key, "review")).Single();

        await ModifyAsync(key, [], [review]);

        (await StateAsync(key)).ShouldBe("TERMINATED");
        var again = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([new ModificationActivation("review", null, [])], []), Auditor,
            CancellationToken.None);
        again.Error.ShouldBe(CommandError.NotFound);
    }

    [Test]
    public async Task A_wrong_instruction_refuses_the_whole_modification_naming_it_and_nothing_changes()
    {
        await DeployAsync(Process("mod-refuse", Start() + UserTask("review") + UserTask("approve") + End() + Flows("start->review->approve->end")));
        var key = await StartAsync("mod-refuse");
        var review = (await ElementKeysAsync(key, "review")).Single();

        var unknown = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan(
            [new ModificationActivation("approve", null, []), new ModificationActivation("no-such-task", null, [])], [review]), Auditor, CancellationToken.None);
        unknown.Error.ShouldBe(CommandError.InvalidArgument);
        unknown.Message!.ShouldContain("activateInstructions[1].elementId");
        unknown.Message!.ShouldContain("'no-such-task'");

        var notActive = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([], [review, 12345]), Auditor, CancellationToken.None);
        notActive.Error.ShouldBe(CommandError.InvalidArgument);
        notActive.Message!.ShouldContain("terminateInstructions[1].elementInstanceKey: 12345");

        var badScope = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan(
            [new ModificationActivation("approve", null, [new ModificationVariables(Vars("""{"x":1}"""), "review")])], []), Auditor, CancellationToken.None);
        badScope.Error.ShouldBe(CommandError.InvalidArgument);
        badScope.Message!.ShouldContain("variableInstructions[0].scopeId: 'review'");

        var start = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([new ModificationActivation("start", null, [])], []), Auditor,
            CancellationToken.None);
        start.Error.ShouldBe(CommandError.InvalidArgument);

        (await ActiveElementsAsync(key)).ShouldBe(["review"]);
        (await HistoryAsync(key, "PROCESS_INSTANCE_MODIFIED")).ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'instance.modified' AND target_id = @id", new { id = key.ToString() })).ShouldBe(0);
    }

    [Test]
    public async Task Two_active_instances_of_the_flow_scope_need_an_ancestor_key()
    {
        await DeployAsync(Process("mod-ancestor", Start() + Gateway("parallelGateway", "fork") +
            SubProcess("left", Start("l-start") + UserTask("l-task") + UserTask("l-next") + End("l-end") + Flows("l-start->l-task->l-next->l-end")) +
            UserTask("right") + End() + End("end2") + Flows("start->fork->left->end", "fork->right->end2")));
        var key = await StartAsync("mod-ancestor");
        await ModifyAsync(key, [new ModificationActivation("left", null, [])], []);
        var lefts = await ElementKeysAsync(key, "left");
        lefts.Count.ShouldBe(2);

        var ambiguous = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([new ModificationActivation("l-next", null, [])], []), Auditor,
            CancellationToken.None);
        ambiguous.Error.ShouldBe(CommandError.InvalidArgument);
        ambiguous.Message!.ShouldContain("ancestorElementInstanceKey");

        await ModifyAsync(key, [new ModificationActivation("l-next", lefts[1], [])], []);
        (await CountAsync("SELECT count(*) FROM element_instance WHERE element_id = 'l-next' AND flow_scope_key = @scope", new { scope = lefts[1] })).ShouldBe(1);
        var wrong = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan([new ModificationActivation("l-next", key + 999_999, [])], []), Auditor,
            CancellationToken.None);
        wrong.Error.ShouldBe(CommandError.InvalidArgument);
    }

    private async Task<InstanceModification> ModifyAsync(long key, IReadOnlyList<ModificationActivation> activations, IReadOnlyList<long> terminations)
    {
        var result = await Engine.ModifyInstanceAsync(Caller.System, key, new ModificationPlan(activations, terminations), Auditor, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!;
    }

    private async Task<List<long>> ElementKeysAsync(long key, string elementId) =>
        [.. (await QueryAsync<long>("SELECT key FROM element_instance WHERE process_instance_key = @key AND element_id = @elementId ORDER BY key",
            new { key, elementId }))];

    private async Task<IEnumerable<T>> QueryAsync<T>(string sql, object parameters)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.QueryAsync<T>(connection, sql, parameters);
    }
}
