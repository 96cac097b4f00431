using Dapper;
using Npgsql;

namespace Processes.Engine.Telemetry;

/// <summary>
/// The gauges of <see cref="EngineTelemetry"/> that only the database knows (open incidents, the job queue, late
/// timers, overdue tasks): counted by one cheap statement when the host's sampler asks, and published for the
/// meter's observable gauges to read. Counting on a schedule rather than inside a collection callback keeps a
/// scrape from waiting on the database.
/// </summary>
public sealed class OperationsGauges(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QuerySingleAsync<(long Incidents, long Jobs, long Timers, long Tasks)>(new CommandDefinition("""
            SELECT (SELECT count(*) FROM incident WHERE state = 'ACTIVE'),
                   (SELECT count(*) FROM job WHERE state = 'ACTIVATABLE' AND due_at <= @now),
                   (SELECT count(*) FROM timer WHERE due_at <= @now),
                   (SELECT count(*) FROM user_task WHERE state = 'CREATED' AND due_date < @now)
            """, new { now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
        EngineTelemetry.Publish(new OperationsSnapshot(counts.Incidents, counts.Jobs, counts.Timers, counts.Tasks));
    }
}
