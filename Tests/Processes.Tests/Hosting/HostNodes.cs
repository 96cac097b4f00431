using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Processes.Tests.Hosting;

/// <summary>
/// The host processes of a soak or fault suite on one database: started one after another (parallel start-ups on a
/// loaded 2-core machine starve each other past any timeout), SIGKILLed and replaced, and the suites' common ending —
/// wait until the instances settle, show the hosts' output when the run was not clean, stop them gracefully.
/// </summary>
internal sealed class HostNodes(string prefix, string connectionString, IReadOnlyDictionary<string, string> settings, TimeSpan hangGuard) : IDisposable
{
    private readonly List<HostNode> _hosts = [];

    /// <summary>How long one host may take to answer ready: a hang guard, generous for a loaded 2-core machine.</summary>
    public static readonly TimeSpan StartGuard = TimeSpan.FromMinutes(5);
    private int _generation;

    public IReadOnlyList<HostNode> All => _hosts;

    /// <summary>The hosts that answered ready and are alive: where a load sends its requests.</summary>
    public IReadOnlyList<Uri> ReadyUrls => [.. _hosts.Where(h => h.Ready).Select(h => h.Url)];

    /// <summary>Starts <paramref name="count"/> hosts, each waited for (readiness polled) before the next starts.</summary>
    public async Task StartAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var host = HostNode.Start($"{prefix}-{_hosts.Count}-0", connectionString, settings);
            _hosts.Add(host);
            await host.WaitReadyAsync(hangGuard, cancellationToken);
        }
    }

    /// <summary>
    /// SIGKILLs host <paramref name="index"/> and starts its replacement, which joins <see cref="ReadyUrls"/> once it
    /// answers ready (polled in the background, so the load carries on meanwhile).
    /// </summary>
    public async Task<HostNode> KillAndReplaceAsync(int index)
    {
        var victim = _hosts[index];
        await victim.KillAsync();
        victim.Dispose();
        var replacement = HostNode.Start($"{prefix}-{index}-{Interlocked.Increment(ref _generation)}", connectionString, settings);
        _hosts[index] = replacement;
        _ = replacement.WaitReadyAsync(hangGuard).ContinueWith(_ => { }, TaskScheduler.Default);
        return replacement;
    }

    /// <summary>Waits until every host answers ready (a replacement may still be starting).</summary>
    public Task WaitReadyAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_hosts.Select(h => h.WaitReadyAsync(hangGuard, cancellationToken)));

    /// <summary>
    /// Polls <paramref name="countSql"/> (what is not finished yet) until it is 0 or <paramref name="guard"/> passed; an
    /// unreachable database counts as not finished.
    /// </summary>
    public static async Task WaitUntilNoneAsync(NpgsqlDataSource dataSource, string countSql, TimeSpan guard, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < guard && await CountAsync(dataSource, countSql, cancellationToken) > 0)
        {
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>The suites' ending: the hosts' last output when the run was not clean, then a graceful stop of each.</summary>
    public async Task FinishAsync(bool clean, TextWriter log)
    {
        if (!clean)
        {
            foreach (var line in _hosts.SelectMany(h => h.Output).TakeLast(200))
            {
                await log.WriteLineAsync(line);
            }
        }
        foreach (var host in _hosts)
        {
            await host.StopAsync();
        }
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        _hosts.Clear();
    }

    /// <summary>The suites' host settings: calls to the effect counter, short leases and claims, quick reaping of a killed host.</summary>
    public static Dictionary<string, string> SuiteSettings(Uri effects) => new()
    {
        ["Processes__Activities__Http__AllowedHosts__0"] = $"127.0.0.1:{effects.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        ["Processes__Activities__Http__Retry__MaxRetries"] = "0",
        ["Processes__Activities__Http__Retry__Timeout"] = "00:00:10",
        // Short leases and claims, quick reaping: a killed host's work comes back within seconds.
        ["Processes__Engine__Jobs__LeaseTimeout"] = "00:00:15",
        ["Processes__Engine__Timers__ClaimTimeout"] = "00:00:15",
        ["Processes__Engine__Timers__SafetyPollInterval"] = "00:00:00.500",
        ["Processes__Engine__Cluster__HeartbeatInterval"] = "00:00:01",
        ["Processes__Engine__Cluster__DeadAfterMissedHeartbeats"] = "3",
    };

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, cancellationToken: cancellationToken));
        }
        catch (NpgsqlException)
        {
            if (dataSource is NpgsqlMultiHostDataSource multiHost)
            {
                // As the hosts' FailoverWatch does: roles remembered from before the promotion would keep us out.
                multiHost.ClearDatabaseStates();
                multiHost.Clear();
            }
            return long.MaxValue; // not reachable yet: keep waiting
        }
    }
}
