using System.Text.Json;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Queries;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Batches;

/// <summary>Camunda 8.8's batch operation types that Processes runs.</summary>
public static class BatchOperationTypes
{
    public const string Cancel = "CANCEL_PROCESS_INSTANCE";
    public const string ResolveIncident = "RESOLVE_INCIDENT";
    public const string Migrate = "MIGRATE_PROCESS_INSTANCE";
    public const string Modify = "MODIFY_PROCESS_INSTANCE";
}

/// <summary>Camunda's batch move: every active instance of <see cref="SourceElementId"/> ends, one of <see cref="TargetElementId"/> begins for each.</summary>
public sealed record BatchMove(string SourceElementId, string TargetElementId);

/// <summary>
/// Camunda 8.8's batch operations: a process instance filter, read once with the caller's visibility when the batch is
/// created, becomes the batch's items (instances, or for incident resolution their open incidents); the engine node's
/// <see cref="BatchRunner"/> then runs one command per item, each in its own transaction, as the creator. Suspending
/// stops the runner between items, resuming lets it go on, cancelling ends the open items.
/// </summary>
public sealed class BatchOperations
{
    private const int PageSize = PageRequest.MaximumLimit;
    private readonly ProcessEngine _engine;

    internal BatchOperations(ProcessEngine engine)
    {
        _engine = engine;
        Queries = new BatchOperationQueries(engine.DataSource);
    }

    public BatchOperationQueries Queries { get; }

    public Task<CommandResult<long>> CancelInstancesAsync(Caller caller, Query filter, CancellationToken cancellationToken) =>
        // Called instances end with their root, as a single cancellation refuses them: only roots are items.
        CreateAsync(caller, BatchOperationTypes.Cancel, Active(filter).And(new FieldCondition("parentProcessInstanceKey", FilterOperator.Exists, false)), null,
            incidents: false, cancellationToken);

    public Task<CommandResult<long>> ResolveIncidentsAsync(Caller caller, Query filter, CancellationToken cancellationToken) =>
        CreateAsync(caller, BatchOperationTypes.ResolveIncident, Active(filter).And(new FieldCondition("hasIncident", FilterOperator.Eq, true)), null,
            incidents: true, cancellationToken);

    public Task<CommandResult<long>> MigrateInstancesAsync(Caller caller, Query filter, MigrationPlan plan, CancellationToken cancellationToken) =>
        CreateAsync(caller, BatchOperationTypes.Migrate, Active(filter), JsonSerializer.Serialize(plan), incidents: false, cancellationToken);

    public Task<CommandResult<long>> ModifyInstancesAsync(Caller caller, Query filter, IReadOnlyList<BatchMove> moves, CancellationToken cancellationToken) =>
        CreateAsync(caller, BatchOperationTypes.Modify, Active(filter), JsonSerializer.Serialize(moves), incidents: false, cancellationToken, moves);

    public Task<CommandResult<bool>> CancelAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        ChangeAsync(caller, key, ["ACTIVE", "SUSPENDED", "CREATED"], "CANCELED", "cancelled", cancellationToken);

    public Task<CommandResult<bool>> SuspendAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        ChangeAsync(caller, key, ["ACTIVE", "CREATED"], "SUSPENDED", "suspended", cancellationToken);

    public Task<CommandResult<bool>> ResumeAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        ChangeAsync(caller, key, ["SUSPENDED"], "ACTIVE", "resumed", cancellationToken);

    private static Query Active(Query filter) => filter.And(new FieldCondition("state", FilterOperator.Eq, "ACTIVE")) with { CountTotal = false };

    private async Task<CommandResult<long>> CreateAsync(Caller caller, string type, Query filter, string? plan, bool incidents,
        CancellationToken cancellationToken, IReadOnlyList<BatchMove>? moves = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var items = new List<(long, long)>();
        var definitions = new HashSet<long>();
        string? after = null;
        do
        {
            // Keyset pages of the instance read model: the caller's visibility decides which instances the batch touches.
            var page = await QuerySql.RunAsync(_engine.DataSource, InstanceQueries.Model, caller,
                filter with { Sort = [], Page = new PageRequest(PageSize, After: after) }, cancellationToken);
            var keys = page.Items.Select(i => i.Key).ToArray();
            definitions.UnionWith(page.Items.Select(i => i.ProcessDefinitionKey));
            if (incidents && keys.Length > 0)
            {
                string? incidentsAfter = null;
                do
                {
                    var open = await QuerySql.RunAsync(_engine.DataSource, InstanceQueries.IncidentModel, caller,
                        Query.Where(new FieldCondition("processInstanceKey", FilterOperator.In, keys), new FieldCondition("state", FilterOperator.Eq, "ACTIVE"))
                            with { CountTotal = false, Page = new PageRequest(PageSize, After: incidentsAfter) }, cancellationToken);
                    items.AddRange(open.Items.Select(n => (n.Key, n.ProcessInstanceKey)));
                    incidentsAfter = open.HasMore ? open.EndCursor : null;
                }
                while (incidentsAfter is not null);
            }
            else
            {
                items.AddRange(keys.Select(k => (k, k)));
            }
            after = page.HasMore ? page.EndCursor : null;
        }
        while (after is not null);
        foreach (var definition in moves is null ? [] : definitions)
        {
            // Refused as a whole, before any item exists: the moves are wrong for the models of the instances they name.
            if (await _engine.Definitions.GetExecutableAsync(definition, cancellationToken) is { } model && BatchMoveRules.Problem(model, moves!) is { } problem)
            {
                return CommandResult<long>.Fail(CommandError.InvalidArgument, problem);
            }
        }
        var key = _engine.Keys.Next();
        await BatchOperationStore.InsertAsync(_engine.DataSource, new NewBatch(key, type, caller.UserName, CallerJson.Write(caller),
            caller.Tenants?.ToArray(), plan, _engine.Clock.GetUtcNow(), items), cancellationToken);
        // Committed: this node's runner starts now; the others hear the store's notification.
        _engine.BatchesWaiting.Set();
        return CommandResult<long>.Success(key);
    }

    private async Task<CommandResult<bool>> ChangeAsync(Caller caller, long key, string[] from, string to, string verb, CancellationToken cancellationToken)
    {
        if (await Queries.FindAsync(caller, key, cancellationToken) is null)
        {
            return CommandResult<bool>.Fail(CommandError.NotFound, $"Batch operation {key} does not exist or is not visible to you.");
        }
        var was = await BatchOperationStore.ChangeStateAsync(_engine.DataSource, key, from, to, _engine.Clock.GetUtcNow(), cancellationToken);
        if (was is null || !from.Contains(was, StringComparer.Ordinal))
        {
            return CommandResult<bool>.Fail(CommandError.InvalidState, $"Batch operation {key} is {was}; it cannot be {verb}.");
        }
        if (to == "ACTIVE")
        {
            _engine.BatchesWaiting.Set();
        }
        return CommandResult<bool>.Success(true);
    }
}

/// <summary>The creator of a batch as its row keeps it: the items run as this caller.</summary>
internal static class CallerJson
{
    private sealed record Stored(string User, string[] Roles, string[] Groups, string[]? Tenants);

    public static string Write(Caller caller) =>
        JsonSerializer.Serialize(new Stored(caller.UserName, [.. caller.Roles.Select(r => r.ToString())], [.. caller.Groups], caller.Tenants?.ToArray()));

    public static Caller Read(string json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json)!;
        return new Caller(stored.User, stored.Roles.Select(Enum.Parse<CallerRole>).ToHashSet(), stored.Groups) { Tenants = stored.Tenants };
    }
}
