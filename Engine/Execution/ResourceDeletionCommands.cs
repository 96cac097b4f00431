using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>What a resource deletion removed: the kind (<c>process</c>, <c>drg</c>, <c>form</c>), id, version and tenant.</summary>
public sealed record DeletedResource(string Kind, long Key, string Id, int Version, string TenantId)
{
    /// <summary>For a process version that held its start events: the version that holds them now, or null when none is left.</summary>
    public long? StartEventsMovedTo { get; init; }

    /// <summary>For a decision requirements graph: the keys of its decisions, deleted with it.</summary>
    public IReadOnlyList<long> Decisions { get; init; } = [];
}

/// <summary>
/// Camunda's resource deletion, in one transaction with its audit row. A process version with running instances is
/// refused (InvalidState, naming how many), as in Camunda 8.8; otherwise it is marked deleted and, when it was the
/// latest, its message, signal and timer start events move to the version before it (or close, when none is left),
/// as Zeebe does. A decision requirements graph goes with its decisions; a form alone. Rows stay for the history.
/// </summary>
internal sealed partial class ProcessEngine
{
    /// <summary>Raised after a deletion commits here, or when another host's deletion is heard: kind and key of what to forget.</summary>
    internal event Action<string, long>? DefinitionForgotten;

    public async Task<CommandResult<DeletedResource>> DeleteResourceAsync(Visibility.Caller caller, long resourceKey, AuditActor? audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        DeletedResource deleted;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // The lock first, then the lookup: two deletions of one key take turns and the second finds it gone.
            await DefinitionDeletionStore.LockForDeletionAsync(connection, transaction, resourceKey, cancellationToken);
            var found = await DefinitionDeletionStore.FindAsync(connection, transaction, resourceKey, caller.Tenants?.ToArray(), cancellationToken);
            if (found is null)
            {
                return CommandResult<DeletedResource>.Fail(CommandError.NotFound, $"No deployed resource with key {resourceKey}.");
            }
            var now = _clock.GetUtcNow();
            deleted = new DeletedResource(found.Kind, found.Key, found.Id, found.Version, found.TenantId);
            switch (found.Kind)
            {
                case "process":
                    var running = await DefinitionDeletionStore.RunningInstancesAsync(connection, transaction, found.Key, cancellationToken);
                    if (running > 0)
                    {
                        return CommandResult<DeletedResource>.Fail(CommandError.InvalidState,
                            $"Process '{found.Id}' version {found.Version} (key {found.Key}) has {running} running instance{(running == 1 ? "" : "s")}; " +
                            "a version is deleted once none runs: cancel them or migrate them to another version first.");
                    }
                    var wasLatest = await DefinitionDeletionStore.WasLatestAsync(connection, transaction, found.TenantId, found.Id, found.Version, cancellationToken);
                    await DefinitionDeletionStore.DeleteProcessAsync(connection, transaction, found.Key, now, cancellationToken);
                    if (wasLatest)
                    {
                        deleted = deleted with { StartEventsMovedTo = await ReopenStartEventsAsync(connection, transaction, found, cancellationToken) };
                    }
                    break;
                case "drg":
                    deleted = deleted with
                    {
                        Decisions = await DefinitionDeletionStore.DeleteRequirementsAsync(connection, transaction, found.Key, now, cancellationToken),
                    };
                    break;
                default:
                    await DefinitionDeletionStore.DeleteFormAsync(connection, transaction, found.Key, now, cancellationToken);
                    break;
            }
            if (audit is not null)
            {
                var details = new JsonObject
                {
                    ["kind"] = found.Kind, ["id"] = found.Id, ["version"] = found.Version, ["tenantId"] = found.TenantId,
                    ["startEventsMovedTo"] = deleted.StartEventsMovedTo?.ToString(CultureInfo.InvariantCulture),
                };
                await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "resource.deleted", found.Kind,
                    found.Key.ToString(CultureInfo.InvariantCulture), details.ToJsonString()), cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        // Other hosts hear the table's trigger; this one need not wait for its own notification.
        ForgetDefinition(deleted.Kind, deleted.Key);
        return CommandResult<DeletedResource>.Success(deleted);
    }

    /// <summary>The start events of the process id go to its latest remaining version, or close; answers that version's key.</summary>
    private async Task<long?> ReopenStartEventsAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, DeletableResource deleted,
        CancellationToken cancellationToken)
    {
        var previous = await DefinitionDeletionStore.LatestProcessAsync(connection, transaction, deleted.TenantId, deleted.Id, cancellationToken);
        if (previous is { } key && await _store.Definitions.FindAsync(key, cancellationToken) is { } info &&
            await _store.DefinitionAsync(key, cancellationToken) is { } definition)
        {
            await OpenStartEventsAsync(connection, transaction, info, definition, cancellationToken);
            return key;
        }
        await DefinitionDeletionStore.CloseStartEventsAsync(connection, transaction, deleted.TenantId, deleted.Id, cancellationToken);
        return null;
    }

    /// <summary>
    /// Drops what this host cached of a deleted resource: <c>process</c>, <c>drg</c> or <c>form</c> with its key, or
    /// everything when <paramref name="kind"/> is empty (after a lost LISTEN connection: notifications may have been missed).
    /// </summary>
    internal void ForgetDefinition(string kind, long key)
    {
        switch (kind)
        {
            case "process":
                _store.Forget(key);
                _store.Definitions.Forget(key);
                break;
            case "drg":
                _decisions.Forget(key);
                break;
            case "":
                _store.ForgetAll();
                _store.Definitions.ForgetAll();
                _decisions.ForgetAll();
                break;
        }
        DefinitionForgotten?.Invoke(kind, key);
    }
}
