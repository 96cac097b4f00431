using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Batches;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Engine;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// The retention service's round for batch operations (its own fixture: the instances it ends and the clock it moves
/// would be counted by the instance retention tests).
/// </summary>
public sealed class BatchRetentionTests : EngineTest
{
    [Test]
    public async Task Batch_operations_that_ended_before_their_retention_go_with_their_items_and_open_ones_stay()
    {
        await DeployAsync(Process("retained-batch", Start() + UserTask("review") + End() + Flows("start->review->end")));
        var batches = new BatchOperations(Engine);
        var operatorCaller = new Caller("retention-operator", new HashSet<CallerRole> { CallerRole.Operator }, []);
        async Task<long> CancelOneAsync()
        {
            var instance = await StartAsync("retained-batch");
            return (await batches.CancelInstancesAsync(operatorCaller, Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instance)),
                CancellationToken.None)).Value;
        }
        Task RoundAsync() => new BatchRunner(Engine, TimeSpan.FromSeconds(1), NullLogger.Instance).ExecuteAsync(CancellationToken.None);
        var old = await CancelOneAsync();
        await RoundAsync();
        var suspended = await CancelOneAsync();
        (await batches.SuspendAsync(operatorCaller, suspended, CancellationToken.None)).Ok.ShouldBeTrue();
        Clock.Advance(TimeSpan.FromDays(31));
        var recent = await CancelOneAsync();
        await RoundAsync();
        var options = new RetentionOptions { BatchSize = 1 }; // the documented default period (30 days); one batch per round
        options.FinishedBatchOperations.ShouldBe(TimeSpan.FromDays(30));

        var (_, instances, purged) = await options.PurgeAsync(Engine.Retention, Clock.GetUtcNow(), CancellationToken.None);

        (instances, purged).ShouldBe((0, 1), "instances are kept (no period for them), one batch ended before the cut-off");
        (await batches.Queries.FindAsync(Caller.System, old, CancellationToken.None)).ShouldBeNull();
        (await CountAsync("SELECT count(*) FROM batch_operation_item WHERE batch_operation_key = @old", new { old })).ShouldBe(0, "its items went with it");
        (await batches.Queries.FindAsync(Caller.System, recent, CancellationToken.None))!.State.ShouldBe("COMPLETED");
        (await batches.Queries.FindAsync(Caller.System, suspended, CancellationToken.None))!.State.ShouldBe("SUSPENDED", "a batch that has not ended stays, however old");
        (await CountAsync("SELECT count(*) FROM batch_operation_item WHERE batch_operation_key = @suspended", new { suspended })).ShouldBe(1);
        var kept = await new RetentionOptions { FinishedBatchOperations = null }.PurgeAsync(Engine.Retention, Clock.GetUtcNow() + TimeSpan.FromDays(400),
            CancellationToken.None);
        (kept.Months.Count, kept.Instances, kept.BatchOperations).ShouldBe((0, 0, 0), "no period keeps them forever");
    }
}
