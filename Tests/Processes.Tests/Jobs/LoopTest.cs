using System.Diagnostics;
using Dapper;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Tests.Execution;

namespace Processes.Tests.Jobs;

/// <summary>
/// Base of tests that run the executor, scheduler and heartbeat loops for real: engines on the system clock,
/// short intervals, loops started in the background and stopped (gracefully) at the end of each test.
/// </summary>
public abstract class LoopTest : EngineTest
{
    private readonly List<(CancellationTokenSource Stop, Task Loop)> _loops = [];

    private protected ProcessEngine RealEngine() => new(DataSource, Definitions, TimeProvider.System);

    /// <summary>Starts an instance on the system clock (the base class's engine runs on a manual one).</summary>
    private protected new async Task<long> StartAsync(string processId, System.Text.Json.Nodes.JsonObject? variables = null, string? businessKey = null)
    {
        var result = await RealEngine().CreateInstanceAsync(processId, null, variables, businessKey, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!.ProcessInstanceKey;
    }

    /// <summary>Starts an instance on the fixture's manual clock, for tests that move time by hand (<c>Engine</c>, <c>Clock</c>).</summary>
    private protected Task<long> StartOnClockAsync(string processId, System.Text.Json.Nodes.JsonObject? variables = null) =>
        base.StartAsync(processId, variables);

    /// <summary>
    /// Readiness signal instead of a sleep: waits until a connection of this fixture's database has run
    /// <c>LISTEN channel</c> since <paramref name="since"/> (the database's clock; pooled connections of earlier tests
    /// still show their old LISTEN).
    /// </summary>
    private protected async Task ListeningAsync(string channel, DateTime since) =>
        await UntilAsync(async () => await ScalarAsync<long>("""
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = @listen AND query_start >= @since
            """, new { listen = $"LISTEN {channel}", since }) > 0, 60, $"LISTEN {channel}");

    /// <summary>The database's clock now (for <see cref="ListeningAsync"/>).</summary>
    private protected Task<DateTime> DatabaseNowAsync() => ScalarAsync<DateTime>("SELECT now()");

    private protected static JobExecutorOptions FastExecutor(string node) => new()
    {
        NodeId = node,
        MaxConcurrency = 8,
        BatchSize = 16,
        MinPollInterval = TimeSpan.FromMilliseconds(20),
        MaxPollInterval = TimeSpan.FromMilliseconds(200),
        LeaseRecoveryInterval = TimeSpan.FromMilliseconds(200),
        MetricsFlushInterval = TimeSpan.FromMilliseconds(200),
        ShutdownTimeout = TimeSpan.FromSeconds(5),
        BackOff = new RetryBackOff(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), Jitter: 0),
    };

    /// <summary>Starts a loop; it is cancelled and awaited by <see cref="StopAsync"/> or at the end of the test.</summary>
    private protected (CancellationTokenSource Stop, Task Loop) Run(Func<CancellationToken, Task> loop)
    {
        var stop = new CancellationTokenSource();
        var entry = (stop, Task.Run(() => loop(stop.Token)));
        _loops.Add(entry);
        return entry;
    }

    private protected static async Task StopAsync((CancellationTokenSource Stop, Task Loop) entry)
    {
        await entry.Stop.CancelAsync();
        await entry.Loop.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [TearDown]
    public async Task StopLoops()
    {
        foreach (var entry in _loops)
        {
            if (!entry.Loop.IsCompleted)
            {
                await StopAsync(entry);
            }
            entry.Stop.Dispose();
        }
        _loops.Clear();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="seconds"/>.</summary>
    private protected static async Task UntilAsync(Func<Task<bool>> condition, double seconds = 10, string? because = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed.TotalSeconds > seconds)
            {
                Assert.Fail($"Not reached within {seconds} s: {because}");
            }
            await Task.Delay(25);
        }
    }

    private protected async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    private protected async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(sql, parameters);
    }
}
