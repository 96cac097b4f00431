using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Cluster;

/// <summary>
/// The node's one LISTEN connection: it LISTENs on every subscribed channel and passes each notification to that
/// channel's subscribers, so a host holds one listening backend however many loops and caches want to hear. Notifications
/// only make loops wake early and caches forget early: every loop also polls and every cache stops answering while the
/// connection is away (<see cref="INotificationSubscriber.Listening"/>). A lost connection is re-opened after a short
/// pause (doubling up to a second while the server is away) until cancelled; every channel is listened to again and
/// every subscriber told to resync, since notifications sent meanwhile were lost.
/// </summary>
internal sealed partial class NodeListener(NpgsqlDataSource dataSource, ILogger logger)
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, List<INotificationSubscriber>> _channels = new(StringComparer.Ordinal);
    private readonly List<INotificationSubscriber> _subscribers = [];
    private int _started;
    private volatile bool _listening;

    /// <summary>Whether every channel is listened to right now.</summary>
    public bool Listening => _listening;

    /// <summary>The channels, in the order they are listened to.</summary>
    public IReadOnlyCollection<string> Channels => _channels.Keys;

    /// <summary>Adds a subscriber; only before <see cref="RunAsync"/> (the LISTENs are issued when the connection opens).</summary>
    public void Subscribe(INotificationSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        if (!ChannelName().IsMatch(subscriber.Channel))
        {
            // The name goes into LISTEN's text: only a plain identifier is accepted.
            throw new ArgumentException($"'{subscriber.Channel}' is not a channel name (lower-case letters, digits and '_').", nameof(subscriber));
        }
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException("Subscribe before the listener runs: its LISTENs are issued when it connects.");
        }
        if (!_channels.TryGetValue(subscriber.Channel, out var list))
        {
            _channels[subscriber.Channel] = list = [];
        }
        list.Add(subscriber);
        _subscribers.Add(subscriber);
    }

    /// <summary>Listens until cancelled, reconnecting after failures; returns at once when nobody subscribed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The listener runs once.");
        }
        if (_channels.Count == 0)
        {
            return;
        }
        var pause = FailurePause.Default();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await ListenAsync(pause, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
                {
                    Lost();
                    ConnectionFaults.ClearPoolIfBroken(dataSource, e);
                    var next = pause.Next();
                    LogLost(logger, e, string.Join(", ", _channels.Keys), next);
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
        finally
        {
            Lost();
        }
    }

    private async Task ListenAsync(FailurePause pause, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
        foreach (var channel in _channels.Keys)
        {
            await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }
        pause.Reset();
        _listening = true;
        foreach (var subscriber in _subscribers)
        {
            Call(subscriber, s => s.Listening(true));
        }
        // Quiet for a while: a round trip proves the connection (and so the LISTENs) still alive. A LISTEN again (a
        // no-op for a channel listened to) rather than SELECT 1, so pg_stat_activity always shows this backend as one.
        var ping = $"LISTEN {_channels.Keys.Last()}";
        while (true)
        {
            if (!await connection.WaitAsync(PingInterval, cancellationToken))
            {
                await using var round = new NpgsqlCommand(ping, connection);
                await round.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private void Dispatch(string channel, string payload)
    {
        if (_channels.TryGetValue(channel, out var subscribers))
        {
            foreach (var subscriber in subscribers)
            {
                Call(subscriber, s => s.Notified(payload));
            }
        }
    }

    private void Lost()
    {
        if (!_listening)
        {
            return;
        }
        _listening = false;
        foreach (var subscriber in _subscribers)
        {
            Call(subscriber, s => s.Listening(false));
        }
    }

    /// <summary>One subscriber's fault is logged, never passed on: it must not cost the others their notifications.</summary>
    private void Call(INotificationSubscriber subscriber, Action<INotificationSubscriber> call)
    {
        try
        {
            call(subscriber);
        }
        catch (Exception e)
        {
            LogSubscriberFailed(logger, e, subscriber.Channel);
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex ChannelName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN ({Channels}) lost its connection; retrying in {Pause}")]
    private static partial void LogLost(ILogger logger, Exception error, string channels, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Error, Message = "A subscriber of {Channel} failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception error, string channel);
}
