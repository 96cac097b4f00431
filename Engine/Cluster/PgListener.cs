using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Cluster;

/// <summary>
/// Holds one dedicated connection that LISTENs on a channel (and any <c>also</c> channels, which share the connection)
/// and passes each channel and payload on. Notifications only make
/// loops wake early: a lost connection (and the notifications sent meanwhile) costs latency, never work, because
/// every loop also polls. The connection is re-opened after a short pause (doubling up to a second while the server is
/// away) until cancelled; the first notification after a reconnect is an empty one, so the loops look at once.
/// </summary>
internal sealed class PgListener(NpgsqlDataSource dataSource, string channel, Action<string, string> onNotification, ILogger logger,
    params string[] also)
{
    public PgListener(NpgsqlDataSource dataSource, string channel, Action<string> onNotification, ILogger logger)
        : this(dataSource, channel, (_, payload) => onNotification(payload), logger)
    {
    }

    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pause = FailurePause.Default();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => onNotification(e.Channel, e.Payload);
                // The main channel last: a LISTEN on it in pg_stat_activity means every channel is listened to.
                foreach (var name in also.Append(channel))
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {name}", connection);
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
                pause.Reset();
                foreach (var name in also.Append(channel))
                {
                    onNotification(name, ""); // anything sent while not listening is caught by one extra poll
                }
                while (true)
                {
                    if (!await connection.WaitAsync(PingInterval, cancellationToken))
                    {
                        // Quiet for a while: a round trip proves the connection (and so the LISTEN) is still alive.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                ConnectionFaults.ClearPoolIfBroken(dataSource, e);
                var next = pause.Next();
                logger.LogWarning(e, "LISTEN {Channel} lost its connection; retrying in {Pause}", channel, next);
                try
                {
                    await Task.Delay(next, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
