using System.Diagnostics;
using System.Globalization;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Engine.Execution;
using Processes.Engine.Timers;
using Processes.Host.Hangfire;
using Processes.Host.Postgres;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// Timers through Hangfire next to the engine's own path in the same run: the same timers (one per instance, set
/// 15 s ahead, coming due at a steady rate) fired once by the engine's scheduler alone and once handed over to an
/// in-process Hangfire server (the host's storage, scheduler and firing job; the engine's scheduler as backstop) —
/// lateness p50/p99 and write transactions per instance.
/// </summary>
internal sealed class HangfireBenchmarks : IBenchmarkSuite
{
    private const int Timers = 150;
    private const int StartsPerSecond = 15;

    public string Name => "hangfire";

    public string Description => "timers through Hangfire vs the engine's own path in the same run: lateness, write transactions per timer";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;
        await using var hosted = await HangfireNode.StartAsync(database.ConnectionString, cancellationToken);

        var own = await TimersAsync(dataSource, "bench_timer_engine", null, cancellationToken);
        await output.WriteLineAsync(Line($"  engine's scheduler: {own}"));
        var viaHangfire = await TimersAsync(dataSource, "bench_timer_hangfire", hosted, cancellationToken);
        await output.WriteLineAsync(Line($"  through Hangfire:   {viaHangfire}"));
        await output.WriteLineAsync(Line(
            $"  Hangfire adds {viaHangfire.WritesPerInstance - own.WritesPerInstance:0.0} write transactions per fired timer; p99 lateness {viaHangfire.P99 / Math.Max(1, own.P99):0.0}x the engine's"));
    }

    private sealed record TimerFigures(int Fired, double P50, double P99, double WritesPerInstance)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Fired} timers, late p50 {P50,6:0} ms  p99 {P99,6:0} ms, {WritesPerInstance:0.0} write transactions per instance (start, timer, end)");
    }

    /// <summary>Starts instances at a steady rate, each waiting 15 s on a timer, and waits until all fired.</summary>
    private static async Task<TimerFigures> TimersAsync(NpgsqlDataSource dataSource, string processId, HangfireNode? hangfire, CancellationToken cancellationToken)
    {
        var engine = await DeployAsync(dataSource, Process(processId,
            "<bpmn:startEvent id=\"start\" /><bpmn:intermediateCatchEvent id=\"Sla\" name=\"SLA\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT15S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id=\"end\" />"
            + Flow("start", "Sla") + Flow("Sla", "end")), cancellationToken);
        using var stop = new CancellationTokenSource();
        // The engine's scheduler runs in both: alone, or as the backstop behind Hangfire (30 s grace).
        var scheduler = new TimerScheduler(engine, new TimerSchedulerOptions { NodeId = "bench-" + processId, Concurrency = 4 });
        var loops = new List<Task> { Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None) };
        if (hangfire is not null)
        {
            loops.Add(hangfire.RunHandover(engine, TimeSpan.FromMinutes(15), stop.Token));
        }
        var before = await CommitsAsync(dataSource, cancellationToken);
        var pace = Stopwatch.StartNew();
        for (var i = 0; i < Timers; i++)
        {
            var wait = TimeSpan.FromSeconds(i / (double)StartsPerSecond) - pace.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
            var started = await engine.CreateInstanceAsync(processId, null, null, null, cancellationToken);
            if (!started.Ok)
            {
                throw new InvalidOperationException(started.Message);
            }
        }
        Dictionary<long, DateTime> due;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<(long Key, DateTime DueAt)>(
                "SELECT t.key, t.due_at FROM timer t JOIN process_instance i ON i.key = t.process_instance_key WHERE i.bpmn_process_id = @processId", new { processId }))
                .ToDictionary(t => t.Key, t => t.DueAt);
        }
        var fired = $"SELECT count(*) FROM execution_history h JOIN process_instance i ON i.key = h.process_instance_key WHERE i.bpmn_process_id = '{processId}' AND h.event = 'TIMER_FIRED'";
        await WaitUntilAsync(dataSource, fired, Timers, TimeSpan.FromMinutes(3), cancellationToken);
        var commits = await CommitsAsync(dataSource, cancellationToken) - before;
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        var at = await read.QueryAsync<(long Key, DateTime At)>(
            "SELECT (h.details->>'timerKey')::bigint, h.at FROM execution_history h JOIN process_instance i ON i.key = h.process_instance_key WHERE i.bpmn_process_id = @processId AND h.event = 'TIMER_FIRED'",
            new { processId });
        var lateness = at.Where(f => due.ContainsKey(f.Key)).Select(f => (f.At - due[f.Key]).TotalMilliseconds).ToList();
        return new TimerFigures(lateness.Count, Measure.Percentile(lateness, 0.5), Measure.Percentile(lateness, 0.99), commits.Xids / (double)Timers);
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The host's Hangfire pieces in process: its storage (same schema and options), its scheduler and its firing job,
    /// a server with the host's settings (1 s schedule polling, 4 workers, long polling).
    /// </summary>
    internal sealed class HangfireNode : IAsyncDisposable
    {
        private readonly ProcessesDatabase _database;
        private readonly HangfireStorage _storage;
        private readonly BackgroundJobServer _server;
        private readonly HandoverActivator _activator;

        private HangfireNode(ProcessesDatabase database, HangfireStorage storage, HandoverActivator activator, BackgroundJobServer server)
        {
            _database = database;
            _storage = storage;
            _activator = activator;
            _server = server;
        }

        public static async Task<HangfireNode> StartAsync(string connectionString, CancellationToken cancellationToken)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Processes"] = connectionString }).Build();
            var database = new ProcessesDatabase(configuration, Options.Create(new EmbeddedPostgresOptions()), NullLoggerFactory.Instance);
            await database.EnsureStartedAsync().WaitAsync(cancellationToken);
            var options = new HangfireOptions { Enabled = true };
            var storage = new HangfireStorage(database, options);
            GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            var activator = new HandoverActivator();
            var server = new BackgroundJobServer(new BackgroundJobServerOptions
            {
                ServerName = "bench-hangfire", SchedulePollingInterval = options.SchedulePollingInterval, WorkerCount = options.WorkerCount, Activator = activator,
            }, storage);
            return new HangfireNode(database, storage, activator, server);
        }

        /// <summary>The dispatcher handing <paramref name="engine"/>'s timers over, until <paramref name="stop"/>.</summary>
        public Task RunHandover(ProcessEngine engine, TimeSpan horizon, CancellationToken stop, TimerHandoverOptions? options = null)
        {
            var handover = new TimerHandover(engine, new HangfireTimerScheduler(new BackgroundJobClient(_storage)), options ?? new TimerHandoverOptions
            {
                Horizon = horizon, MinimumLead = TimeSpan.FromSeconds(10), PollInterval = TimeSpan.FromMilliseconds(200),
            });
            _activator.Handover = handover;
            return Task.Run(async () =>
            {
                try
                {
                    await handover.RunAsync(stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            _server.SendStop();
            _server.Dispose();
            await _database.DisposeAsync();
        }
    }

    /// <summary>Builds the host's <see cref="TimerFiringJob"/> with the handover of the current measurement.</summary>
    private sealed class HandoverActivator : JobActivator
    {
        public TimerHandover? Handover { get; set; }

        public override object ActivateJob(Type jobType) => jobType == typeof(TimerFiringJob)
            ? new TimerFiringJob(new ServiceCollection().AddSingleton(Handover ?? throw new InvalidOperationException("No handover running.")).BuildServiceProvider())
            : base.ActivateJob(jobType);
    }
}
