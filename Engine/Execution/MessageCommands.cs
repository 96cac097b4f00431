using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

public sealed record PublishedMessage(long MessageKey, IReadOnlyList<long> CorrelatedProcessInstanceKeys);

/// <summary>
/// Messages and signals. A message correlates once per BPMN process id (as in Zeebe): to the oldest waiting
/// subscription of each process, and to message start events; with a time to live it is kept for subscriptions
/// that open later. Publishing and subscribing serialise on an advisory lock per (name, correlation key), so a
/// message and a subscription racing each other always meet. Everything happens within one tenant: a message reaches
/// only its tenant's subscriptions and start events (two tenants' colliding correlation keys never meet), and a signal
/// only its tenant's.
/// </summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<PublishedMessage>> PublishMessageAsync(string name, string correlationKey, JsonObject? variables, TimeSpan timeToLive,
        string? messageId, CancellationToken cancellationToken, string? tenantId = null) =>
        ExecuteAsync<PublishedMessage>("Publish message", variables, async (x, connection, transaction) =>
        {
            var tenant = tenantId ?? Visibility.TenantIds.Default;
            if (string.IsNullOrWhiteSpace(name))
            {
                return CommandResult<PublishedMessage>.Fail(CommandError.InvalidArgument, "The message name must not be empty.");
            }
            if (!Visibility.TenantScope.Allows(tenant))
            {
                return CommandResult<PublishedMessage>.Fail(CommandError.Forbidden, $"You may not publish messages in tenant '{tenant}'.");
            }
            await LockCorrelationAsync(connection, transaction, tenant, name, correlationKey, cancellationToken);
            if (messageId is not null && await MessageStore.IsBufferedAsync(connection, transaction, tenant, name, correlationKey, messageId, x.Now, cancellationToken))
            {
                return CommandResult<PublishedMessage>.Fail(CommandError.AlreadyExists,
                    $"A message with id '{messageId}' (name '{name}', correlation key '{correlationKey}') was already published and is still buffered.");
            }
            if (messageId is not null)
            {
                await MessageStore.DeleteExpiredWithIdAsync(connection, transaction, tenant, name, correlationKey, messageId, x.Now, cancellationToken);
            }
            var key = x.Keys.Next();
            var payload = variables ?? [];
            var (correlated, refused) = await CorrelateAsync(x, connection, transaction, tenant, key, name, correlationKey, payload,
                buffered: timeToLive > TimeSpan.Zero, cancellationToken);
            if (refused is not null)
            {
                return CommandResult<PublishedMessage>.Invalid(refused);
            }
            if (timeToLive > TimeSpan.Zero)
            {
                x.Changes.NewMessages.Add(new BufferedMessage(key, name, correlationKey, messageId, payload, x.Now + timeToLive, x.Now, tenant));
                foreach (var bpmnProcessId in correlated.Select(c => c.BpmnProcessId).Distinct())
                {
                    x.Changes.MessageCorrelations.Add((key, bpmnProcessId));
                }
            }
            return CommandResult<PublishedMessage>.Success(new PublishedMessage(key, [.. correlated.Select(c => c.ProcessInstanceKey)]));
        }, cancellationToken);

    /// <summary>Camunda's correlate: like publish without buffering, refused when nothing waits for the message.</summary>
    public async Task<CommandResult<PublishedMessage>> CorrelateMessageAsync(string name, string correlationKey, JsonObject? variables, CancellationToken cancellationToken,
        string? tenantId = null)
    {
        var tenant = tenantId ?? Visibility.TenantIds.Default;
        var result = await ExecuteAsync<PublishedMessage>("Correlate message", variables, async (x, connection, transaction) =>
        {
            if (!Visibility.TenantScope.Allows(tenant))
            {
                return CommandResult<PublishedMessage>.Fail(CommandError.Forbidden, $"You may not correlate messages in tenant '{tenant}'.");
            }
            await LockCorrelationAsync(connection, transaction, tenant, name, correlationKey, cancellationToken);
            var key = x.Keys.Next();
            var (correlated, refused) = await CorrelateAsync(x, connection, transaction, tenant, key, name, correlationKey, variables ?? [],
                buffered: false, cancellationToken);
            if (refused is not null)
            {
                return CommandResult<PublishedMessage>.Invalid(refused);
            }
            return correlated.Count == 0
                ? CommandResult<PublishedMessage>.Fail(CommandError.NotFound,
                    $"No process instance waits for message '{name}' with correlation key '{correlationKey}', and no process starts with it.")
                : CommandResult<PublishedMessage>.Success(new PublishedMessage(key, [.. correlated.Select(c => c.ProcessInstanceKey)]));
        }, cancellationToken);
        return result;
    }

    public Task<CommandResult<long>> BroadcastSignalAsync(string name, JsonObject? variables, CancellationToken cancellationToken, string? tenantId = null) =>
        ExecuteAsync<long>("Broadcast signal", variables, async (x, connection, transaction) =>
        {
            var tenant = tenantId ?? Visibility.TenantIds.Default;
            if (string.IsNullOrWhiteSpace(name))
            {
                return CommandResult<long>.Fail(CommandError.InvalidArgument, "The signal name must not be empty.");
            }
            if (!Visibility.TenantScope.Allows(tenant))
            {
                return CommandResult<long>.Fail(CommandError.Forbidden, $"You may not broadcast signals in tenant '{tenant}'.");
            }
            await BroadcastAsync(x, connection, transaction, tenant, name, variables ?? [], cancellationToken);
            return CommandResult<long>.Success(x.Keys.Next());
        }, cancellationToken);

    private static Task LockCorrelationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, string correlationKey,
        CancellationToken cancellationToken) =>
        MessageStore.LockCorrelationAsync(connection, transaction, tenant, name, correlationKey, cancellationToken);

    /// <summary>
    /// The instances the message reached (waiting subscriptions first, then message start events of the processes it did
    /// not reach), or the fields a start form refuses: a start it makes (or, <paramref name="buffered"/>, one it will make
    /// when a held correlation key is freed) with values off its catalogues refuses the whole command.
    /// </summary>
    private async Task<(List<(long ProcessInstanceKey, string BpmnProcessId)> Correlated, IReadOnlyDictionary<string, string[]>? Refused)> CorrelateAsync(
        Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long messageKey, string name, string correlationKey,
        JsonObject variables, bool buffered, CancellationToken cancellationToken)
    {
        var result = new List<(long, string)>();
        var subscriptions = await SubscriptionStore.OldestPerProcessAsync(connection, transaction, tenant, name, correlationKey, cancellationToken);
        foreach (var subscription in subscriptions)
        {
            if (await LoadAsync(x, connection, transaction, subscription.ProcessInstanceKey, cancellationToken) is not { } instance)
            {
                continue;
            }
            x.History(instance, instance.Find(subscription.ElementInstanceKey), HistoryEvents.MessageCorrelated, new JsonObject
            {
                ["messageKey"] = messageKey,
                ["name"] = name,
                ["correlationKey"] = correlationKey,
                ["elementId"] = subscription.ElementId,
            });
            x.Changes.Correlations.Add(new SubscriptionCorrelation(subscription.Key, messageKey, name, correlationKey, instance.Key,
                subscription.ElementInstanceKey, subscription.ElementId, subscription.BpmnProcessId, x.Now));
            x.Enqueue(() => x.Trigger(instance, subscription.ElementInstanceKey, subscription.ElementId, variables));
            result.Add((instance.Key, subscription.BpmnProcessId));
        }
        var starts = await SubscriptionStore.StartEventsAsync(connection, transaction, tenant, "MESSAGE", name, cancellationToken);
        foreach (var start in starts.Where(s => result.All(r => r.Item2 != s.BpmnProcessId)))
        {
            if (await _store.DefinitionAsync(start.ProcessDefinitionKey, cancellationToken) is not { } definition)
            {
                continue;
            }
            var (created, refused) = await StartByMessageAsync(x, connection, transaction, definition, start.ElementId, correlationKey, variables,
                buffered, cancellationToken);
            if (refused is not null)
            {
                return (result, refused);
            }
            if (created is not null)
            {
                result.Add((created.Key, start.BpmnProcessId));
            }
        }
        return (result, null);
    }

    private async Task CorrelateBufferedAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, CorrelateBufferedMessage subscription,
        HashSet<(long, string)> correlatedInCommand, CancellationToken cancellationToken)
    {
        var instance = x.Instances[subscription.ProcessInstanceKey];
        if (!x.IsSubscriptionOpen(instance, subscription.OwnerElementInstanceKey, subscription.CatchElementId))
        {
            // Closed in this command before its turn came (another event of the same event-based gateway won, its
            // scope was interrupted): a buffered message taken now would be used up without effect.
            return;
        }
        var tenant = instance.Row.TenantId;
        await LockCorrelationAsync(connection, transaction, tenant, subscription.MessageName, subscription.CorrelationKey, cancellationToken);
        var candidates = await MessageStore.BufferedForAsync(connection, transaction, tenant, subscription.MessageName, subscription.CorrelationKey, subscription.BpmnProcessId,
            x.Now, cancellationToken);
        foreach (var (key, variablesText) in candidates)
        {
            if (!correlatedInCommand.Add((key, subscription.BpmnProcessId)))
            {
                continue;
            }
            x.Changes.MessageCorrelations.Add((key, subscription.BpmnProcessId));
            x.History(instance, instance.Find(subscription.OwnerElementInstanceKey), HistoryEvents.MessageCorrelated, new JsonObject
            {
                ["messageKey"] = key,
                ["name"] = subscription.MessageName,
                ["correlationKey"] = subscription.CorrelationKey,
                ["elementId"] = subscription.CatchElementId,
                ["buffered"] = true,
            });
            // The subscription opened in this command (it may never be written: its element leaves at once).
            if (x.Changes.NewMessageSubscriptions.FirstOrDefault(s => s.ElementInstanceKey == subscription.OwnerElementInstanceKey && s.ElementId == subscription.CatchElementId)
                is { } opened)
            {
                x.Changes.Correlations.Add(new SubscriptionCorrelation(opened.Key, key, subscription.MessageName, subscription.CorrelationKey, instance.Key,
                    opened.ElementInstanceKey, opened.ElementId, subscription.BpmnProcessId, x.Now));
            }
            var variables = JsonNode.Parse(variablesText)?.AsObject() ?? [];
            x.Enqueue(() => x.Trigger(instance, subscription.OwnerElementInstanceKey, subscription.CatchElementId, variables));
            return;
        }
    }

    private async Task BroadcastAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, JsonObject variables,
        CancellationToken cancellationToken)
    {
        var subscriptions = await SubscriptionStore.SignalSubscriptionsAsync(connection, transaction, tenant, name, cancellationToken);
        // Subscriptions this command opened itself (not written yet) hear the signal too, when they are of its tenant.
        subscriptions.AddRange(x.Changes.NewSignalSubscriptions
            .Where(s => s.SignalName == name && x.Instances.TryGetValue(s.ProcessInstanceKey, out var owner) && owner.Row.TenantId == tenant)
            .Select(s => (s.ProcessInstanceKey, s.ElementInstanceKey, s.ElementId)));
        foreach (var subscription in subscriptions)
        {
            if (await LoadAsync(x, connection, transaction, subscription.ProcessInstanceKey, cancellationToken) is not { } instance)
            {
                continue;
            }
            x.History(instance, instance.Find(subscription.ElementInstanceKey), HistoryEvents.SignalReceived, new JsonObject { ["name"] = name, ["elementId"] = subscription.ElementId });
            x.Enqueue(() => x.Trigger(instance, subscription.ElementInstanceKey, subscription.ElementId, variables));
        }
        var starts = await SubscriptionStore.StartEventsAsync(connection, transaction, tenant, "SIGNAL", name, cancellationToken);
        foreach (var start in starts)
        {
            // A suspended version starts nothing; a signal is not buffered, so it is simply not heard there.
            if (await _store.DefinitionAsync(start.ProcessDefinitionKey, cancellationToken) is { } definition &&
                !await Deployment.VersionSuspension.IsSuspendedAsync(connection, transaction, definition.Key, cancellationToken))
            {
                NewInstance(x, definition, variables, businessKey: null, startElementId: start.ElementId);
            }
        }
    }
}
