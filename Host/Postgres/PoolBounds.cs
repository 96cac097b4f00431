using System.Text.RegularExpressions;
using Npgsql;

namespace Processes.Host.Postgres;

/// <summary>
/// What one host keeps from the server after a burst: idle connections close after a minute instead of Npgsql's five,
/// so the connections a burst opened (the retries after a failover) do not keep the server's <c>max_connections</c> full
/// long after it. The pool sizes stay the connection string's (Npgsql's default: 100 per pool, the engine's and
/// Hangfire's). Not lowered by default: a command takes a second connection for its look-ups (definitions, calendars,
/// decisions) while it holds its own, so a pool below about twice the commands in flight starves in a burst (measured in
/// FailoverTests with 30); size <c>max_connections</c> ≥ hosts × (engine + Hangfire <c>Max Pool Size</c>) + a reserve.
/// </summary>
internal static partial class PoolBounds
{
    internal const int IdleLifetimeSeconds = 60;

    /// <summary><paramref name="connectionString"/> with the host's idle lifetime where it sets none.</summary>
    public static string Apply(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!IdleLifetime().IsMatch(connectionString))
        {
            builder.ConnectionIdleLifetime = IdleLifetimeSeconds;
        }
        return builder.ConnectionString;
    }

    [GeneratedRegex(@"(^|;)\s*connection\s*idle\s*lifetime\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex IdleLifetime();
}
