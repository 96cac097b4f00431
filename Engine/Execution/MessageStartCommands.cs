using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>
/// Message start events and correlation keys, as Camunda 8 documents them: while an instance that a message with
/// correlation key K started is active (any version), another message with key K does not start a second
/// instance of that process; with a time to live it stays buffered and starts the next instance when the active
/// one ends. Messages with an empty correlation key always start a new instance.
/// </summary>
internal sealed partial class ProcessEngine
{
    /// <summary>
    /// A new instance at a message start event; no instance when an active instance already holds the correlation key,
    /// or the version is suspended (the message then correlates to nothing there: buffered with a time to live, else
    /// dropped). The start form's check (catalogues) is made here, where the start is decided, so a message that only
    /// correlates to waiting instances is never refused for a start it does not make. Refused names the fields when
    /// the values break the start form: of the instance it would create, or — when <paramref name="buffered"/> and the
    /// key is held — of the one the buffered message would start once the key is freed (nobody is left to tell then).
    /// </summary>
    private async Task<(InstanceState? Created, IReadOnlyDictionary<string, string[]>? Refused)> StartByMessageAsync(Execution x,
        NpgsqlConnection connection, NpgsqlTransaction transaction, ExecutableDefinition definition, string startElementId, string correlationKey,
        JsonObject variables, bool buffered, CancellationToken cancellationToken)
    {
        if (await Deployment.VersionSuspension.IsSuspendedAsync(connection, transaction, definition.Key, cancellationToken))
        {
            return (null, null);
        }
        var keyed = correlationKey.Length > 0;
        if (keyed && (x.Changes.NewMessageStartKeys.Any(k => k.BpmnProcessId == definition.BpmnProcessId && k.CorrelationKey == correlationKey &&
                k.TenantId == definition.TenantId) ||
            await SubscriptionStore.IsStartKeyHeldAsync(connection, transaction, definition.TenantId, definition.BpmnProcessId, correlationKey, cancellationToken)))
        {
            return (null, buffered ? await StartFormRefusesAsync(connection, transaction, definition, variables, cancellationToken) : null);
        }
        if (await StartFormRefusesAsync(connection, transaction, definition, variables, cancellationToken) is { } refused)
        {
            return (null, refused);
        }
        var created = NewInstance(x, definition, variables, businessKey: null, startElementId: startElementId);
        if (keyed)
        {
            x.Changes.NewMessageStartKeys.Add((created.Key, definition.BpmnProcessId, correlationKey, definition.TenantId));
        }
        return (created, null);
    }

    /// <summary>
    /// Instances that ended in this command free the correlation key a message started them with; the oldest
    /// message buffered for a start event of the process with that key then starts the next instance. True when
    /// one was started (its steps are queued).
    /// </summary>
    private async Task<bool> ReleaseMessageStartKeysAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction,
        HashSet<long> released, CancellationToken cancellationToken)
    {
        var ended = x.Instances.Values.Where(i => !i.IsActive && i.IsChanged && released.Add(i.Key)).Select(i => i.Key).ToHashSet();
        if (ended.Count == 0)
        {
            return false;
        }
        var freed = x.Changes.NewMessageStartKeys.Where(k => ended.Contains(k.ProcessInstanceKey)).Select(k => (k.BpmnProcessId, k.CorrelationKey, k.TenantId)).ToList();
        x.Changes.NewMessageStartKeys.RemoveAll(k => ended.Contains(k.ProcessInstanceKey));
        freed.AddRange(await SubscriptionStore.ReleaseStartKeysAsync(connection, transaction, ended, cancellationToken));
        var started = false;
        foreach (var (bpmnProcessId, correlationKey, tenant) in freed)
        {
            var candidates = await MessageStore.BufferedForStartAsync(connection, transaction, tenant, bpmnProcessId, correlationKey, x.Now, cancellationToken);
            foreach (var next in candidates.Where(m => !x.Changes.MessageCorrelations.Contains((m.Key, bpmnProcessId))))
            {
                if (await _store.DefinitionAsync(next.ProcessDefinitionKey, cancellationToken) is not { } definition)
                {
                    break;
                }
                var variables = JsonNode.Parse(next.Variables)?.AsObject() ?? [];
                var (instance, refused) = await StartByMessageAsync(x, connection, transaction, definition, next.ElementId, correlationKey, variables,
                    buffered: false, cancellationToken);
                if (refused is not null)
                {
                    // Accepted at its publication, refused now (a catalogue changed since): this command ends another
                    // instance and must not fail for it, so the message is used up for this process and the next one tried.
                    x.Changes.MessageCorrelations.Add((next.Key, bpmnProcessId));
                    _logger.LogWarning("Buffered message {MessageKey} ('{Name}') did not start {BpmnProcessId}: its start form refuses {Fields}",
                        next.Key, next.Name, bpmnProcessId, string.Join(", ", refused.Keys));
                    continue;
                }
                if (instance is null)
                {
                    break;
                }
                x.Changes.MessageCorrelations.Add((next.Key, bpmnProcessId));
                x.History(instance, instance.Root, HistoryEvents.MessageCorrelated, new JsonObject
                {
                    ["messageKey"] = next.Key,
                    ["name"] = next.Name,
                    ["correlationKey"] = correlationKey,
                    ["elementId"] = next.ElementId,
                    ["buffered"] = true,
                });
                started = true;
                break;
            }
        }
        return started;
    }
}
