using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// Buffered messages (<c>message</c>, <c>message_correlation</c>): the reads of the message commands (in their
/// transactions), the lock that makes a message and a subscription racing each other meet, and the time to live.
/// New messages and correlations are written with the command's other changes (<see cref="RowInserts"/>).
/// </summary>
internal static class MessageStore
{
    /// <summary>Deletes the messages whose time to live has passed at <paramref name="now"/>, with their correlation records.</summary>
    public static Task<int> DeleteExpiredAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        // Durability point: expired messages are gone; their correlation records go with them.
        connection.ExecuteAsync(new CommandDefinition("""
            WITH expired AS (DELETE FROM message WHERE expires_at <= @now RETURNING key)
            DELETE FROM message_correlation WHERE message_key IN (SELECT key FROM expired)
            """, new { now = now.ToUniversalTime() }, cancellationToken: cancellationToken));

    // The separator is the unit separator (chr(31)): PostgreSQL text cannot hold chr(0), which failed every lock.
    /// <summary>Serialises publishing and subscribing per (tenant, name, correlation key) until the transaction ends.</summary>
    public static Task LockCorrelationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, string correlationKey,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@tenant || chr(31) || @name || chr(31) || @correlationKey, 7))",
            new { tenant, name, correlationKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Whether a message with this id is still buffered (not expired at <paramref name="now"/>).</summary>
    public static Task<bool> IsBufferedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, string correlationKey, string messageId,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM message WHERE tenant_id = @tenant AND name = @name AND correlation_key = @correlationKey AND message_id = @messageId
                AND expires_at > @now)
            """, new { tenant, name, correlationKey, messageId, now }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Deletes an expired message holding this id (it stays until purged), with its correlation records: the id is
    /// free again, as in Zeebe, instead of failing the new message's insert on the unique index.
    /// </summary>
    public static Task DeleteExpiredWithIdAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name, string correlationKey, string messageId,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            WITH expired AS (
                DELETE FROM message WHERE tenant_id = @tenant AND name = @name AND correlation_key = @correlationKey AND message_id = @messageId
                    AND expires_at <= @now
                RETURNING key)
            DELETE FROM message_correlation WHERE message_key IN (SELECT key FROM expired)
            """, new { tenant, name, correlationKey, messageId, now }, transaction, cancellationToken: cancellationToken));

    /// <summary>The oldest live buffered messages (at most 10) for a subscription of <paramref name="bpmnProcessId"/> that it has not correlated yet.</summary>
    public static async Task<IReadOnlyList<(long Key, string Variables)>> BufferedForAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string tenant, string name, string correlationKey, string bpmnProcessId, DateTimeOffset now, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, string)>(new CommandDefinition("""
            SELECT m.key, m.variables::text FROM message m
            WHERE m.tenant_id = @tenant AND m.name = @name AND m.correlation_key = @correlationKey AND m.expires_at > @now
              AND NOT EXISTS (SELECT 1 FROM message_correlation c WHERE c.message_key = m.key AND c.bpmn_process_id = @bpmnProcessId)
            ORDER BY m.published_at, m.key
            LIMIT 10
            """, new { tenant, name, correlationKey, bpmnProcessId, now }, transaction, cancellationToken: cancellationToken))];

    /// <summary>
    /// The oldest live buffered messages (at most 10) with <paramref name="correlationKey"/> for a message start event
    /// of <paramref name="bpmnProcessId"/> that the process has not correlated yet, with the start event they start.
    /// </summary>
    public static async Task<IReadOnlyList<(long Key, string Name, string Variables, long ProcessDefinitionKey, string ElementId)>> BufferedForStartAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, string correlationKey, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, string, string, long, string)>(new CommandDefinition("""
            SELECT m.key, m.name, m.variables::text, s.process_definition_key, s.element_id
            FROM message m JOIN start_event_subscription s
              ON s.tenant_id = m.tenant_id AND s.event_kind = 'MESSAGE' AND s.event_name = m.name AND s.bpmn_process_id = @bpmnProcessId
            WHERE m.tenant_id = @tenant AND m.correlation_key = @correlationKey AND m.expires_at > @now
              AND NOT EXISTS (SELECT 1 FROM message_correlation c WHERE c.message_key = m.key AND c.bpmn_process_id = @bpmnProcessId)
            ORDER BY m.published_at, m.key
            LIMIT 10
            """, new { tenant, bpmnProcessId, correlationKey, now }, transaction, cancellationToken: cancellationToken))];
}
