using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// Scale (issue 15): an agent's inbox page and a task completion with 10,000 open tasks, then with 1,000,000, on the
/// same database. The open tasks besides the measured ones are written by COPY (no instance behind them; user_task has
/// no foreign keys and the inbox joins instances outside-in). Target: ≤ 1.3× the 10 k figures.
/// <c>PROCESSES_BENCH_SCALE</c> sets the large size (default 1,000,000; 200,000 filled in 16 s on the busy 2-core machine).
/// </summary>
internal sealed class ScaleBenchmarks : IBenchmarkSuite
{
    private const int Small = 10_000;
    private const int Measured = 100;
    private const long FillerKeys = 8_000_000_000_000_000_000;

    public string Name => "scale";

    public string Description => "inbox page and task completion at 10 k vs 1 M open tasks (COPY generator); the ratio";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var large = int.TryParse(Environment.GetEnvironmentVariable("PROCESSES_BENCH_SCALE"), CultureInfo.InvariantCulture, out var size) ? size : 1_000_000;
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;
        var engine = await DeployAsync(dataSource, Process("bench_scale", """
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="work"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition assignee="bench-agent" candidateGroups="bench" /></bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="end" />
            """ + Flow("start", "work") + Flow("work", "end")), cancellationToken);
        var queries = new UserTaskQueries(dataSource, new VariableMasking([]));
        var agent = new Caller("bench-agent", new HashSet<CallerRole> { CallerRole.Agent }, ["bench"]) { Tenants = [TenantIds.Default] };

        var filled = 0L;
        var figures = new List<(int Open, double Page, double Search, double Complete)>();
        foreach (var open in new[] { Small, large })
        {
            var watch = Stopwatch.StartNew();
            filled += await FillAsync(dataSource, filled, open - Measured - (int)filled, cancellationToken); // the rest: started below
            await output.WriteLineAsync(Line($"  filled to {open:N0} open tasks by COPY in {watch.Elapsed.TotalSeconds:0.0} s"));
            await StartManyAsync(engine, "bench_scale", Measured, 4, _ => null, cancellationToken);
            // The inbox's group queue as GET /api/tasks?view=group asks for it (Host/Inbox/InboxList: by priority, then
            // due, no total), and Camunda's user-task search of open tasks in its default order with the capped total.
            var page = await TimeEachAsync(Measured, _ => queries.SearchAsync(agent,
                Query.Where(new FieldCondition("state", FilterOperator.Eq, "CREATED")).And(new FieldCondition("candidateGroup", FilterOperator.In, agent.Groups)) with
                {
                    Sort = [new SortBy("priority", SortOrder.Desc), new SortBy("dueDate")],
                    CountTotal = false,
                    Page = new PageRequest(50),
                }, cancellationToken));
            var search = await TimeEachAsync(Measured, _ => queries.SearchAsync(agent,
                Query.Where(new FieldCondition("state", FilterOperator.Eq, "CREATED")) with { Page = new PageRequest(50), TotalCap = UserTaskQueries.TotalCap },
                cancellationToken));
            if (Environment.GetEnvironmentVariable("PROCESSES_BENCH_EXPLAIN") == "1")
            {
                await ExplainAsync(output, dataSource, agent, cancellationToken);
            }
            var tasks = await OpenRealTasksAsync(dataSource, cancellationToken);
            var complete = await TimeEachAsync(tasks.Count, async i =>
            {
                var result = await engine.CompleteUserTaskAsync(tasks[i], null, null, "bench-agent", cancellationToken);
                if (!result.Ok)
                {
                    throw new InvalidOperationException(result.Message);
                }
            });
            figures.Add((open, page, search, complete));
            await output.WriteLineAsync(Line($"  {open,9:N0} open tasks: inbox group page (50) p50 {page,7:0.00} ms   user-task search (50, total capped at {UserTaskQueries.TotalCap:N0}) p50 {search,7:0.00} ms   task completion p50 {complete,7:0.00} ms"));
        }
        var (small, big) = (figures[0], figures[^1]);
        await output.WriteLineAsync(Line(
            $"  ratio {big.Open / 1000:N0} k / {small.Open / 1000:N0} k: inbox page {big.Page / small.Page:0.00}x, user-task search {big.Search / small.Search:0.00}x, task completion {big.Complete / small.Complete:0.00}x (target ≤ 1.3x)"));
    }

    /// <summary>Writes <paramref name="count"/> open tasks for the group "bench" by binary COPY; returns how many.</summary>
    private static async Task<long> FillAsync(NpgsqlDataSource dataSource, long from, int count, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return 0;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var created = DateTime.UtcNow.AddDays(-1);
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY user_task (key, process_instance_key, element_instance_key, element_id, name, bpmn_process_id, process_definition_key,
                            state, candidate_groups, priority, created_at, tenant_id) FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (var i = from; i < from + count; i++)
            {
                var key = FillerKeys + i;
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync("work", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("Filler task", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("bench_filler", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(1L, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync("CREATED", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(new[] { i % 10 == 0 ? "bench" : "other" + (i % 50).ToString(CultureInfo.InvariantCulture) }, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                // Independent of the group above (i / 10, not i): with i % 100 every "bench" task had a priority ending
                // in 0 and none was above 90, a skew no inbox has, which made any ordered read skip 90 % of the rows.
                await writer.WriteAsync((int)(i / 10 % 100), NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(created.AddSeconds(i % 86_400), NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(TenantIds.Default, NpgsqlDbType.Text, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await connection.ExecuteAsync("ANALYZE user_task");
        return count;
    }

    /// <summary>The inbox page's plan (<c>PROCESSES_BENCH_EXPLAIN=1</c>), composed as the read model composes it.</summary>
    private static async Task ExplainAsync(TextWriter output, NpgsqlDataSource dataSource, Caller agent, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var where = QuerySql.Where(UserTaskQueries.Model, agent, Query.Where(new FieldCondition("state", FilterOperator.Eq, "CREATED"))
            .And(new FieldCondition("candidateGroup", FilterOperator.In, agent.Groups)), parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var plan = await connection.QueryAsync<string>(new CommandDefinition(
            $"EXPLAIN (ANALYZE, BUFFERS) SELECT {UserTaskQueries.Model.Select} FROM {UserTaskQueries.Model.From} WHERE {where} " +
            "ORDER BY t.priority DESC NULLS LAST, t.due_date ASC NULLS LAST, t.key ASC NULLS LAST LIMIT 51", parameters, cancellationToken: cancellationToken));
        foreach (var line in plan)
        {
            await output.WriteLineAsync("    | " + line);
        }
        // The user-task search's capped total, composed as QuerySql composes it: what it reads is what grows with the table.
        var countParameters = new DynamicParameters();
        var countWhere = QuerySql.Where(UserTaskQueries.Model, agent, Query.Where(new FieldCondition("state", FilterOperator.Eq, "CREATED")), countParameters);
        var count = await connection.QueryAsync<string>(new CommandDefinition(
            $"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM (SELECT 1 FROM {UserTaskQueries.Model.From} WHERE {countWhere} LIMIT {UserTaskQueries.TotalCap + 1}) capped",
            countParameters, cancellationToken: cancellationToken));
        foreach (var line in count)
        {
            await output.WriteLineAsync("    # " + line);
        }
    }

    private static async Task<List<long>> OpenRealTasksAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT key FROM user_task WHERE state = 'CREATED' AND bpmn_process_id = 'bench_scale' ORDER BY key", cancellationToken: cancellationToken))];
    }

    /// <summary>Runs each call once after a warm-up call; answers the median in ms.</summary>
    private static async Task<double> TimeEachAsync(int count, Func<int, Task> call)
    {
        var times = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await call(i);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Measure.Percentile(times, 0.5);
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
