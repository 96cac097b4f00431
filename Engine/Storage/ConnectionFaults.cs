using System.Net.Sockets;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// Tells a lost database (server restarted, stopped or unreachable) from other failures, and reacts to it the same
/// way everywhere. Npgsql does not clear its pool when the server restarts: every idle connection it holds is dead
/// and would fail one command each before the pool has new ones. The first failure that shows the server went away
/// clears the pool, so the next open reaches the server that came back.
/// </summary>
public static class ConnectionFaults
{
    /// <summary>Whether the connection (and so every pooled one to the same server) is gone, not just this command refused.</summary>
    public static bool IsBroken(Exception? exception) => exception switch
    {
        null => false,
        // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down)
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true,
        PostgresException => false,
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException or EndOfStreamException } => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsBroken),
        _ => exception.InnerException is { } inner && IsBroken(inner),
    };

    /// <summary>Clears the data source's pool when <paramref name="exception"/> shows the server went away; true when it did.</summary>
    public static bool ClearPoolIfBroken(NpgsqlDataSource dataSource, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!IsBroken(exception))
        {
            return false;
        }
        // Idle connections close now, those in use when they come back: none of them is handed out again.
        dataSource.Clear();
        return true;
    }
}

/// <summary>
/// The pause of a loop after a failed round: short at first, doubling up to a low cap, back to the start after a
/// round that worked. A loop that waited its normal interval (or more) after a lost database would notice the server's
/// return seconds late; trying every second costs one refused connection attempt per loop while it is down.
/// </summary>
internal sealed class FailurePause(TimeSpan first, TimeSpan max)
{
    private readonly TimeSpan _first = first;
    private TimeSpan _next = first;

    public static FailurePause Default() => new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    /// <summary>The pause before the next try (doubling up to the cap).</summary>
    public TimeSpan Next()
    {
        var pause = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, max.Ticks));
        return pause;
    }

    public void Reset() => _next = _first;
}
