using Npgsql;
using Processes.Host.Postgres;

namespace Processes.Host.Identity;

/// <summary>
/// LISTENs on <c>processes_identity</c>, which the identity tables' triggers (migration 0040) notify on every change
/// that matters to authentication — whichever host or tool made it — and clears the <see cref="IdentityCache"/>.
/// The cache serves only while this connection is up: a lost connection could mean missed notifications, so it
/// stops answering at once and starts empty after the reconnect.
/// </summary>
internal sealed partial class IdentityChangeListener(ProcessesDatabase database, IdentityCache cache, ILogger<IdentityChangeListener> logger)
    : BackgroundService
{
    public const string Channel = "processes_identity";
    // Short: while this is down every API key is checked in the database, and a restarted server is back in seconds.
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await database.WaitUntilStartedAsync(stoppingToken) is not { } dataSource)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Clear();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                cache.Listening = true;
                while (true)
                {
                    if (!await connection.WaitAsync(PingInterval, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                cache.Listening = false;
                Processes.Engine.Storage.ConnectionFaults.ClearPoolIfBroken(dataSource, e);
                LogLost(logger, e, ReconnectPause);
                await Task.Delay(ReconnectPause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                cache.Listening = false;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN processes_identity lost its connection; API keys are checked in the database until it is back (retry in {Pause})")]
    private static partial void LogLost(ILogger logger, Exception error, TimeSpan pause);
}
