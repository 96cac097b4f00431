using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>One pause of a case's SLA: why, by whom, and (once resumed) how long, in wall-clock and working time.</summary>
public sealed record SlaPauseEntry(string Reason, DateTimeOffset PausedAt, string PausedBy, DateTimeOffset? ResumedAt, string? ResumedBy,
    TimeSpan? PausedWorkingTime);

/// <summary>A case's SLA clock: paused or running, and the ledger of its pauses with their totals (closed pauses).</summary>
public sealed record SlaClockView(long ProcessInstanceKey, bool Paused, IReadOnlyList<SlaPauseEntry> Pauses, TimeSpan PausedTotal, TimeSpan PausedWorkingTotal);

/// <summary>The SLA clock of a case as the caller may see it (the instance's visibility: not visible is null, a 404).</summary>
public sealed class SlaClockQueries(NpgsqlDataSource dataSource)
{
    public async Task<SlaClockView?> ClockAsync(Caller caller, long processInstanceKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var parameters = new DynamicParameters(new { processInstanceKey });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        var root = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            $"SELECT i.root_process_instance_key FROM process_instance i WHERE i.key = @processInstanceKey AND {visible}", parameters,
            cancellationToken: cancellationToken));
        if (root is null)
        {
            return null;
        }
        var rows = await connection.QueryAsync<(string Reason, DateTime PausedAt, string PausedBy, DateTime? ResumedAt, string? ResumedBy, long? WorkingSeconds)>(
            new CommandDefinition("""
                SELECT reason, paused_at, paused_by, resumed_at, resumed_by, working_seconds FROM sla_pause
                WHERE process_instance_key = @root ORDER BY paused_at, id
                """, new { root }, cancellationToken: cancellationToken));
        var pauses = rows.Select(r => new SlaPauseEntry(r.Reason, Utc(r.PausedAt), r.PausedBy, r.ResumedAt is { } at ? Utc(at) : null, r.ResumedBy,
            r.WorkingSeconds is { } s ? TimeSpan.FromSeconds(s) : null)).ToList();
        var closed = pauses.Where(p => p.ResumedAt is not null).ToList();
        return new SlaClockView(root.Value, pauses.Any(p => p.ResumedAt is null), pauses,
            TimeSpan.FromTicks(closed.Sum(p => (p.ResumedAt!.Value - p.PausedAt).Ticks)),
            TimeSpan.FromTicks(closed.Sum(p => p.PausedWorkingTime!.Value.Ticks)));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
