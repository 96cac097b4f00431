using System.Globalization;
using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The <c>timer</c> table outside the commands' batches: claims for the schedulers, the operator's "fire now".
/// Commands insert, reschedule and delete timers through <see cref="ChangeWriter"/>.
/// </summary>
internal static class TimerStore
{
    /// <summary>
    /// Claims up to <paramref name="batch"/> due timers for <paramref name="node"/> (SKIP LOCKED: nodes never claim
    /// the same timer); an expired claim of a dead or slow node is taken over.
    /// </summary>
    public static async Task<long[]> ClaimDueAsync(NpgsqlConnection connection, string node, DateTimeOffset now, TimeSpan claimTimeout, int batch,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<long>(new CommandDefinition("""
            UPDATE timer SET claimed_by = @node, claim_expires = @expires
            WHERE key IN (
                SELECT key FROM timer
                WHERE due_at <= @now AND (claimed_by IS NULL OR claim_expires < @now)
                ORDER BY due_at, key
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            RETURNING key
            """, new { node, expires = now + claimTimeout, now, batch }, cancellationToken: cancellationToken))];

    /// <summary>The due time of the nearest unclaimed timer, if any.</summary>
    public static async Task<DateTimeOffset?> NextDueAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var next = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT due_at FROM timer WHERE claimed_by IS NULL ORDER BY due_at LIMIT 1", cancellationToken: cancellationToken));
        return next is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
    }

    /// <summary>Frees the claims of nodes (on shutdown, or dead ones): their unfired timers are at once free for the others.</summary>
    public static Task<int> ReleaseClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> nodes,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE timer SET claimed_by = NULL, claim_expires = NULL WHERE claimed_by = ANY(@nodes)",
            new { nodes = nodes.ToArray() }, transaction, cancellationToken: cancellationToken));

    /// <summary>Makes a timer due now, unclaimed, and wakes every scheduler; false when it does not exist.</summary>
    public static async Task<bool> MakeDueAsync(NpgsqlConnection connection, long timerKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE timer SET due_at = @now, claimed_by = NULL, claim_expires = NULL WHERE key = @timerKey",
            new { timerKey, now }, cancellationToken: cancellationToken));
        if (updated != 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('processes_timers', @due)",
                new { due = now.ToString("O", CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken));
        }
        return updated != 0;
    }
}
