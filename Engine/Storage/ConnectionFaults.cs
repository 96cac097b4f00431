using System.Net.Sockets;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The one answer to "is the database away?" (restarted, stopped, unreachable, or failing over to a standby), for the
/// engine's loops and the host's requests and services alike, and the same reaction everywhere. Npgsql does not clear
/// its pool when the server restarts: every idle connection it holds is dead and would fail one command each before the
/// pool has new ones; after a failover a multi-host data source also remembers the old roles of its hosts. The first
/// failure that shows the database away clears both, so the next open reaches the server that is (now) writable.
/// </summary>
public static class ConnectionFaults
{
    /// <summary>
    /// Whether the database is away — the connection (and so every pooled one to the same server) is gone, the server is
    /// unreachable, or a failover is in progress (<see cref="IsFailingOver"/>) — not just this command refused. All of
    /// them pass once the server is back or the standby promoted: the work is worth trying again.
    /// </summary>
    public static bool IsBroken(Exception? exception) => exception switch
    {
        null => false,
        // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down)
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true,
        _ when IsFailingOver(exception) => true,
        PostgresException => false,
        TimeoutException => true,
        NpgsqlException { InnerException: AggregateException perHost } => perHost.InnerExceptions.Count > 0 && perHost.InnerExceptions.All(IsBroken),
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException or EndOfStreamException } => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsBroken),
        _ => exception.InnerException is { } inner && IsBroken(inner),
    };

    /// <summary>
    /// Whether a failover between the hosts of a multi-host connection string (<c>Target Session Attributes=read-write</c>)
    /// is in progress: every host reachable but none writable yet ("No suitable host"), or a write refused by a promoted
    /// standby its failover manager still holds read-only (25006). Part of <see cref="IsBroken"/>; apart, because a
    /// failover lasts seconds where a restart's retry is a second.
    /// </summary>
    public static bool IsFailingOver(Exception? exception) => exception switch
    {
        null => false,
        PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction } => true,
        PostgresException => false,
        // Npgsql has no type or code for it: the message is the only mark (NpgsqlMultiHostDataSource, Npgsql 6 to 10).
        NpgsqlException { InnerException: null } e => e.Message.StartsWith("No suitable host", StringComparison.Ordinal),
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsFailingOver),
        _ => exception.InnerException is { } inner && IsFailingOver(inner),
    };

    /// <summary>
    /// Whether every connection of the pool was in use for the whole connect timeout: the database is busy, not away, so
    /// the pool is kept (clearing it would only close and reopen the busy connections); the request is still worth retrying.
    /// </summary>
    public static bool IsPoolExhausted(Exception? exception) => exception switch
    {
        null => false,
        NpgsqlException e when e is not PostgresException && e.Message.StartsWith("The connection pool has been exhausted", StringComparison.Ordinal) => true,
        _ => exception.InnerException is { } inner && IsPoolExhausted(inner),
    };

    /// <summary>
    /// Clears the data source's pool (and, with several hosts, the roles it remembers of them) when <paramref name="exception"/>
    /// shows the database away; true when it did.
    /// </summary>
    public static bool ClearPoolIfBroken(NpgsqlDataSource dataSource, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!IsBroken(exception) || IsPoolExhausted(exception))
        {
            return false;
        }
        // Idle connections close now, those in use when they come back: none of them is handed out again.
        dataSource.Clear();
        if (dataSource is NpgsqlMultiHostDataSource multiHost)
        {
            // Otherwise a standby seen read-only, or a primary seen offline, keeps its role for Host Recheck Seconds.
            multiHost.ClearDatabaseStates();
        }
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
