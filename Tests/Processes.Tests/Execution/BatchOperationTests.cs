using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Processes.Engine.Batches;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// Camunda's batch operations in the engine: a filter read with the creator's visibility becomes the items (instances
/// that do not match, or that the creator does not see, are never touched); the runner's rounds run one command per
/// item, each ending its item in its own transaction; suspend, resume and cancel; a batch held by a node that dies is
/// taken over by another.
/// </summary>
public sealed class BatchOperationTests : EngineTest
{
    private static readonly Caller Operator = new("batch-operator", new HashSet<CallerRole> { CallerRole.Operator }, []);
    private BatchOperations _batches = null!;

    [SetUp]
    public void CreateBatches() => _batches = new BatchOperations(Engine);

    private static string Review(string id) => Process(id,
        Start() + UserTask("review", "<zeebe:assignmentDefinition candidateGroups=\"=team\" />") + UserTask("approve") + End() + Flows("start->review->approve->end"));

    private static Query Where(params FieldCondition[] conditions) => Query.Where(conditions);

    private Task<TimeSpan> RoundAsync() => new BatchRunner(Engine, TimeSpan.FromSeconds(1), NullLogger.Instance).ExecuteAsync(CancellationToken.None);

    private async Task<List<(long ItemKey, string State, string? Error)>> ItemsAsync(long batch) =>
        [.. (await _batches.Queries.ItemsAsync(Caller.System, Where(new FieldCondition("batchOperationKey", FilterOperator.Eq, batch)), CancellationToken.None))
            .Items.Select(i => (i.ItemKey, i.State, i.ErrorMessage))];

    private async Task<BatchOperationRow> BatchAsync(long batch) => (await _batches.Queries.FindAsync(Caller.System, batch, CancellationToken.None))!;

    [Test]
    public async Task A_cancellation_batch_cancels_the_matching_instances_only_after_it_is_resumed()
    {
        await DeployAsync(Review("batch-c"));
        await DeployAsync(Review("batch-other"), "other.bpmn");
        var team = Vars("""{"team":"g1"}""");
        var one = await StartAsync("batch-c", team, "B-1");
        var two = await StartAsync("batch-c", team, "B-2");
        var notNamed = await StartAsync("batch-c", team, "B-3");
        var otherProcess = await StartAsync("batch-other", team, "B-1");

        var created = await _batches.CancelInstancesAsync(Operator, Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, "batch-c"),
            new FieldCondition("businessKey", FilterOperator.In, new List<object?> { "B-1", "B-2" })), CancellationToken.None);
        created.Ok.ShouldBeTrue(created.Message);
        var batch = created.Value;
        (await ItemsAsync(batch)).Select(i => i.ItemKey).Order().ShouldBe(new[] { one, two }.Order());

        (await _batches.SuspendAsync(Operator, batch, CancellationToken.None)).Ok.ShouldBeTrue();
        await RoundAsync();
        (await ItemsAsync(batch)).ShouldAllBe(i => i.State == "ACTIVE");
        (await StateAsync(one)).ShouldBe("ACTIVE", "a suspended batch runs nothing");
        (await BatchAsync(batch)).State.ShouldBe("SUSPENDED");

        (await _batches.ResumeAsync(Operator, batch, CancellationToken.None)).Ok.ShouldBeTrue();
        (await _batches.ResumeAsync(Operator, batch, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
        await RoundAsync();

        (await StateAsync(one)).ShouldBe("TERMINATED");
        (await StateAsync(two)).ShouldBe("TERMINATED");
        (await StateAsync(notNamed)).ShouldBe("ACTIVE");
        (await StateAsync(otherProcess)).ShouldBe("ACTIVE");
        (await ItemsAsync(batch)).ShouldAllBe(i => i.State == "COMPLETED");
        var done = await BatchAsync(batch);
        (done.State, done.Total, done.Completed, done.Failed).ShouldBe(("COMPLETED", 2L, 2L, 0L));
        done.EndedAt.ShouldNotBeNull();
        (await _batches.CancelAsync(Operator, batch, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
    }

    [Test]
    public async Task A_batch_touches_only_the_instances_its_creator_sees()
    {
        await DeployAsync(Review("batch-seen"));
        var mine = await StartAsync("batch-seen", Vars("""{"team":"g1"}"""));
        var theirs = await StartAsync("batch-seen", Vars("""{"team":"g2"}"""));
        var agent = new Caller("batch-agent", new HashSet<CallerRole> { CallerRole.Agent }, ["g1"]);

        var batch = (await _batches.CancelInstancesAsync(agent, Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, "batch-seen")),
            CancellationToken.None)).Value;
        await RoundAsync();

        (await ItemsAsync(batch)).Select(i => i.ItemKey).ShouldBe([mine]);
        (await StateAsync(mine)).ShouldBe("TERMINATED");
        (await StateAsync(theirs)).ShouldBe("ACTIVE");
        // The batch itself: its creator sees it, another agent does not, an operator of every tenant does.
        (await _batches.Queries.FindAsync(agent, batch, CancellationToken.None)).ShouldNotBeNull();
        (await _batches.Queries.FindAsync(agent with { UserName = "someone-else" }, batch, CancellationToken.None)).ShouldBeNull();
        (await _batches.SuspendAsync(agent with { UserName = "someone-else" }, batch, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        (await _batches.Queries.FindAsync(Operator, batch, CancellationToken.None)).ShouldNotBeNull();
        (await _batches.Queries.FindAsync(Operator with { Tenants = ["elsewhere"] }, batch, CancellationToken.None)).ShouldBeNull();
    }

    [Test]
    public async Task Incidents_of_the_matching_instances_are_resolved_one_command_each()
    {
        await DeployAsync(Process("batch-inc", Start() + Gateway("exclusiveGateway", "gw") + UserTask("done") + End() +
            ConditionalFlow("gw", "done", "=go = true") + Flows("start->gw", "done->end")));
        var first = await StartAsync("batch-inc", Vars("""{"go":false,"group":"x"}"""));
        var second = await StartAsync("batch-inc", Vars("""{"go":false,"group":"x"}"""));
        var left = await StartAsync("batch-inc", Vars("""{"go":false,"group":"y"}"""));
        var incidents = new[] { (await IncidentsAsync(first)).Single().Key, (await IncidentsAsync(second)).Single().Key };
        foreach (var key in new[] { first, second })
        {
            (await Engine.SetVariablesAsync(key, Vars("""{"go":true}"""), local: false, CancellationToken.None)).Ok.ShouldBeTrue();
        }

        var batch = (await _batches.ResolveIncidentsAsync(Operator, new Query { Variables = [new VariableCondition("group", "x")] }, CancellationToken.None)).Value;
        (await ItemsAsync(batch)).Select(i => i.ItemKey).Order().ShouldBe(incidents.Order());
        await RoundAsync();

        (await ActiveElementsAsync(first)).ShouldBe(["done"]);
        (await ActiveElementsAsync(second)).ShouldBe(["done"]);
        (await IncidentsAsync(left)).ShouldHaveSingleItem("an instance outside the filter keeps its incident");
        (await BatchAsync(batch)).State.ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_move_that_finds_nothing_fails_its_item_and_the_batch_is_partly_completed()
    {
        await DeployAsync(Review("batch-move"));
        var waiting = await StartAsync("batch-move", Vars("""{"team":"g1"}"""));
        var moved = await StartAsync("batch-move", Vars("""{"team":"g1"}"""));
        (await _batches.ModifyInstancesAsync(Operator, Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, moved)),
            [new BatchMove("review", "approve")], CancellationToken.None)).Ok.ShouldBeTrue();
        await RoundAsync();
        (await ActiveElementsAsync(moved)).ShouldBe(["approve"]);

        var batch = (await _batches.ModifyInstancesAsync(Operator, Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, "batch-move")),
            [new BatchMove("review", "approve")], CancellationToken.None)).Value;
        await RoundAsync();

        (await ActiveElementsAsync(waiting)).ShouldBe(["approve"]);
        var items = await ItemsAsync(batch);
        items.Single(i => i.ItemKey == waiting).State.ShouldBe("COMPLETED");
        var failed = items.Single(i => i.ItemKey == moved);
        failed.State.ShouldBe("FAILED");
        failed.Error.ShouldBe($"Process instance {moved} has no active element instance of 'review'.");
        var row = await BatchAsync(batch);
        (row.State, row.Completed, row.Failed).ShouldBe(("PARTIALLY_COMPLETED", 1L, 1L));
    }

    [Test]
    public async Task A_cancelled_batch_ends_its_open_items_and_a_dead_nodes_batch_is_taken_over()
    {
        await DeployAsync(Review("batch-end"));
        var a = await StartAsync("batch-end", Vars("""{"team":"g1"}"""));
        var all = Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, "batch-end"));
        var cancelled = (await _batches.CancelInstancesAsync(Operator, all, CancellationToken.None)).Value;
        (await _batches.CancelAsync(Operator, cancelled, CancellationToken.None)).Ok.ShouldBeTrue();
        await RoundAsync();
        (await ItemsAsync(cancelled)).ShouldAllBe(i => i.State == "CANCELED");
        (await StateAsync(a)).ShouldBe("ACTIVE");
        (await BatchAsync(cancelled)).State.ShouldBe("CANCELED");

        var batch = (await _batches.CancelInstancesAsync(Operator, all, CancellationToken.None)).Value;
        // Unpooled: closing it ends its session, as a node's death does.
        await using (var otherNode = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString))
        {
            await otherNode.OpenAsync();
            (await BatchOperationStore.TryHoldAsync(otherNode, batch, CancellationToken.None)).ShouldBeTrue();
            await RoundAsync();
            (await StateAsync(a)).ShouldBe("ACTIVE", "another node holds the batch");
        }
        // That node's session is gone (it died): the batch is free for this one, at the latest by its next rounds (the
        // server ends the session a moment after the connection closes).
        for (var round = 0; round < 20 && await StateAsync(a) == "ACTIVE"; round++)
        {
            await RoundAsync();
            await System.Threading.Tasks.Task.Delay(100);
        }
        (await StateAsync(a)).ShouldBe("TERMINATED");
        (await BatchAsync(batch)).State.ShouldBe("COMPLETED");
    }
}
