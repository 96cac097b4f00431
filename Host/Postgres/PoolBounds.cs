using System.Text.RegularExpressions;
using Npgsql;

namespace Processes.Host.Postgres;

/// <summary>
/// What one host may take from the server: the engine's pool and Hangfire's (Hangfire opens from a string of its own),
/// unless the connection string sets its own sizes. Npgsql's default (100 per pool) lets one host alone fill a server's
/// default <c>max_connections</c> (100) under a retry storm; then nothing else — another host, an operator's psql —
/// gets in. Bounded, a request beyond the pool waits for a connection in memory (up to the string's <c>Timeout</c>, then
/// 503 with Retry-After). Idle connections close after a minute instead of Npgsql's five, so a burst's connections do
/// not keep the server full long after it. Size the server for it: <c>max_connections</c> ≥ hosts × 40 + a reserve.
/// A bound this low holds because a command needs one connection: its look-ups read on it (<c>CommandConnection</c>);
/// when they took a second one, a burst as large as the pool starved it (FailoverTests, 2026-12-07).
/// </summary>
internal static partial class PoolBounds
{
    /// <summary>Requests, the job executor (16 at a time by default), timers, listeners and leases of one host.</summary>
    internal const int EnginePoolSize = 30;

    /// <summary>Hangfire's workers (4 by default), its schedule poller and long-poll listener.</summary>
    internal const int HangfirePoolSize = 10;

    internal const int IdleLifetimeSeconds = 60;

    /// <summary><paramref name="connectionString"/> with the host's bounds where it sets none.</summary>
    public static string Apply(string connectionString, int maxPoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!MaxPoolSize().IsMatch(connectionString))
        {
            builder.MaxPoolSize = Math.Max(maxPoolSize, builder.MinPoolSize);
        }
        if (!IdleLifetime().IsMatch(connectionString))
        {
            builder.ConnectionIdleLifetime = IdleLifetimeSeconds;
        }
        return builder.ConnectionString;
    }

    [GeneratedRegex(@"(^|;)\s*(max(imum)?\s*pool\s*size)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex MaxPoolSize();

    [GeneratedRegex(@"(^|;)\s*connection\s*idle\s*lifetime\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex IdleLifetime();
}
