using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Jobs.Background;
using Processes.Engine.Queries;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Batches;

/// <summary>
/// A node's share of the batch operations: each round takes the active batches no other node holds (a session lock
/// that goes with its connection, so a dead node's batch is taken over) and runs their open items one command at a
/// time, each ending its item in its own transaction. A batch suspended or cancelled meanwhile stops between items.
/// Idle, it waits for <paramref name="waiting"/> (set when a batch is created or resumed on this node, or notified on
/// <c>processes_batches</c> by another) or <paramref name="idle"/>, whichever comes first.
/// </summary>
internal sealed class BatchRunner(ProcessEngine engine, TimeSpan idle, ILogger logger, Wakeup? waiting = null) : IBackgroundProcess
{
    private const int ItemsPerRead = 50;

    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        var worked = false;
        foreach (var batch in await BatchOperationStore.ActiveAsync(engine.DataSource, stop))
        {
            await using var connection = await engine.DataSource.OpenConnectionAsync(stop);
            if (!await BatchOperationStore.TryHoldAsync(connection, batch.Key, stop))
            {
                continue;
            }
            try
            {
                var caller = CallerJson.Read(batch.Caller);
                IReadOnlyList<(long ItemKey, long ProcessInstanceKey)> items;
                while ((items = await BatchOperationStore.NextItemsAsync(connection, batch.Key, ItemsPerRead, stop)).Count > 0)
                {
                    foreach (var (itemKey, instanceKey) in items)
                    {
                        await RunItemAsync(batch, caller, itemKey, instanceKey, stop);
                        worked = true;
                    }
                }
                await BatchOperationStore.FinishIfDoneAsync(connection, batch.Key, engine.Clock.GetUtcNow(), stop);
            }
            finally
            {
                await BatchOperationStore.LetGoAsync(connection, batch.Key, CancellationToken.None);
            }
        }
        if (worked)
        {
            return TimeSpan.Zero;
        }
        if (waiting is null)
        {
            return idle;
        }
        await waiting.WaitAsync(idle, stop);
        return TimeSpan.Zero;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        logger.LogError(exception, "Running batch operations failed; trying again in {Pause}", idle);
        return idle;
    }

    private async Task RunItemAsync(OpenBatch batch, Caller caller, long itemKey, long instanceKey, CancellationToken stop)
    {
        var claim = new BatchItemClaim(batch.Key, itemKey, batch.OperationType == BatchOperationTypes.Migrate ? MigrationFailure : null,
            AuditOf(batch, caller, itemKey, instanceKey));
        string? refusal;
        try
        {
            using var tenants = TenantScope.Enter(caller.Tenants);
            using var enlisted = BatchItemClaim.Enlist(claim);
            refusal = await ExecuteAsync(batch, caller, itemKey, instanceKey, stop);
        }
        catch (BatchItemClosedException)
        {
            return; // cancelled while the command ran: the command rolled back
        }
        if (!claim.Recorded)
        {
            // A refused command wrote nothing: the item ends on its own, naming why (a replayed success ends COMPLETED).
            await using var connection = await engine.DataSource.OpenConnectionAsync(stop);
            await BatchOperationStore.EndItemAsync(connection, null, batch.Key, itemKey, refusal, engine.Clock.GetUtcNow(), stop);
        }
    }

    /// <summary>Runs the item's command as the batch's creator; answers why it was refused, or null when it ran.</summary>
    private async Task<string?> ExecuteAsync(OpenBatch batch, Caller caller, long itemKey, long instanceKey, CancellationToken stop)
    {
        // The creator must still see the instance: roles, groups or tenants may have changed since the batch was made.
        var visible = await QuerySql.RunAsync(engine.DataSource, InstanceQueries.Model, caller,
            Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instanceKey)) with { CountTotal = false }, stop);
        if (visible.Items.Count == 0)
        {
            return $"Process instance {instanceKey} does not exist or is not visible to the batch's creator.";
        }
        var audit = new AuditActor(caller.UserName);
        switch (batch.OperationType)
        {
            case BatchOperationTypes.Cancel:
                return Refusal(await engine.CancelInstanceAsync(instanceKey, stop));
            case BatchOperationTypes.ResolveIncident:
                return Refusal(await engine.ResolveIncidentAsync(itemKey, stop));
            case BatchOperationTypes.Migrate:
                var plan = JsonSerializer.Deserialize<MigrationPlan>(batch.Plan!)!;
                return Refusal(await engine.MigrateInstanceAsync(caller, instanceKey, plan, dryRun: false, audit, stop));
            case BatchOperationTypes.Modify:
                var moves = JsonSerializer.Deserialize<List<BatchMove>>(batch.Plan!)!;
                // Checked when the batch was made; checked again, as the instance may have been migrated to another version since.
                if (await engine.Definitions.GetExecutableAsync(visible.Items[0].ProcessDefinitionKey, stop) is { } model &&
                    BatchMoveRules.Problem(model, moves) is { } problem)
                {
                    return problem;
                }
                var modification = await MovesAsync(caller, instanceKey, moves, stop);
                return modification is null
                    ? $"Process instance {instanceKey} has no active element instance of {string.Join(", ", moves.Select(m => $"'{m.SourceElementId}'"))}."
                    : Refusal(await engine.ModifyInstanceAsync(caller, instanceKey, modification, audit, stop));
            default:
                return $"Batch operation type {batch.OperationType} is not run by Processes.";
        }
    }

    /// <summary>Camunda's move: each active instance of a source element ends and one of its target begins in its place.</summary>
    private async Task<ModificationPlan?> MovesAsync(Caller caller, long instanceKey, IReadOnlyList<BatchMove> moves, CancellationToken stop)
    {
        var activations = new List<ModificationActivation>();
        var terminations = new List<long>();
        foreach (var move in moves)
        {
            var elements = await QuerySql.RunAsync(engine.DataSource, ElementInstanceQueries.Model, caller,
                Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instanceKey), new FieldCondition("elementId", FilterOperator.Eq, move.SourceElementId))
                    with { CountTotal = false, Page = new PageRequest(PageRequest.MaximumLimit) }, stop);
            foreach (var element in elements.Items)
            {
                terminations.Add(element.Key);
                activations.Add(new ModificationActivation(move.TargetElementId, null, []));
            }
        }
        return terminations.Count == 0 ? null : new ModificationPlan(activations, terminations);
    }

    /// <summary>
    /// The audit row of a cancel or resolve item, in the creator's name (migrations and modifications write their own):
    /// the same actions as the single commands', naming the batch they came from.
    /// </summary>
    private static AuditRow? AuditOf(OpenBatch batch, Caller caller, long itemKey, long instanceKey)
    {
        var details = JsonSerializer.Serialize(new { batchOperationKey = batch.Key, processInstanceKey = instanceKey });
        return batch.OperationType switch
        {
            BatchOperationTypes.Cancel => new AuditRow(new AuditActor(caller.UserName), "instance.cancelled", "processInstance",
                instanceKey.ToString(CultureInfo.InvariantCulture), details),
            BatchOperationTypes.ResolveIncident => new AuditRow(new AuditActor(caller.UserName), "incident.resolved", "incident",
                itemKey.ToString(CultureInfo.InvariantCulture), details),
            _ => null,
        };
    }

    private static string? MigrationFailure(object? value) =>
        value is InstanceMigration { Migrated: false, AlreadyOnTarget: false } migration ? migration.Describe() : null;

    private static string? Refusal<T>(CommandResult<T> result) => result.Ok ? null : result.Message;
}
