using Dapper;
using Npgsql;

namespace Processes.Engine.Jobs;

/// <summary>
/// Back-off overrides per job type stored in <c>job_type_backoff</c>: set by operators at run time, they win over
/// the host's configuration. Executors re-read them every lease-recovery interval (10 s by default).
/// </summary>
internal static class JobTypeBackOffs
{
    public static async Task<IReadOnlyDictionary<string, RetryBackOff>> LoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Type, long BaseMs, long MaxMs, double Jitter)>(new CommandDefinition(
            "SELECT type, base_ms, max_ms, jitter FROM job_type_backoff", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Type, r => new RetryBackOff(TimeSpan.FromMilliseconds(r.BaseMs), TimeSpan.FromMilliseconds(r.MaxMs), r.Jitter),
            StringComparer.Ordinal);
    }

    /// <summary>Sets (or, with null, removes) the override of a type.</summary>
    public static async Task<Execution.CommandResult<bool>> SetAsync(NpgsqlDataSource dataSource, string type, RetryBackOff? backOff,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return Execution.CommandResult<bool>.Fail(Execution.CommandError.InvalidArgument, "type must not be empty.");
        }
        if (backOff is not null && (backOff.Base < TimeSpan.Zero || backOff.Max < backOff.Base || backOff.Jitter is < 0 or > 1))
        {
            return Execution.CommandResult<bool>.Fail(Execution.CommandError.InvalidArgument,
                "The back-off needs 0 <= base <= max and a jitter between 0 and 1.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the override is committed; each executor picks it up at its next refresh.
        await connection.ExecuteAsync(new CommandDefinition(backOff is null
            ? "DELETE FROM job_type_backoff WHERE type = @type"
            : """
              INSERT INTO job_type_backoff (type, base_ms, max_ms, jitter) VALUES (@type, @baseMs, @maxMs, @jitter)
              ON CONFLICT (type) DO UPDATE SET base_ms = excluded.base_ms, max_ms = excluded.max_ms, jitter = excluded.jitter
              """,
            new { type, baseMs = (long)(backOff?.Base.TotalMilliseconds ?? 0), maxMs = (long)(backOff?.Max.TotalMilliseconds ?? 0), jitter = backOff?.Jitter ?? 0 },
            cancellationToken: cancellationToken));
        return Execution.CommandResult<bool>.Success(true);
    }
}
