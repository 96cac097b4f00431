using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>A batch to write: its items are (item key, process instance key) pairs chosen when it was created.</summary>
internal sealed record NewBatch(long Key, string OperationType, string CreatedBy, string Caller, string[]? Tenants, string? Plan, DateTimeOffset At,
    IReadOnlyList<(long ItemKey, long ProcessInstanceKey)> Items);

/// <summary>A batch the runner works on: its type, its creator (as JSON) and its plan.</summary>
internal sealed record OpenBatch(long Key, string OperationType, string Caller, string? Plan);

/// <summary>
/// The batch operation tables: a batch with its items written at once; items turned COMPLETED or FAILED one at a time
/// (COMPLETED inside the item's own command transaction); the batch's state changed by its owner's requests.
/// </summary>
internal static class BatchOperationStore
{
    /// <summary>Notified (with the batch's key) when a batch becomes ACTIVE: created or resumed.</summary>
    public const string Channel = "processes_batches";

    public static async Task InsertAsync(NpgsqlDataSource dataSource, NewBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A batch with nothing to do is done at once, as Camunda's is.
        var state = batch.Items.Count == 0 ? "COMPLETED" : "ACTIVE";
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO batch_operation (key, operation_type, state, created_by, caller, tenants, plan, started_at, ended_at)
            VALUES (@Key, @OperationType, @state, @CreatedBy, @Caller::jsonb, @Tenants, @Plan::jsonb, @At, CASE WHEN @state = 'COMPLETED' THEN @At END)
            """, new { batch.Key, batch.OperationType, state, batch.CreatedBy, batch.Caller, batch.Tenants, batch.Plan, batch.At }, transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO batch_operation_item (batch_operation_key, item_key, process_instance_key, state)
            SELECT @key, i.item, i.instance, 'ACTIVE' FROM unnest(@items, @instances) AS i(item, instance)
            ON CONFLICT DO NOTHING
            """, new { key = batch.Key, items = batch.Items.Select(i => i.ItemKey).ToArray(), instances = batch.Items.Select(i => i.ProcessInstanceKey).ToArray() },
            transaction, cancellationToken: cancellationToken));
        if (state == "ACTIVE")
        {
            await NotifyAsync(connection, transaction, batch.Key, cancellationToken);
        }
        // Durability point: the batch, its items and the wake-up of every node's runner commit together.
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Sent on commit only (a rolled-back batch wakes nobody).</summary>
    private static Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition($"SELECT pg_notify('{Channel}', @key::text)", new { key }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Moves a batch from one of <paramref name="from"/> to <paramref name="to"/>; cancelling also cancels its open items.
    /// Answers the state it was in, or null when it does not exist.
    /// </summary>
    public static async Task<string?> ChangeStateAsync(NpgsqlDataSource dataSource, long key, string[] from, string to, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT state FROM batch_operation WHERE key = @key FOR UPDATE", new { key }, transaction, cancellationToken: cancellationToken));
        if (current is null || !from.Contains(current, StringComparer.Ordinal))
        {
            return current;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE batch_operation SET state = @to, ended_at = CASE WHEN @to = 'CANCELED' THEN @at ELSE ended_at END WHERE key = @key",
            new { key, to, at }, transaction, cancellationToken: cancellationToken));
        if (to == "CANCELED")
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE batch_operation_item SET state = 'CANCELED', processed_at = @at WHERE batch_operation_key = @key AND state = 'ACTIVE'",
                new { key, at }, transaction, cancellationToken: cancellationToken));
        }
        if (to == "ACTIVE")
        {
            await NotifyAsync(connection, transaction, key, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return current;
    }

    public static async Task<IReadOnlyList<OpenBatch>> ActiveAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<OpenBatch>(new CommandDefinition(
            "SELECT key AS Key, operation_type AS OperationType, caller::text AS Caller, plan::text AS Plan FROM batch_operation WHERE state = 'ACTIVE' ORDER BY key",
            cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// Holds the batch for this node on <paramref name="connection"/> (a session lock: it goes with the connection, so a
    /// node that dies lets another take the batch over). False when another node holds it.
    /// </summary>
    public static Task<bool> TryHoldAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(hashtextextended('batch_operation:' || @key::text, 0))",
            new { key }, cancellationToken: cancellationToken));

    public static Task LetGoAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(hashtextextended('batch_operation:' || @key::text, 0))",
            new { key }, cancellationToken: cancellationToken));

    /// <summary>The next open items of an active batch (none once it is suspended or cancelled).</summary>
    public static async Task<IReadOnlyList<(long ItemKey, long ProcessInstanceKey)>> NextItemsAsync(NpgsqlConnection connection, long key, int limit,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, long)>(new CommandDefinition("""
            SELECT t.item_key, t.process_instance_key FROM batch_operation_item t JOIN batch_operation b ON b.key = t.batch_operation_key
            WHERE t.batch_operation_key = @key AND t.state = 'ACTIVE' AND b.state = 'ACTIVE' ORDER BY t.item_key LIMIT @limit
            """, new { key, limit }, cancellationToken: cancellationToken))];

    /// <summary>
    /// Ends an open item (in the transaction of the command that did its work, or on its own when the command was
    /// refused). False when the item is no longer open: the batch was cancelled meanwhile.
    /// </summary>
    public static async Task<bool> EndItemAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long key, long itemKey, string? error,
        DateTimeOffset at, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batch_operation_item SET state = CASE WHEN @error IS NULL THEN 'COMPLETED' ELSE 'FAILED' END, error_message = @error, processed_at = @at
            WHERE batch_operation_key = @key AND item_key = @itemKey AND state = 'ACTIVE'
            """, new { key, itemKey, error, at }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>
    /// Deletes up to <paramref name="limit"/> batches that ended before <paramref name="endedBefore"/>, their items with
    /// them (the foreign key cascades); an active or suspended batch is never touched. Answers how many.
    /// </summary>
    public static async Task<int> PurgeEndedAsync(NpgsqlDataSource dataSource, DateTimeOffset endedBefore, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM batch_operation WHERE key IN (
                SELECT key FROM batch_operation
                WHERE ended_at < @endedBefore AND state IN ('COMPLETED', 'PARTIALLY_COMPLETED', 'CANCELED', 'FAILED')
                ORDER BY ended_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            """, new { endedBefore = endedBefore.ToUniversalTime(), limit }, cancellationToken: cancellationToken));
    }

    /// <summary>Ends an active batch with no open item left: COMPLETED, or PARTIALLY_COMPLETED when an item failed.</summary>
    public static Task FinishIfDoneAsync(NpgsqlConnection connection, long key, DateTimeOffset at, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE batch_operation b SET ended_at = @at,
                state = CASE WHEN EXISTS (SELECT 1 FROM batch_operation_item t WHERE t.batch_operation_key = b.key AND t.state = 'FAILED')
                             THEN 'PARTIALLY_COMPLETED' ELSE 'COMPLETED' END
            WHERE b.key = @key AND b.state = 'ACTIVE'
              AND NOT EXISTS (SELECT 1 FROM batch_operation_item t WHERE t.batch_operation_key = b.key AND t.state = 'ACTIVE')
            """, new { key, at }, cancellationToken: cancellationToken));
}
