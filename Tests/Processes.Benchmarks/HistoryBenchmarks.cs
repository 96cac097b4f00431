using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Processes.Engine.Queries;
using Processes.Engine.Retention;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Benchmarks;

/// <summary>
/// Growth (issue 15): execution_history with 10 M rows over twelve months, on the schema before migration 0090 (one
/// table) and after it (monthly partitions), in one database: the history is written by COPY on the old schema, measured,
/// migrated (timed: what an upgrade of a large database costs) and measured again. Per schema: the insert cost of a
/// command's history rows, the case view's history page, the reports' task-event scan of the last 30 days, and
/// retention of one month's instances (row delete before, partition drop after). <c>PROCESSES_BENCH_HISTORY</c> sets the
/// row count (default 10,000,000).
/// </summary>
internal sealed class HistoryBenchmarks : IBenchmarkSuite
{
    private const int RowsPerInstance = 25;
    private const int Months = 12;
    private const int BeforePartitions = 89;
    private const long FirstKey = 7_000_000_000_000_000_000;
    private static readonly string[] Events =
    [
        "PROCESS_INSTANCE_CREATED", "ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "VARIABLE_CREATED", "ELEMENT_COMPLETED",
        "SEQUENCE_FLOW_TAKEN", "ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "TASK_CREATED", "TASK_ASSIGNED",
    ];

    public string Name => "history";

    public string Description => "execution_history at 10 M rows before vs after monthly partitions: inserts, case view, report scan, migration, retention";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var rows = int.TryParse(Environment.GetEnvironmentVariable("PROCESSES_BENCH_HISTORY"), CultureInfo.InvariantCulture, out var size) ? size : 10_000_000;
        var instances = rows / RowsPerInstance;
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken, migrateUpTo: BeforePartitions);
        var dataSource = database.DataSource;
        var now = DateTimeOffset.UtcNow;
        var origin = HistoryPartitions.MonthOf(now).AddMonths(-Months);
        var watch = Stopwatch.StartNew();
        await FillAsync(dataSource, instances, origin, now, cancellationToken);
        await output.WriteLineAsync(Line($"  {instances * RowsPerInstance:N0} history rows of {instances:N0} ended instances over {Months} months written by COPY in {watch.Elapsed.TotalSeconds:0} s (one table, the schema before 0090)"));

        var before = await MeasureAsync(dataSource, instances, now, cancellationToken);
        // Each phase prints at once: a run cut short on a busy machine keeps what it measured.
        await output.WriteLineAsync(Line($"  one table: {before}"));
        watch.Restart();
        // Cut-offs a day into the next month: the instances that straddle the month's end have ended by then, as they have
        // in a real retention round some time after a month ended.
        var purgedBefore = await PurgeAsync(dataSource, origin.AddMonths(1).AddDays(1), cancellationToken);
        var deleteSeconds = watch.Elapsed.TotalSeconds;
        await output.WriteLineAsync(Line($"  one table: retention of one month's instances ({purgedBefore:N0}) by row delete in {deleteSeconds:0.0} s"));

        watch.Restart();
        await new Migrator(dataSource).MigrateAsync(cancellationToken);
        var migrateSeconds = watch.Elapsed.TotalSeconds;
        var remaining = await CountAsync(dataSource, "SELECT count(*) FROM execution_history", cancellationToken);
        await output.WriteLineAsync(Line($"  migration 0090 (copy into monthly partitions, indexes rebuilt) of {remaining:N0} rows: {migrateSeconds:0.0} s"));

        var after = await MeasureAsync(dataSource, instances, now, cancellationToken);
        await output.WriteLineAsync(Line($"  by month: {after}"));
        var purge = new InstancePurge(dataSource);
        watch.Restart();
        var dropped = await purge.DropHistoryPartitionsAsync(origin.AddMonths(2).AddDays(1), cancellationToken);
        var dropSeconds = watch.Elapsed.TotalSeconds;
        var purgedAfter = await PurgeAsync(dataSource, origin.AddMonths(2).AddDays(1), cancellationToken);
        var dropAndPurgeSeconds = watch.Elapsed.TotalSeconds;

        await output.WriteLineAsync(Line($"  {"",-54} {"one table",14} {"by month",14}"));
        await output.WriteLineAsync(Line($"  {"insert, 25 history rows per transaction (µs per row)",-54} {before.InsertMicros,14:0.0} {after.InsertMicros,14:0.0}"));
        await output.WriteLineAsync(Line($"  {"case view history page (100 rows), p50 ms",-54} {before.CaseMs,14:0.00} {after.CaseMs,14:0.00}"));
        await output.WriteLineAsync(Line($"  {"its history query alone, unbounded, p50 ms",-54} {before.UnboundedMs,14:0.00} {after.UnboundedMs,14:0.00}"));
        await output.WriteLineAsync(Line($"  {"its history query alone, bounded by start/end, p50 ms",-54} {before.BoundedMs,14:0.00} {after.BoundedMs,14:0.00}"));
        await output.WriteLineAsync(Line($"  {"report task-event scan, last 30 days, p50 ms",-54} {before.ReportMs,14:0.0} {after.ReportMs,14:0.0}"));
        await output.WriteLineAsync(Line($"  {"retention of one month's instances, s",-54} {deleteSeconds,14:0.0} {dropAndPurgeSeconds,14:0.0}"));
        await output.WriteLineAsync(Line($"  case view's bounded query, one table: {before.Plan}; by month: {after.Plan}"));
        await output.WriteLineAsync(Line($"  retention before: {purgedBefore:N0} instances purged row by row; after: {string.Join(", ", dropped)} dropped in {dropSeconds:0.00} s, then {purgedAfter:N0} instances' other rows purged"));
    }

    private sealed record Figures(double InsertMicros, double CaseMs, double ReportMs, double UnboundedMs, double BoundedMs, string Plan);

    private static async Task<Figures> MeasureAsync(NpgsqlDataSource dataSource, int instances, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var analyze = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await analyze.ExecuteAsync(new CommandDefinition("ANALYZE execution_history", commandTimeout: 0, cancellationToken: cancellationToken));
        }
        // A command's history: one unnest insert of 25 rows in its own transaction, as RowInserts writes it.
        const int Commands = 400;
        var insert = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            for (var c = 0; c < Commands; c++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var keys = Enumerable.Repeat(FirstKey - 1 - c, RowsPerInstance).ToArray();
                await connection.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
                    SELECT * FROM unnest(@keys::bigint[], @keys::bigint[], @ids::text[], @ids::text[], @events::text[], @details::jsonb[], @ats::timestamptz[])
                    """, new
                {
                    keys,
                    ids = Enumerable.Repeat("work", RowsPerInstance).ToArray(),
                    events = Enumerable.Range(0, RowsPerInstance).Select(i => Events[i % Events.Length]).ToArray(),
                    details = Enumerable.Repeat("{\"flowScopeKey\": 1}", RowsPerInstance).ToArray(),
                    ats = Enumerable.Repeat(now.UtcDateTime, RowsPerInstance).ToArray(),
                }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
            }
        }
        var insertMicros = insert.Elapsed.TotalMicroseconds / (Commands * RowsPerInstance);

        var cases = new CaseQueries(dataSource, new InstanceQueries(dataSource, VariableMasking.None), VariableMasking.None);
        var random = new Random(15);
        var caseTimes = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            // The later months only: the first two are purged by the retention measures.
            var key = FirstKey + (instances / 6) + random.Next(instances * 5 / 6);
            var watch = Stopwatch.StartNew();
            var page = await cases.HistoryAsync(Caller.System, key, false, new PageRequest(100), null, cancellationToken);
            caseTimes.Add(watch.Elapsed.TotalMilliseconds);
            if (page is null || page.Items.Count != RowsPerInstance)
            {
                throw new InvalidOperationException($"The case view of {key} has {page?.Items.Count} rows, not {RowsPerInstance}.");
            }
        }
        // The history query alone, without and with the bounds by the instance's start and end that CaseQueries adds
        // (the instance's times read beforehand), alternating so both share the machine's conditions.
        var unboundedTimes = new List<double>();
        var boundedTimes = new List<double>();
        await using (var times = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            for (var i = 0; i < 200; i++)
            {
                var key = FirstKey + (instances / 6) + random.Next(instances * 5 / 6);
                var (started, ended) = await times.QuerySingleAsync<(DateTime, DateTime)>("SELECT started_at, ended_at FROM process_instance WHERE key = @key", new { key });
                foreach (var bounded in i % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    var query = Query.Where(new FieldCondition("processInstanceKey", FilterOperator.In, new[] { key }));
                    if (bounded)
                    {
                        query = query.And(new FieldCondition("at", FilterOperator.Gte, started.AddDays(-1))).And(new FieldCondition("at", FilterOperator.Lte, ended.AddDays(1)));
                    }
                    var watch = Stopwatch.StartNew();
                    var page = await QuerySql.RunAsync(dataSource, CaseQueries.HistoryModel, Caller.System,
                        query with { Sort = [new SortBy("id")], Page = new PageRequest(100), CountTotal = false }, cancellationToken);
                    (bounded ? boundedTimes : unboundedTimes).Add(watch.Elapsed.TotalMilliseconds);
                    if (page.Items.Count != RowsPerInstance)
                    {
                        throw new InvalidOperationException($"The history of {key} has {page.Items.Count} rows, not {RowsPerInstance}.");
                    }
                }
            }
        }
        var plan = await PlanAsync(dataSource, FirstKey + (instances / 2), cancellationToken);
        var reportTimes = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            // The reports' task facts (Engine/Reports/TaskFacts.cs): each task's events since the report's start.
            await CountAsync(dataSource, $"""
                SELECT count(*) FROM (
                    SELECT (h.details->>'userTaskKey')::bigint AS task_key,
                           min(h.at) FILTER (WHERE h.event IN ('TASK_CREATED', 'TASK_ASSIGNED') AND h.details->>'assignee' IS NOT NULL) AS first_held_at,
                           min(h.at) FILTER (WHERE h.event = 'TASK_COMPLETED') AS completed_at, bool_or(h.event = 'TASK_SLA_WARNING') AS warned
                    FROM execution_history h
                    WHERE h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING') AND h.at >= '{now.AddDays(-30).UtcDateTime:O}'
                    GROUP BY 1) facts
                """, cancellationToken);
            reportTimes.Add(watch.Elapsed.TotalMilliseconds);
        }
        return new Figures(insertMicros, Measure.Percentile(caseTimes, 0.5), Measure.Percentile(reportTimes, 0.5), Measure.Percentile(unboundedTimes, 0.5), Measure.Percentile(boundedTimes, 0.5), plan);
    }

    /// <summary>The history tables the case view's bounded query reads for an instance half-way through the months.</summary>
    private static async Task<string> PlanAsync(NpgsqlDataSource dataSource, long key, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (started, ended) = await connection.QuerySingleAsync<(DateTime, DateTime)>("SELECT started_at, ended_at FROM process_instance WHERE key = @key", new { key });
        var lines = (await connection.QueryAsync<string>(new CommandDefinition("""
            EXPLAIN (ANALYZE, COSTS OFF) SELECT h.id FROM execution_history h
            WHERE h.process_instance_key = ANY(@keys) AND h.at >= @from AND h.at <= @to ORDER BY h.id LIMIT 101
            """, new { keys = new[] { key }, from = started.AddDays(-1), to = ended.AddDays(1) }, cancellationToken: cancellationToken))).ToList();
        // "Index Scan using <index> on <table> h": the table after " on ".
        var tables = lines.Where(l => l.Contains("Scan", StringComparison.Ordinal) && l.Contains(" on execution_history", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" on execution_history", StringComparison.Ordinal) + 4)..].Split(' ')[0]).Distinct().ToList();
        return $"instance {started:yyyy-MM-dd} to {ended:yyyy-MM-dd}: reads {tables.Count} table(s) ({string.Join(", ", tables)}){(lines.Any(l => l.Contains("Subplans Removed", StringComparison.Ordinal)) ? ", pruned at run time" : "")}";
    }

    /// <summary>The retention service's round: the engine's purge in batches of 500 until none is left.</summary>
    private static async Task<long> PurgeAsync(NpgsqlDataSource dataSource, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var purge = new InstancePurge(dataSource);
        long total = 0;
        int purged;
        while ((purged = await purge.PurgeBatchAsync(cutoff, 500, cancellationToken)) > 0)
        {
            total += purged;
        }
        return total;
    }

    /// <summary>Ended instances evenly over the months from <paramref name="origin"/>, each with its history by binary COPY.</summary>
    private static async Task FillAsync(NpgsqlDataSource dataSource, int instances, DateTimeOffset origin, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var span = (now - origin - TimeSpan.FromHours(1)).Ticks;
        DateTime StartOf(long i) => origin.UtcDateTime.AddTicks(span / instances * i);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY process_instance (key, process_definition_key, bpmn_process_id, process_version, state, root_process_instance_key, started_at, ended_at)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (long i = 0; i < instances; i++)
            {
                var key = FirstKey + i;
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(1L, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync("bench_history", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync("COMPLETED", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(StartOf(i), NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(StartOf(i).AddSeconds(10 * RowsPerInstance), NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at) FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (long i = 0; i < instances; i++)
            {
                var key = FirstKey + i;
                var start = StartOf(i);
                for (var j = 0; j < RowsPerInstance; j++)
                {
                    var @event = j == RowsPerInstance - 1 ? "ELEMENT_COMPLETED" : j == RowsPerInstance - 2 ? "TASK_COMPLETED" : Events[j % Events.Length];
                    var task = @event.StartsWith("TASK_", StringComparison.Ordinal);
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(key + 1 + (j / 3), NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(task ? "review" : "step" + (j / 3).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(task ? "userTask" : "serviceTask", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(@event, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(task ? $"{{\"userTaskKey\": {key + 9}, \"assignee\": \"agent{i % 40}\"}}" : "{\"flowScopeKey\": 1}", NpgsqlDbType.Jsonb, cancellationToken);
                    await writer.WriteAsync(start.AddSeconds(10 * j), NpgsqlDbType.TimestampTz, cancellationToken);
                }
            }
            await writer.CompleteAsync(cancellationToken);
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, commandTimeout: 600, cancellationToken: cancellationToken));
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
