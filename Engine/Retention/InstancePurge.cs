using Dapper;
using Npgsql;

namespace Processes.Engine.Retention;

/// <summary>
/// Removes process instances that ended before a cut-off, with their variables, history, tasks, incidents and
/// comments. Live instances are never touched: the candidates come from the index on <c>ended_at</c>, and every
/// delete is by the purged instances' keys. Works in batches, each its own transaction, so a large backlog never
/// holds long locks.
/// </summary>
public sealed class InstancePurge
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly HistoryPartitions _partitions;

    internal InstancePurge(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _partitions = new HistoryPartitions(dataSource);
    }

    /// <summary>Months of history created ahead of the current one: a duty that stops for less than this loses nothing to the default partition.</summary>
    public const int HistoryMonthsAhead = 2;

    /// <summary>Creates the history's monthly partitions from <paramref name="now"/>'s month to <see cref="HistoryMonthsAhead"/> ahead; returns how many were missing.</summary>
    public Task<int> EnsureHistoryPartitionsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _partitions.EnsureAheadAsync(now, HistoryMonthsAhead, cancellationToken);

    /// <summary>
    /// Drops the history months that ended before <paramref name="endedBefore"/> and hold rows of purgeable instances only
    /// (run before <see cref="PurgeBatchAsync"/>, which then finds those rows gone); returns the dropped partitions.
    /// </summary>
    public Task<IReadOnlyList<string>> DropHistoryPartitionsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken) =>
        _partitions.DropEndedAsync(endedBefore, cancellationToken);

    /// <summary>Purges up to <paramref name="batchSize"/> ended instances older than <paramref name="endedBefore"/>; returns how many.</summary>
    public async Task<int> PurgeBatchAsync(DateTimeOffset endedBefore, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A called child is purged with its root, never before it: the root's view still shows it.
        var keys = (await connection.QueryAsync<long>(new CommandDefinition("""
            SELECT key FROM process_instance
            WHERE ended_at IS NOT NULL AND ended_at < @endedBefore AND state <> 'ACTIVE' AND parent_process_instance_key IS NULL
            ORDER BY ended_at LIMIT @batchSize
            FOR UPDATE SKIP LOCKED
            """, new { endedBefore = endedBefore.ToUniversalTime(), batchSize }, transaction, cancellationToken: cancellationToken))).ToArray();
        if (keys.Length == 0)
        {
            return 0;
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            CREATE TEMP TABLE purged ON COMMIT DROP AS
                SELECT key FROM process_instance WHERE root_process_instance_key = ANY(@keys) AND state <> 'ACTIVE';
            DELETE FROM task_comment WHERE user_task_key IN (SELECT t.key FROM user_task t JOIN purged p ON t.process_instance_key = p.key);
            DELETE FROM task_comment WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM user_task WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM incident WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM job_closed WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM message_subscription_closed WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM message_correlated WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM decision_instance WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM sla_pause WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM variable WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM execution_history WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM element_instance WHERE process_instance_key IN (SELECT key FROM purged);
            DELETE FROM process_instance WHERE key IN (SELECT key FROM purged);
            """, new { keys }, transaction, cancellationToken: cancellationToken));
        // Durability point: the batch is gone as a whole, or (crash before) still there for the next run.
        await transaction.CommitAsync(cancellationToken);
        return keys.Length;
    }

    /// <summary>
    /// Purges up to <paramref name="batchSize"/> batch operations that ended (completed, partly completed, cancelled)
    /// before <paramref name="endedBefore"/>, with their items; returns how many batches.
    /// </summary>
    public Task<int> PurgeBatchOperationsAsync(DateTimeOffset endedBefore, int batchSize, CancellationToken cancellationToken) =>
        Storage.BatchOperationStore.PurgeEndedAsync(_dataSource, endedBefore, batchSize, cancellationToken);

    /// <summary>Expired buffered messages are kept no longer than their time to live.</summary>
    public async Task<int> PurgeExpiredMessagesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await Storage.MessageStore.DeleteExpiredAsync(connection, now, cancellationToken);
    }
}
