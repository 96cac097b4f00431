using System.Globalization;
using Dapper;
using Npgsql;

namespace Processes.Engine.Retention;

/// <summary>
/// The monthly partitions of <c>execution_history</c> (migration 0090): creates the months ahead, and drops a month
/// once every instance with rows in it may be purged. A month that still holds a live or recent instance's rows stays;
/// the row purge deletes its purgeable instances' rows as before. Every step is one transaction under one advisory
/// lock, so any number of hosts may run it: the second one skips the step.
/// </summary>
internal sealed class HistoryPartitions(NpgsqlDataSource dataSource)
{
    private const string Prefix = "execution_history_y";

    // Dropping a partition takes an exclusive lock on execution_history: never queue behind a long read for longer
    // than this (every insert would queue behind the drop); the next round tries again.
    private const string LockTimeout = "2s";

    /// <summary>Makes sure the months from <paramref name="now"/>'s to <paramref name="monthsAhead"/> later exist; answers how many were created.</summary>
    public async Task<int> EnsureAheadAsync(DateTimeOffset now, int monthsAhead, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TryLockAsync(connection, transaction, cancellationToken))
        {
            return 0;
        }
        var months = Enumerable.Range(0, monthsAhead + 1).Select(n => MonthOf(now).AddMonths(n)).ToArray();
        var existing = (await NamesAsync(connection, transaction, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var missing = months.Where(m => !existing.Contains(NameOf(m))).ToArray();
        foreach (var month in missing)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT execution_history_partition(@month)", new { month = month.UtcDateTime },
                transaction, cancellationToken: cancellationToken));
        }
        // Durability point: the new months (and any rows moved out of the default partition) commit together.
        await transaction.CommitAsync(cancellationToken);
        return missing.Length;
    }

    /// <summary>
    /// Drops each month that ended before <paramref name="endedBefore"/> in which no instance has rows that is not
    /// purgeable (a root that ended before the cut-off, and the instance itself not active). Answers the dropped names.
    /// </summary>
    public async Task<IReadOnlyList<string>> DropEndedAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        var cutoff = endedBefore.ToUniversalTime();
        List<string> candidates;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            candidates = [.. (await NamesAsync(connection, null, cancellationToken)).Where(n => UpperBound(n) <= cutoff).Order(StringComparer.Ordinal)];
        }
        var dropped = new List<string>();
        foreach (var name in candidates)
        {
            if (await TryDropAsync(name, cutoff, cancellationToken))
            {
                dropped.Add(name);
            }
        }
        return dropped;
    }

    private async Task<bool> TryDropAsync(string name, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TryLockAsync(connection, transaction, cancellationToken))
        {
            return false;
        }
        await connection.ExecuteAsync(new CommandDefinition($"SET LOCAL lock_timeout = '{LockTimeout}'", transaction: transaction, cancellationToken: cancellationToken));
        try
        {
            // The month's own lock first: nothing can add a row to it between the check and the drop.
            await connection.ExecuteAsync(new CommandDefinition($"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE", transaction: transaction, cancellationToken: cancellationToken));
            // Only an instance started before the month's end (a day's grace for a host's clock) can have rows in it;
            // each such instance that must stay is one index probe into the month.
            var blocked = await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"""
                SELECT EXISTS (
                    SELECT 1 FROM process_instance i
                    LEFT JOIN process_instance r ON r.key = i.root_process_instance_key
                    WHERE i.started_at < @upper + interval '1 day'
                      AND NOT (i.state <> 'ACTIVE' AND r.state IS NOT NULL AND r.state <> 'ACTIVE' AND r.ended_at < @cutoff)
                      AND EXISTS (SELECT 1 FROM {name} h WHERE h.process_instance_key = i.key))
                """, new { upper = UpperBound(name).UtcDateTime, cutoff = cutoff.UtcDateTime }, transaction, cancellationToken: cancellationToken));
            if (blocked)
            {
                return false;
            }
            await connection.ExecuteAsync(new CommandDefinition($"DROP TABLE {name}", transaction: transaction, cancellationToken: cancellationToken));
            // Durability point: the month is gone as a whole, or (crash or lock timeout before) still there for the next round.
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        // Lock timeout: a reader holds the month, the next round tries again. Undefined table: another host listed the
        // same month and dropped it between our listing and our lock; it is gone either way.
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_xact_lock(hashtextextended('history-partitions', 0))",
            transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>The monthly partitions by name (the default partition is not one of them).</summary>
    private static async Task<IEnumerable<string>> NamesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'execution_history'::regclass
            """, transaction: transaction, cancellationToken: cancellationToken))).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.Length == Prefix.Length + 7);

    internal static DateTimeOffset MonthOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    internal static string NameOf(DateTimeOffset month) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{month.Year:D4}m{month.Month:D2}");

    /// <summary>The first instant after the month a partition holds (execution_history_y2026m11 → 1 Dec 2026).</summary>
    internal static DateTimeOffset UpperBound(string name) => new DateTimeOffset(
        int.Parse(name.AsSpan(Prefix.Length, 4), CultureInfo.InvariantCulture), int.Parse(name.AsSpan(Prefix.Length + 5, 2), CultureInfo.InvariantCulture),
        1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
}
