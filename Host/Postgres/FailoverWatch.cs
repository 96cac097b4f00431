using Npgsql;

namespace Processes.Host.Postgres;

/// <summary>
/// With several hosts in <c>ConnectionStrings:Processes</c> (an HA pair), a round trip every second through the engine's
/// data source. Npgsql remembers each server's role (offline, standby, read-only) for <c>Host Recheck Seconds</c> and keeps
/// idle connections opened before a promotion; measured on a pg_auto_failover pair, a data source could go on answering
/// "No suitable host was found" for over a minute after the standby took writes. When the round trip fails for a
/// failover's reasons, the remembered roles and the idle connections (the engine's and Hangfire's) are dropped, so the
/// next open asks the servers again: service resumes within about a second of the promotion.
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
            catch (Exception e) when (ProcessesDatabase.IsTransient(e))
            {
                if (!failing)
                {
                    failing = true;
                    LogNoWritableHost(logger, e.Message);
                }
                multiHost.ClearDatabaseStates();
                multiHost.Clear();
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
