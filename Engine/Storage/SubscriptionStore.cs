using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// What waits for an event: <c>message_subscription</c> and <c>signal_subscription</c> (opened and closed with the
/// command's other changes, <see cref="RowInserts"/>), <c>start_event_subscription</c> (a process's message and
/// signal start events, kept on its latest version) and <c>message_start_key</c> (the correlation keys held by
/// instances a message started). Reads run in the caller's command transaction.
/// </summary>
internal static class SubscriptionStore
{
    /// <summary>The oldest waiting subscription of each BPMN process id for a message.</summary>
    public static async Task<IReadOnlyList<(long ProcessInstanceKey, long ElementInstanceKey, string ElementId, string BpmnProcessId, long Key)>> OldestPerProcessAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, string correlationKey, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, long, string, string, long)>(new CommandDefinition("""
            SELECT DISTINCT ON (bpmn_process_id) process_instance_key, element_instance_key, element_id, bpmn_process_id, key
            FROM message_subscription WHERE tenant_id = @tenant AND message_name = @name AND correlation_key = @correlationKey
            ORDER BY bpmn_process_id, created_at, key
            """, new { tenant, name, correlationKey }, transaction, cancellationToken: cancellationToken))];

    /// <summary>Every element waiting for a signal, oldest first.</summary>
    public static async Task<List<(long ProcessInstanceKey, long ElementInstanceKey, string ElementId)>> SignalSubscriptionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, long, string)>(new CommandDefinition("""
            SELECT process_instance_key, element_instance_key, element_id FROM signal_subscription WHERE tenant_id = @tenant AND signal_name = @name ORDER BY key
            """, new { tenant, name }, transaction, cancellationToken: cancellationToken))];

    /// <summary>The start events of kind <paramref name="kind"/> (MESSAGE, SIGNAL) listening for <paramref name="name"/>.</summary>
    public static async Task<IReadOnlyList<(string BpmnProcessId, long ProcessDefinitionKey, string ElementId)>> StartEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string kind, string name, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(string, long, string)>(new CommandDefinition("""
            SELECT bpmn_process_id, process_definition_key, element_id FROM start_event_subscription
            WHERE tenant_id = @tenant AND event_kind = @kind AND event_name = @name
            """, new { tenant, kind, name }, transaction, cancellationToken: cancellationToken))];

    /// <summary>Whether an active instance of the process holds the correlation key a message started it with.</summary>
    public static Task<bool> IsStartKeyHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, string correlationKey,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM message_start_key WHERE tenant_id = @tenant AND bpmn_process_id = @bpmnProcessId AND correlation_key = @correlationKey)",
            new { tenant, bpmnProcessId, correlationKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Frees the correlation keys the ended instances held; answers which (process, key) pairs are free now.</summary>
    public static async Task<IReadOnlyList<(string BpmnProcessId, string CorrelationKey, string TenantId)>> ReleaseStartKeysAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, IReadOnlyCollection<long> endedInstances, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
            "DELETE FROM message_start_key WHERE process_instance_key = ANY(@keys) RETURNING bpmn_process_id, correlation_key, tenant_id",
            new { keys = endedInstances.ToArray() }, transaction, cancellationToken: cancellationToken))];

    /// <summary>
    /// Serialises the start-event sync of one process until the transaction ends, and drops the start events (and
    /// start timers) of its other versions: they move to <paramref name="latestDefinitionKey"/>.
    /// </summary>
    public static async Task MoveToVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, long latestDefinitionKey,
        CancellationToken cancellationToken)
    {
        var ids = new { id = bpmnProcessId, key = latestDefinitionKey, tenant };
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('start:' || @tenant || chr(31) || @id, 7))", ids, transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM start_event_subscription WHERE tenant_id = @tenant AND bpmn_process_id = @id AND process_definition_key <> @key",
            ids, transaction, cancellationToken: cancellationToken));
        await TimerStore.DeleteStartTimersOfOtherVersionsAsync(connection, transaction, tenant, bpmnProcessId, latestDefinitionKey, cancellationToken);
    }

    /// <summary>Records (or moves here) a message or signal start event of a process version.</summary>
    public static Task UpsertStartEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, long processDefinitionKey,
        string elementId, string kind, string name, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO start_event_subscription (bpmn_process_id, process_definition_key, element_id, event_kind, event_name, tenant_id)
            VALUES (@bpmnProcessId, @processDefinitionKey, @elementId, @kind, @name, @tenant)
            ON CONFLICT (tenant_id, bpmn_process_id, element_id) DO UPDATE
              SET process_definition_key = excluded.process_definition_key, event_kind = excluded.event_kind, event_name = excluded.event_name
            """, new { bpmnProcessId, processDefinitionKey, elementId, kind, name, tenant }, transaction, cancellationToken: cancellationToken));
}
