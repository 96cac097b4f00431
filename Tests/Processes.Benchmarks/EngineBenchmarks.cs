using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Jobs;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// A straight-through process (start, three service tasks run by in-process no-op handlers, an exclusive
/// gateway, end) on a durable cluster: instances per second, commits per service task, start-to-end latency —
/// next to durable single-row insert commits of the same database (the pgbench-style baseline).
/// </summary>
internal sealed class EngineBenchmarks : IBenchmarkSuite
{
    private const int Instances = 1_500;

    public string Name => "engine";

    public string Description => "straight-through process with 3 no-op service tasks: instances/s, commits per task, latency; baseline single-row commits";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;
        foreach (var clients in new[] { 1, 8 })
        {
            var rate = await SingleRowCommitsAsync(dataSource, clients, cancellationToken);
            await output.WriteLineAsync(Line($"  baseline single-row insert commits, {clients} client(s): {rate,8:N0} /s"));
        }

        var (engine, handlers) = await DeployStraightThroughAsync(dataSource, cancellationToken);
        // Warm-up: JIT, definition cache, connection pool.
        await RunAsync(engine, handlers, dataSource, 100, cancellationToken);

        var before = await CommitsAsync(dataSource, cancellationToken);
        var elapsed = await RunAsync(engine, handlers, dataSource, Instances, cancellationToken);
        var commits = await CommitsAsync(dataSource, cancellationToken) - before;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var latencies = (await connection.QueryAsync<double>("""
            SELECT extract(epoch FROM ended_at - started_at) * 1000 FROM process_instance
            WHERE state = 'COMPLETED' ORDER BY started_at DESC LIMIT @Instances
            """, new { Instances })).ToList();
        await output.WriteLineAsync(Line(
            $"  straight-through, 8 starters, 1 node x 16 handlers: {Instances / elapsed.TotalSeconds,8:N0} instances/s  {3 * Instances / elapsed.TotalSeconds,8:N0} service tasks/s"));
        await output.WriteLineAsync(Line(
            $"  {commits.Per(3 * Instances, "service task")} (start, activations, completions, polls)"));
        await output.WriteLineAsync(Line(
            $"  start-to-end latency at full load (queueing included): p50 {Measure.Percentile(latencies, 0.5),6:0} ms  p99 {Measure.Percentile(latencies, 0.99),6:0} ms"));

        // Paced: one start every 50 ms (20 instances/s, far below capacity), so latency is the pipeline's own.
        var paced = await PacedLatenciesAsync(engine, handlers, dataSource, 200, TimeSpan.FromMilliseconds(50), cancellationToken);
        await output.WriteLineAsync(Line(
            $"  start-to-end latency at 20 instances/s: p50 {Measure.Percentile(paced, 0.5),6:0} ms  p99 {Measure.Percentile(paced, 0.99),6:0} ms"));
    }

    /// <summary>The straight-through model and its no-op handlers: the baseline other engine-level suites compare with.</summary>
    internal static async Task<(Engine.Execution.ProcessEngine Engine, JobHandlerRegistry Handlers)> DeployStraightThroughAsync(
        Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var engine = await DeployAsync(dataSource, Process("bench_straight", $"""
            <bpmn:startEvent id="start" />
            {ServiceTask("t1", "noop-1")}{ServiceTask("t2", "noop-2")}{ServiceTask("t3", "noop-3")}
            <bpmn:exclusiveGateway id="gw" default="gw_small" />
            <bpmn:endEvent id="big" /><bpmn:endEvent id="small" />
            {Flow("start", "t1")}{Flow("t1", "t2")}{Flow("t2", "t3")}{Flow("t3", "gw")}
            {Flow("gw", "big", "= amount > 100")}
            <bpmn:sequenceFlow id="gw_small" sourceRef="gw" targetRef="small" />
            """), cancellationToken);
        var handlers = new JobHandlerRegistry(Enumerable.Range(1, 3).Select(n =>
            new DelegateJobHandler($"noop-{n}", (_, _) => Task.FromResult(JobOutcome.Complete()))));
        return (engine, handlers);
    }

    private static async Task<List<double>> PacedLatenciesAsync(Engine.Execution.ProcessEngine engine, JobHandlerRegistry handlers,
        Npgsql.NpgsqlDataSource dataSource, int instances, TimeSpan every, CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var executor = new JobExecutor(engine, handlers, new JobExecutorOptions { NodeId = "bench-paced", MaxConcurrency = 16, BatchSize = 32 });
        var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
        await Task.Delay(200, cancellationToken);
        var keys = new List<long>();
        using var timer = new PeriodicTimer(every);
        for (var i = 0; i < instances && await timer.WaitForNextTickAsync(cancellationToken); i++)
        {
            var created = await engine.CreateInstanceAsync("bench_straight", null, new JsonObject { ["amount"] = i % 200 }, null, cancellationToken);
            keys.Add(created.Value!.ProcessInstanceKey);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await WaitUntilAsync(dataSource, $"SELECT count(*) FROM process_instance WHERE state = 'COMPLETED' AND key IN ({string.Join(',', keys)})",
            instances, TimeSpan.FromMinutes(1), cancellationToken);
        await stop.CancelAsync();
        await loop;
        return [.. await connection.QueryAsync<double>(
            "SELECT extract(epoch FROM ended_at - started_at) * 1000 FROM process_instance WHERE key = ANY(@keys)", new { keys = keys.ToArray() })];
    }

    /// <summary>Runs <paramref name="instances"/> straight-through instances to completion with 8 starters; the time it took.</summary>
    internal static async Task<TimeSpan> RunAsync(Engine.Execution.ProcessEngine engine, JobHandlerRegistry handlers, Npgsql.NpgsqlDataSource dataSource,
        int instances, CancellationToken cancellationToken)
    {
        long completedBefore;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            completedBefore = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM process_instance WHERE state = 'COMPLETED'");
        }
        using var stop = new CancellationTokenSource();
        var executor = new JobExecutor(engine, handlers, new JobExecutorOptions { NodeId = "bench-engine", MaxConcurrency = 16, BatchSize = 32 });
        var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
        var watch = Stopwatch.StartNew();
        await StartManyAsync(engine, "bench_straight", instances, 8, i => new JsonObject { ["amount"] = i % 200 }, cancellationToken);
        await WaitUntilAsync(dataSource, "SELECT count(*) FROM process_instance WHERE state = 'COMPLETED'", completedBefore + instances,
            TimeSpan.FromMinutes(2), cancellationToken);
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await loop;
        return elapsed;
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
