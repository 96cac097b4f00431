using System.Diagnostics;
using System.Globalization;
using Dapper;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// The job executor and the timer scheduler on a durable cluster: no-op jobs per second with one and two
/// executor nodes (and commits per job), next to the plain SKIP LOCKED dequeue of the same database; timer
/// lateness for 10,000 timers due evenly over two seconds.
/// </summary>
internal sealed class JobBenchmarks : IBenchmarkSuite
{
    private const int JobsPerRun = 3_000;
    private const int WarmUpJobs = 2_000;
    private const int TimerInstances = 1_000;
    private const int TimersPerInstance = 10;

    public string Name => "jobs";

    public string Description => "no-op jobs/s with 1 and 2 executor nodes, commits per job, timer lateness; baseline SKIP LOCKED dequeue";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        // The peers first, on their own throwaway cluster, so both sides see the same machine in the same run.
        var peers = await Peers.RunAsync(cancellationToken);
        await output.WriteLineAsync(Line($"  peers (shared/perf/peers.sh): {peers.Status}; pgbench TPC-B {peers.PgbenchTps?.ToString("N0", CultureInfo.InvariantCulture) ?? "-"} tps"));
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;
        foreach (var clients in new[] { 1, 2 })
        {
            var rate = await SkipLockedDequeuesAsync(dataSource, clients, cancellationToken);
            await output.WriteLineAsync(Line($"  baseline SKIP LOCKED dequeue+delete, {clients} client(s): {rate,8:N0} /s"));
        }

        var engine = await DeployAsync(dataSource, Process("bench_job",
            $"<bpmn:startEvent id=\"start\" />{ServiceTask("task", "noop")}<bpmn:endEvent id=\"end\" />{Flow("start", "task")}{Flow("task", "end")}"), cancellationToken);
        var handler = new DelegateJobHandler("noop", (_, _) => Task.FromResult(JobOutcome.Complete()));
        // An untimed round first: the timed ones measure the steady state, not tiered compilation (graphile-worker's
        // figure is from 10,000 jobs).
        await StartManyAsync(engine, "bench_job", WarmUpJobs, 8, _ => null, cancellationToken);
        await RunJobsAsync(engine, handler, "bench-warm-up", 1, WarmUpJobs, cancellationToken);
        foreach (var nodes in new[] { 1, 2 })
        {
            // The instances are started outside the counted window: their starts are one write commit each, not the
            // jobs' (counted together, 1.26 "per job" at 0c2d73a was 1.00 of starts and 0.26 of the jobs).
            var beforeStarts = await CommitsAsync(dataSource, cancellationToken);
            await StartManyAsync(engine, "bench_job", JobsPerRun, 8, _ => null, cancellationToken);
            var before = await CommitsAsync(dataSource, cancellationToken);
            var elapsed = await RunJobsAsync(engine, handler, $"bench-{nodes}", nodes, JobsPerRun, cancellationToken);
            var commits = await CommitsAsync(dataSource, cancellationToken) - before;
            await output.WriteLineAsync(Line(
                $"  no-op jobs, {nodes} executor node(s) x {16 / nodes} handlers: {JobsPerRun / elapsed.TotalSeconds,8:N0} jobs/s   {commits.Per(JobsPerRun, "job")}"));
            await output.WriteLineAsync(Line($"    (the instances' starts before, not counted above: {(before - beforeStarts).Per(JobsPerRun, "start")})"));
            await output.WriteLineAsync($"    vs {Peers.Versus(JobsPerRun / elapsed.TotalSeconds, peers.GraphileJobsPerSecond, "jobs/s (10 workers)", higherIsBetter: true)}");
        }

        await IdleAsync(output, engine, handler, cancellationToken);

        foreach (var (processId, instances) in new[] { ("bench_timer_light", 100), ("bench_timer", TimerInstances) })
        {
            var p99 = await TimerLatenessAsync(output, dataSource, processId, instances, cancellationToken);
            var peer = peers.GraphileLateness.TryGetValue(instances * TimersPerInstance, out var late) ? late.P99 : (double?)null;
            await output.WriteLineAsync($"    p99 vs {Peers.Versus(p99, peer, "ms p99 late (delayed jobs, same spread)", higherIsBetter: false)}");
        }
    }

    /// <summary>
    /// Times <paramref name="nodes"/> executors sharing 16 handlers until they completed <paramref name="jobs"/> jobs of
    /// instances started before. The end is watched on the executors' counters in process: a poll of the database would
    /// take CPU from the PostgreSQL it measures.
    /// </summary>
    private static async Task<TimeSpan> RunJobsAsync(Processes.Engine.Execution.ProcessEngine engine, IJobHandler handler, string name, int nodes, int jobs,
        CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var executors = Enumerable.Range(0, nodes).Select(n => new JobExecutor(engine, new JobHandlerRegistry([handler]),
            new JobExecutorOptions { NodeId = $"{name}-{n}", MaxConcurrency = 16 / nodes, BatchSize = 32 })).ToList();
        var loops = executors.Select(e => Task.Run(() => e.RunAsync(stop.Token), CancellationToken.None)).ToList();
        while (executors.Sum(e => e.Completed) < jobs)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{name}: {executors.Sum(e => e.Completed)} of {jobs} jobs completed after 2 minutes.");
            }
            await Task.Delay(5, cancellationToken);
        }
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        return elapsed;
    }

    /// <summary>
    /// What an executor with nothing to do commits: its loops (polling, lease recovery and renewal, back-off reload,
    /// metrics, batch runner) over five seconds. A loop that commits while idle shows here, not hidden in a per-job figure.
    /// </summary>
    private static async Task IdleAsync(TextWriter output, Processes.Engine.Execution.ProcessEngine engine, IJobHandler handler, CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromSeconds(5);
        var before = await CommitsAsync(engine.DataSource, cancellationToken);
        using var stop = new CancellationTokenSource();
        var executor = new JobExecutor(engine, new JobHandlerRegistry([handler]), new JobExecutorOptions { NodeId = "bench-idle", MaxConcurrency = 16, BatchSize = 32 });
        var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
        await Task.Delay(idle, cancellationToken);
        await stop.CancelAsync();
        await loop;
        var commits = await CommitsAsync(engine.DataSource, cancellationToken) - before;
        await output.WriteLineAsync(Line(
            $"  idle executor (1 node x 16, no jobs), {idle.TotalSeconds:0} s: {commits.Xids} write commits, {commits.WalSyncs} WAL fsyncs, {commits.XactCommit} xact_commit (the counting's own included)"));
    }

    /// <summary>Prints the lateness of a timer burst; returns its p99 (ms).</summary>
    private static async Task<double> TimerLatenessAsync(TextWriter output, Npgsql.NpgsqlDataSource dataSource, string processId, int instances,
        CancellationToken cancellationToken)
    {
        // Ten parallel timer branches per instance: 10,000 timers from 1,000 starts. Due times are spread so that
        // timers next to each other in due order belong to different instances (no optimistic-lock retries).
        var branches = string.Concat(Enumerable.Range(0, TimersPerInstance).Select(b =>
            $"<bpmn:intermediateCatchEvent id=\"t{b}\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>" +
            $"<bpmn:endEvent id=\"e{b}\" />{Flow("fork", $"t{b}")}{Flow($"t{b}", $"e{b}")}"));
        var engine = await DeployAsync(dataSource, Process(processId,
            $"<bpmn:startEvent id=\"start\" /><bpmn:parallelGateway id=\"fork\" />{Flow("start", "fork")}{branches}"), cancellationToken);
        await StartManyAsync(engine, processId, instances, 8, _ => null, cancellationToken);
        var total = instances * TimersPerInstance;
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("""
                UPDATE timer t SET due_at = @start + (r.n * @stepMs) * interval '1 millisecond'
                FROM (SELECT key, row_number() OVER (ORDER BY element_id, process_instance_key) - 1 AS n FROM timer) r
                WHERE t.key = r.key
                """, new { start, stepMs = 2000.0 / total });
        }
        Dictionary<long, DateTime> due;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<(long Key, DateTime DueAt)>("SELECT key, due_at FROM timer")).ToDictionary(t => t.Key, t => t.DueAt);
        }
        long firedBefore;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            firedBefore = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM execution_history WHERE event = 'TIMER_FIRED'");
        }
        using var stop = new CancellationTokenSource();
        var scheduler = new TimerScheduler(engine, new TimerSchedulerOptions { NodeId = "bench-timers", Concurrency = 8 });
        var loop = Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None);
        await WaitUntilAsync(dataSource, "SELECT count(*) FROM execution_history WHERE event = 'TIMER_FIRED'", firedBefore + total, TimeSpan.FromMinutes(2), cancellationToken);
        await stop.CancelAsync();
        await loop;

        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        // Lateness: from the due time to the start of the firing command (the time of its history row).
        var fired = await read.QueryAsync<(long Key, DateTime At)>(
            "SELECT (details->>'timerKey')::bigint, at FROM execution_history WHERE event = 'TIMER_FIRED'");
        var lateness = fired.Where(f => due.ContainsKey(f.Key)).Select(f => (f.At - due[f.Key]).TotalMilliseconds).ToList();
        await output.WriteLineAsync(Line(
            $"  timer lateness, {total:N0} timers due evenly over 2 s, 1 node x 8: p50 {Measure.Percentile(lateness, 0.5),6:0} ms  p99 {Measure.Percentile(lateness, 0.99),6:0} ms  max {lateness.Max(),6:0} ms"));
        return Measure.Percentile(lateness, 0.99);
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
