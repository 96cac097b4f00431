using System.Globalization;
using Dapper;
using Processes.Engine.Timers;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// What running Hangfire costs the shipped demand (issue 14): the shipped suite's demands, in one run, with the host's
/// timer paths off, on, off — off is the engine's timer scheduler alone; on adds an in-process Hangfire server with the
/// host's settings and the timer handover with its defaults (15 min horizon), the engine's scheduler as backstop.
/// The demand's SLA timers are working-time timers hours ahead, so the difference is mostly Hangfire's own polling
/// and bookkeeping on the shared database; the suite prints how many jobs Hangfire was handed.
/// </summary>
internal sealed class ShippedHangfireBenchmarks : IBenchmarkSuite
{
    public string Name => "shipped-hangfire";

    public string Description => "the shipped demand with Hangfire off, on, off in one run: demands/s and commits per demand";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var dataSource = database.DataSource;
        var engine = await ShippedBenchmarks.DeployShippedAsync(dataSource, cancellationToken);
        await ShippedBenchmarks.RunDemandsAsync(engine, dataSource, 50, cancellationToken); // warm-up: JIT, decision and definition caches
        var rates = new List<(bool Hangfire, double Rate)>();
        foreach (var hangfire in new[] { false, true, false })
        {
            using var stop = new CancellationTokenSource();
            var scheduler = new TimerScheduler(engine, new TimerSchedulerOptions { NodeId = "bench-shipped-timers", Concurrency = 4 });
            var loops = new List<Task> { Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None) };
            HangfireBenchmarks.HangfireNode? node = null;
            long jobsBefore = 0;
            if (hangfire)
            {
                node = await HangfireBenchmarks.HangfireNode.StartAsync(database.ConnectionString, cancellationToken);
                loops.Add(node.RunHandover(engine, TimeSpan.FromMinutes(15), stop.Token, new TimerHandoverOptions()));
                jobsBefore = await JobsAsync(database, cancellationToken);
            }
            var before = await CommitsAsync(dataSource, cancellationToken);
            var elapsed = await ShippedBenchmarks.RunDemandsAsync(engine, dataSource, ShippedBenchmarks.Demands, cancellationToken);
            var commits = await CommitsAsync(dataSource, cancellationToken) - before;
            var handed = hangfire ? await JobsAsync(database, cancellationToken) - jobsBefore : 0;
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            if (node is not null)
            {
                await node.DisposeAsync();
            }
            var rate = ShippedBenchmarks.Demands / elapsed.TotalSeconds;
            rates.Add((hangfire, rate));
            await output.WriteLineAsync(Line(
                $"  Hangfire {(hangfire ? "on " : "off")}: {rate,7:N1} demands/s   {commits.Per(ShippedBenchmarks.Demands, "demand")}{(hangfire ? $"   {handed} jobs handed to Hangfire" : "")}"));
        }
        var off = rates.Where(r => !r.Hangfire).Average(r => r.Rate);
        var on = rates.Single(r => r.Hangfire).Rate;
        await output.WriteLineAsync(Line($"  Hangfire on / off (mean of the two off rounds): {on / off:0.00}x"));
    }

    private static async Task<long> JobsAsync(BenchmarkDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM hangfire.job", cancellationToken: cancellationToken));
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return 0; // Hangfire has not installed its schema yet
        }
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
