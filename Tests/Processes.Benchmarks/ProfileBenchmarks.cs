using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Npgsql;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// Where the time goes per job, per timer and per HTTP start: CPU of this process (or of the host process), CPU of
/// every PostgreSQL process of the cluster, client round trips, write commits, and the statements that cost the
/// server most (pg_stat_statements, planning included). CPU time per unit, unlike a rate, hardly moves with what
/// else runs on a shared machine, so these figures compare versions even on a busy one.
/// </summary>
internal sealed class ProfileBenchmarks : IBenchmarkSuite
{
    private const int Jobs = 2_000;
    private const int WarmUpJobs = 2_000;
    private const int Timers = 2_000;
    private const int Starts = 1_000;
    private const int WarmUpStarts = 1_000;
    private const int Straight = 1_500;
    private const int WarmUpStraight = 1_000;

    public string Name => "profile";

    public string Description => "CPU (.NET and PostgreSQL), round trips, commits and the costliest statements per job, per timer, per HTTP start";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken, statements: true);
        var dataSource = database.DataSource;
        using var roundTrips = new RoundTripCounter();
        // PROCESSES_PROFILE=jobs,timers,http,straight (default: all four) profiles only the named phases.
        var phases = (Environment.GetEnvironmentVariable("PROCESSES_PROFILE") ?? "jobs,timers,http,straight").Split(',', StringSplitOptions.TrimEntries);
        if (phases.Contains("jobs"))
        {
            await ProfileJobsAsync(output, database, roundTrips, cancellationToken);
        }
        if (phases.Contains("timers"))
        {
            await ProfileTimersAsync(output, database, roundTrips, cancellationToken);
        }
        if (phases.Contains("http"))
        {
            await ProfileHttpStartsAsync(output, database, cancellationToken);
        }
        if (phases.Contains("straight"))
        {
            await ProfileStraightThroughAsync(output, database, roundTrips, cancellationToken);
        }
    }

    /// <summary>
    /// The `engine` suite's straight-through instance (start, three no-op service tasks, a gateway, end), 8 starters and
    /// 1 node x 16 handlers: what one instance costs from its start to its end, the start included.
    /// </summary>
    private static async Task ProfileStraightThroughAsync(TextWriter output, BenchmarkDatabase database, RoundTripCounter roundTrips,
        CancellationToken cancellationToken)
    {
        var (engine, handlers) = await EngineBenchmarks.DeployStraightThroughAsync(database.DataSource, cancellationToken);
        foreach (var round in new[] { "warm-up", "measured" })
        {
            var count = round == "warm-up" ? WarmUpStraight : Straight;
            var sample = round == "measured" ? await Sample.TakeAsync(database, roundTrips, System.Diagnostics.Process.GetCurrentProcess(), cancellationToken) : null;
            using var stop = new CancellationTokenSource();
            var executor = new JobExecutor(engine, handlers, new JobExecutorOptions { NodeId = $"profile-straight-{round}", MaxConcurrency = 16, BatchSize = 32 });
            var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
            await StartManyAsync(engine, "bench_straight", count, 8, i => new System.Text.Json.Nodes.JsonObject { ["amount"] = i % 200 }, cancellationToken);
            // Watched in process: a count(*) poll would be measured with the instances.
            await UntilAsync(() => executor.Completed >= 3 * count, cancellationToken);
            await stop.CancelAsync();
            await loop;
            if (sample is not null)
            {
                await sample.ReportAsync(output, "straight-through instance (start + 3 no-op service tasks, 8 starters, 1 node x 16)", count, cancellationToken);
            }
        }
    }

    private static async Task ProfileJobsAsync(TextWriter output, BenchmarkDatabase database, RoundTripCounter roundTrips, CancellationToken cancellationToken)
    {
        var dataSource = database.DataSource;

        var jobEngine = await DeployAsync(dataSource, Process("profile_job",
            $"<bpmn:startEvent id=\"start\" />{ServiceTask("task", "noop")}<bpmn:endEvent id=\"end\" />{Flow("start", "task")}{Flow("task", "end")}"), cancellationToken);
        var handler = new DelegateJobHandler("noop", (_, _) => Task.FromResult(JobOutcome.Complete()));
        foreach (var round in new[] { "warm-up", "measured" })
        {
            // The warm-up is long enough for tiered compilation to finish its work on the job path (the measured round
            // prints the JIT time left in it).
            await StartManyAsync(jobEngine, "profile_job", round == "warm-up" ? WarmUpJobs : Jobs, 8, _ => null, cancellationToken);
            if (round == "measured" && Environment.GetEnvironmentVariable("PROCESSES_PROFILE_PAUSE") is { } pause)
            {
                // Time to attach dotnet-trace to this process for the measured round only.
                await Console.Error.WriteLineAsync($"profile: measuring jobs in {pause} s (pid {Environment.ProcessId})");
                await Task.Delay(TimeSpan.FromSeconds(double.Parse(pause, CultureInfo.InvariantCulture)), cancellationToken);
            }
            var sample = await Sample.TakeAsync(database, roundTrips, System.Diagnostics.Process.GetCurrentProcess(), cancellationToken);
            using var stop = new CancellationTokenSource();
            var executor = new JobExecutor(jobEngine, new JobHandlerRegistry([handler]),
                new JobExecutorOptions { NodeId = $"profile-{round}", MaxConcurrency = 16, BatchSize = 32 });
            var loop = Task.Run(() => executor.RunAsync(stop.Token), CancellationToken.None);
            var expected = round == "warm-up" ? WarmUpJobs : Jobs;
            await UntilAsync(() => executor.Completed >= expected, cancellationToken);
            await stop.CancelAsync();
            await loop;
            if (round == "measured")
            {
                await sample.ReportAsync(output, "job (1 node x 16 handlers, no-op)", Jobs, cancellationToken);
            }
        }
    }

    private static async Task ProfileTimersAsync(TextWriter output, BenchmarkDatabase database, RoundTripCounter roundTrips, CancellationToken cancellationToken)
    {
        var dataSource = database.DataSource;
        var engine = await DeployAsync(dataSource, Process("profile_timer",
            "<bpmn:startEvent id=\"start\" /><bpmn:intermediateCatchEvent id=\"wait\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>" +
            $"</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id=\"end\" />{Flow("start", "wait")}{Flow("wait", "end")}"), cancellationToken);
        await StartManyAsync(engine, "profile_timer", Timers, 8, _ => null, cancellationToken);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("UPDATE timer SET due_at = now() - interval '1 second'");
        }
        var sample = await Sample.TakeAsync(database, roundTrips, System.Diagnostics.Process.GetCurrentProcess(), cancellationToken);
        using var stop = new CancellationTokenSource();
        var scheduler = new TimerScheduler(engine, new TimerSchedulerOptions { NodeId = "profile-timers", Concurrency = 8 });
        var loop = Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None);
        await UntilAsync(() => scheduler.Fired >= Timers, cancellationToken);
        await stop.CancelAsync();
        await loop;
        await sample.ReportAsync(output, "timer (a burst all due at once, 1 node x 8)", Timers, cancellationToken);
    }

    /// <summary>The host process on the same database: 16 clients start instances of a user-task process over HTTP.</summary>
    private static async Task ProfileHttpStartsAsync(TextWriter output, BenchmarkDatabase database, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"processes-profile-host-{Guid.NewGuid():N}");
        var url = new Uri($"http://127.0.0.1:{HttpTaskBenchmarks.FreePort()}");
        using var host = HttpTaskBenchmarks.StartHost(root, url, database.ConnectionString);
        try
        {
            using var anonymous = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            await HttpTaskBenchmarks.WaitReadyAsync(anonymous, cancellationToken);
            using var agent = await HttpTaskBenchmarks.AgentAsync(url, cancellationToken);
            await HttpTaskBenchmarks.DeployAsync(agent, cancellationToken);
            // Warm-up long enough for the host's tiered compilation to settle (100 starts left the JIT in the measured round).
            await StartOverHttpAsync(agent, WarmUpStarts, cancellationToken);
            if (Environment.GetEnvironmentVariable("PROCESSES_PROFILE_PAUSE") is { } pause)
            {
                // Time to attach dotnet-trace to the host for the measured starts only.
                await Console.Error.WriteLineAsync($"profile: measuring HTTP starts in {pause} s (host pid {host.Id})");
                await Task.Delay(TimeSpan.FromSeconds(double.Parse(pause, CultureInfo.InvariantCulture)), cancellationToken);
            }
            var sample = await Sample.TakeAsync(database, null, host, cancellationToken);
            var watch = Stopwatch.StartNew();
            await StartOverHttpAsync(agent, Starts, cancellationToken);
            var elapsed = watch.Elapsed;
            await sample.ReportAsync(output, $"HTTP start (POST /v2/process-instances, 16 clients, {Starts / elapsed.TotalSeconds:0}/s here; CPU is the host process's)",
                Starts, cancellationToken);
        }
        finally
        {
            using var term = System.Diagnostics.Process.Start("kill", ["-TERM", host.Id.ToString(CultureInfo.InvariantCulture)]);
            await host.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(40), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task StartOverHttpAsync(HttpClient client, int count, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var response = await client.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "bench-http", variables = new { n = 1 } }, cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }));
    }

    private static async Task UntilAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("The profiled work did not finish within 5 minutes.");
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Counters at the start of a phase; <see cref="ReportAsync"/> prints what the phase cost per unit.</summary>
    internal sealed class Sample
    {
        private BenchmarkDatabase _database = null!;
        private RoundTripCounter? _roundTrips;
        private System.Diagnostics.Process _client = null!;
        private TimeSpan _clientCpu;
        private TimeSpan _jit;
        private double _serverCpu;
        private long _roundTripsBefore;
        private Commits _commits = null!;
        private Stopwatch _watch = null!;

        public static async Task<Sample> TakeAsync(BenchmarkDatabase database, RoundTripCounter? roundTrips, System.Diagnostics.Process client, CancellationToken cancellationToken)
        {
            var sample = new Sample { _database = database, _roundTrips = roundTrips, _client = client };
            sample._commits = await CommitsAsync(database.DataSource, cancellationToken);
            await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
            {
                await connection.ExecuteAsync("SELECT pg_stat_statements_reset()");
            }
            client.Refresh();
            sample._clientCpu = client.TotalProcessorTime;
            sample._jit = System.Runtime.JitInfo.GetCompilationTime();
            sample._serverCpu = ServerCpuSeconds(database.DataDirectory);
            sample._roundTripsBefore = roundTrips?.Count ?? 0;
            sample._watch = Stopwatch.StartNew();
            return sample;
        }

        public async Task ReportAsync(TextWriter output, string unit, int units, CancellationToken cancellationToken)
        {
            var elapsed = _watch.Elapsed;
            _client.Refresh();
            var clientMs = (_client.TotalProcessorTime - _clientCpu).TotalMilliseconds / units;
            var serverMs = (ServerCpuSeconds(_database.DataDirectory) - _serverCpu) * 1000 / units;
            var roundTrips = _roundTrips is null ? double.NaN : (_roundTrips.Count - _roundTripsBefore) / (double)units;
            await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken);
            var statements = (await connection.QueryAsync<(long Calls, double ExecMs, double PlanMs, string Query)>("""
                SELECT calls, total_exec_time, total_plan_time, regexp_replace(query, '\s+', ' ', 'g')
                FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time + total_plan_time DESC
                """)).ToList();
            var commits = await CommitsAsync(_database.DataSource, cancellationToken) - _commits;
            await output.WriteLineAsync(Line($"  per {unit}, {units:N0} in {elapsed.TotalSeconds:0.0} s:"));
            // Compilation is only known for this process: a phase that still JITs measures warm-up, not the steady state.
            var jit = _client.Id == Environment.ProcessId ? $" (JIT wall time {(System.Runtime.JitInfo.GetCompilationTime() - _jit).TotalMilliseconds / units:0.00} ms)" : "";
            await output.WriteLineAsync(Line(
                $"    CPU {clientMs:0.00} ms .NET{jit} + {serverMs:0.00} ms PostgreSQL; {roundTrips:0.0} round trips (this process); {statements.Sum(s => s.Calls) / (double)units:0.0} statements; {commits.Per(units, "unit")}"));
            await output.WriteLineAsync(Line(
                $"    statements' server time {statements.Sum(s => s.ExecMs) / units:0.00} ms executing + {statements.Sum(s => s.PlanMs) / units:0.00} ms planning; costliest:"));
            // PROCESSES_PROFILE_STATEMENTS=N lists more than the eight costliest (the cheap ones show who else runs).
            var listed = int.TryParse(Environment.GetEnvironmentVariable("PROCESSES_PROFILE_STATEMENTS"), CultureInfo.InvariantCulture, out var n) ? n : 8;
            foreach (var s in statements.Take(listed))
            {
                var text = s.Query.Length > 110 ? s.Query[..110] + "…" : s.Query;
                await output.WriteLineAsync(Line($"      {s.Calls / (double)units,5:0.00}x {(s.ExecMs + s.PlanMs) / units,6:0.000} ms ({s.PlanMs / units:0.000} planning)  {text}"));
            }
        }
    }

    /// <summary>User + system CPU of the postmaster, its live children and its reaped ones (cutime/cstime), in seconds.</summary>
    private static double ServerCpuSeconds(string dataDirectory)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // Fields after the command name "(...)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }
            else if (ppid == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }
        return ticks / 100.0; // USER_HZ
    }

    /// <summary>Npgsql operations (one per command or batch sent: a round trip) of this process.</summary>
    internal sealed class RoundTripCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RoundTripCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Npgsql" && instrument.Name == "db.client.operation.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _count));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
