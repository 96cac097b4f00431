using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>Sign-in throttling (section Processes:Identity:Throttle); the README explains the design.</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Wrong passwords in a row that lock the account, for addresses it has not recently signed in from.</summary>
    public int Threshold { get; set; } = 5;

    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed sign-ins from one address, across all accounts, before the address is blocked.</summary>
    public int AddressThreshold { get; set; } = 20;

    /// <summary>An address's failure count starts over once its last failure is this old.</summary>
    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first block; every further failure doubles it, up to <see cref="AddressMaxBlock"/>.</summary>
    public TimeSpan AddressBlock { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan AddressMaxBlock { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an address the account signed in from stays exempt from the account lock.</summary>
    public TimeSpan KnownAddressFor { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>
/// Per address and per account. The state lives in PostgreSQL, so it holds across hosts behind a load balancer.
/// An address that fails too often (any accounts: spraying) is blocked with a growing back-off. The account lock
/// still counts wrong passwords, but it does not apply where the account recently signed in successfully, so an
/// attacker's failures cannot keep a user (the admin above all) out from their usual address.
/// </summary>
internal sealed class SignInThrottle(IOptions<LoginThrottleOptions> options)
{
    private LoginThrottleOptions Options => options.Value;

    /// <summary>
    /// The address a throttle counts: the client's IP (after forwarded headers), IPv4-mapped IPv6 as IPv4, and IPv6 by
    /// its /64, since one client commonly holds a whole /64 and could otherwise rotate through it.
    /// </summary>
    public static string AddressOf(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null)
        {
            return "unknown";
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(ip))
        {
            var bytes = ip.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return ip.ToString();
    }

    /// <summary>Until when the address is blocked; null when it may try.</summary>
    public Task<DateTime?> BlockedUntilAsync(NpgsqlConnection connection, string address, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT blocked_until FROM sign_in_address WHERE remote_address = @address AND blocked_until > now()",
            new { address }, cancellationToken: cancellationToken));

    /// <summary>Counts a failure of the address; returns the block it earned, if any.</summary>
    public Task<DateTime?> RecordFailureAsync(NpgsqlConnection connection, string address, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            INSERT INTO sign_in_address AS a (remote_address, failures, last_failure_at) VALUES (@address, 1, now())
            ON CONFLICT (remote_address) DO UPDATE SET
                failures = CASE WHEN a.last_failure_at < now() - @window THEN 1 ELSE a.failures + 1 END,
                last_failure_at = now(),
                blocked_until = CASE WHEN (CASE WHEN a.last_failure_at < now() - @window THEN 1 ELSE a.failures + 1 END) >= @threshold
                    THEN now() + least(@block * power(2, least((CASE WHEN a.last_failure_at < now() - @window THEN 1 ELSE a.failures + 1 END) - @threshold, 30)), @max)
                    ELSE a.blocked_until END
            RETURNING CASE WHEN blocked_until > now() THEN blocked_until END
            """, new
        {
            address, window = Options.AddressWindow, threshold = Options.AddressThreshold, block = Options.AddressBlock, max = Options.AddressMaxBlock,
        }, cancellationToken: cancellationToken));

    /// <summary>True when the account signed in successfully from this address recently (the account lock does not apply).</summary>
    public Task<bool> IsKnownAsync(NpgsqlConnection connection, long userId, string address, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM sign_in_known_address
                           WHERE user_id = @userId AND remote_address = @address AND last_success_at > now() - @known)
            """, new { userId, address, known = Options.KnownAddressFor }, cancellationToken: cancellationToken));

    public Task RememberAsync(NpgsqlConnection connection, long userId, string address, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sign_in_known_address (user_id, remote_address) VALUES (@userId, @address)
            ON CONFLICT (user_id, remote_address) DO UPDATE SET last_success_at = now()
            """, new { userId, address }, cancellationToken: cancellationToken));
}
