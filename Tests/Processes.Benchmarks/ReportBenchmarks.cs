using System.Diagnostics;
using Dapper;
using Processes.Engine.Reports;
using Processes.Engine.Visibility;

namespace Processes.Benchmarks;

/// <summary>
/// The supervisors' reports over a history of 1 M rows (50 000 tasks of 20 history rows each: the task's own
/// events and the element events around it), as an admin (everything) and as a supervisor of one group of twenty.
/// The bar: a report answers in at most a second. Seeded by SQL, so only the reports are timed.
/// </summary>
internal sealed class ReportBenchmarks : IBenchmarkSuite
{
    private const int Tasks = 50_000;

    public string Name => "reports";

    public string Description => "SLA, durations, workload and hand-over reports over 1 M history rows, admin and supervisor";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var seeding = Stopwatch.StartNew();
        await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO process_instance (key, process_definition_key, bpmn_process_id, process_version, state, root_process_instance_key, started_at, ended_at)
                SELECT 1000000 + i, 1, 'bench', 1, 'COMPLETED', 1000000 + i, @start + i * interval '50 seconds', @start + i * interval '50 seconds' + interval '5 hours'
                FROM generate_series(1, @Tasks) i;
                INSERT INTO user_task (key, process_instance_key, element_instance_key, element_id, name, bpmn_process_id, process_definition_key, state, assignee,
                                       candidate_groups, due_date, created_at, completed_at)
                SELECT 5000000 + i, 1000000 + i, 9000000 + i, 'work', 'Work', 'bench', 1, CASE WHEN i % 10 = 0 THEN 'CREATED' ELSE 'COMPLETED' END,
                       'agent' || (i % 50), ARRAY['g' || (i % 20)], @start + i * interval '50 seconds' + interval '4 hours', @start + i * interval '50 seconds',
                       CASE WHEN i % 10 = 0 THEN NULL ELSE @start + i * interval '50 seconds' + (i % 480) * interval '1 minute' END
                FROM generate_series(1, @Tasks) i;
                INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
                SELECT t.process_instance_key, t.element_instance_key, 'work', 'userTask', e.event,
                       jsonb_build_object('userTaskKey', t.key, 'assignee', CASE WHEN e.event = 'TASK_CREATED' THEN NULL ELSE t.assignee END,
                                          'previousAssignee', NULL, 'name', 'ticketOutcome', 'value', 'resolved'),
                       t.created_at + e.n * interval '1 minute'
                FROM user_task t CROSS JOIN (VALUES ('TASK_CREATED', 0), ('TASK_ASSIGNED', 5), ('TASK_SLA_WARNING', 180)) AS e(event, n);
                INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
                SELECT t.process_instance_key, t.element_instance_key, 'work', 'userTask', 'TASK_COMPLETED', jsonb_build_object('userTaskKey', t.key), t.completed_at
                FROM user_task t WHERE t.state = 'COMPLETED';
                INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
                SELECT t.process_instance_key, t.element_instance_key + n, 'step' || (n % 6), 'serviceTask',
                       CASE WHEN n % 2 = 0 THEN 'ELEMENT_ACTIVATED' ELSE 'ELEMENT_COMPLETED' END, NULL, t.created_at + n * interval '1 second'
                FROM user_task t CROSS JOIN generate_series(1, 16) n;
                ANALYZE;
                """, new { start = start.UtcDateTime, Tasks }, commandTimeout: 600, cancellationToken: cancellationToken));
            var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM execution_history", cancellationToken: cancellationToken));
            output.WriteLine($"seeded {Tasks:N0} tasks and {rows:N0} history rows in {seeding.Elapsed.TotalSeconds:N1} s");
        }
        var reports = new ReportQueries(database.DataSource, TimeProvider.System);
        var filter = new ReportFilter(start, start.AddDays(40));
        var admin = new Caller("root", new HashSet<CallerRole> { CallerRole.Admin }, []);
        var supervisor = new Caller("sue", new HashSet<CallerRole> { CallerRole.Supervisor }, ["g7"]);
        foreach (var (who, caller) in new[] { ("admin", admin), ("supervisor of 1 group", supervisor) })
        {
            await TimeAsync(output, $"{who}: SLA by group", () => reports.SlaAsync(caller, filter, ReportDimension.Group, cancellationToken), cancellationToken);
            await TimeAsync(output, $"{who}: SLA by period", () => reports.SlaAsync(caller, filter, ReportDimension.Period, cancellationToken), cancellationToken);
            await TimeAsync(output, $"{who}: durations", () => reports.DurationsAsync(caller, filter, cancellationToken), cancellationToken);
            await TimeAsync(output, $"{who}: workload by agent", () => reports.WorkloadAsync(caller, filter, ReportDimension.Agent, cancellationToken), cancellationToken);
            await TimeAsync(output, $"{who}: hand-overs", () => reports.HandoversAsync(caller, filter, cancellationToken), cancellationToken);
        }
    }

    private static async Task TimeAsync<T>(TextWriter output, string name, Func<Task<T>> report, CancellationToken cancellationToken)
    {
        await report(); // warm: plans and caches
        var times = new List<double>();
        for (var i = 0; i < 5 && !cancellationToken.IsCancellationRequested; i++)
        {
            var watch = Stopwatch.StartNew();
            await report();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        output.WriteLine($"{name,-40} median {times[times.Count / 2],8:N0} ms   max {times[^1],8:N0} ms");
    }
}
