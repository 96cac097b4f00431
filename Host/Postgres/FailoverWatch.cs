using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Host.Postgres;

/// <summary>
/// With several hosts in <c>ConnectionStrings:Processes</c> (an HA pair), a round trip every second through the engine's
/// data source. The engine's loops and the host's requests already forget the hosts' roles and idle connections of the
/// engine's data source on a failover's errors (<see cref="ConnectionFaults.ClearPoolIfBroken"/>). What this adds: the same
/// for Hangfire's pool, which Hangfire opens from a string of its own (Npgsql keeps it apart, out of the engine's reach),
/// and one log line when no host is writable and one when a host is again, rather than one per failed request.
/// </summary>
internal sealed partial class FailoverWatch(ProcessesDatabase database, ILogger<FailoverWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await database.WaitUntilStartedAsync(stoppingToken) is not NpgsqlMultiHostDataSource multiHost)
        {
            return; // one server: nothing to choose between
        }
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, stoppingToken);
                await using (var connection = await multiHost.OpenConnectionAsync(stoppingToken))
                await using (var ping = new NpgsqlCommand("SELECT 1", connection))
                {
                    await ping.ExecuteScalarAsync(stoppingToken);
                }
                if (failing)
                {
                    failing = false;
                    LogWritable(logger);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (ConnectionFaults.IsBroken(e))
            {
                if (!failing)
                {
                    failing = true;
                    LogNoWritableHost(logger, e.Message);
                }
                ConnectionFaults.ClearPoolIfBroken(multiHost, e);
                if (database.ConnectionString is { } hangfire)
                {
                    // Hangfire opens connections from the string: that pool is Npgsql's own, keyed by it.
                    await using var connection = new NpgsqlConnection(hangfire);
                    NpgsqlConnection.ClearPool(connection);
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "No writable database host ({Reason}); forgetting the hosts' roles and idle connections every second until one is.")]
    private static partial void LogNoWritableHost(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "A writable database host answers again.")]
    private static partial void LogWritable(ILogger logger);
}
