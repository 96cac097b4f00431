using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>
/// The server-side session records behind the cookie. The cookie holds only the user id and the session id; the
/// row decides on every request whether the session still counts, so ending it takes effect on every host at once.
/// </summary>
internal static class SessionStore
{
    /// <summary>How long a session lives without a request (the cookie slides by the same time).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    /// <summary>A new random session id (256 bits, URL-safe Base64).</summary>
    public static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static async Task CreateAsync(NpgsqlConnection connection, string sessionId, long userId, string? remoteAddress, CancellationToken cancellationToken)
    {
        // Expired rows are swept here, at sign-in, rather than by a background job: sign-ins are rare enough.
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM user_session WHERE expires_at < now() - interval '1 day';
            INSERT INTO user_session (id_hash, user_id, expires_at, remote_address) VALUES (@hash, @userId, now() + @idle, @remoteAddress);
            """, new { hash = Hash(sessionId), userId, idle = IdleTimeout, remoteAddress }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The user id of a live session (not revoked, not expired), or null. Slides the expiry, writing at most once
    /// a minute per session so that a busy page does not turn every read into a write.
    /// </summary>
    public static Task<long?> FindLiveAsync(NpgsqlConnection connection, string sessionId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            WITH alive AS (
                SELECT id_hash, user_id, last_seen_at FROM user_session
                WHERE id_hash = @hash AND revoked_at IS NULL AND expires_at > now()
            ), touched AS (
                UPDATE user_session s SET last_seen_at = now(), expires_at = now() + @idle
                FROM alive a WHERE s.id_hash = a.id_hash AND a.last_seen_at < now() - interval '1 minute'
            )
            SELECT user_id FROM alive
            """, new { hash = Hash(sessionId), idle = IdleTimeout }, cancellationToken: cancellationToken));

    public static Task RevokeAsync(NpgsqlConnection connection, string sessionId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_session SET revoked_at = now() WHERE id_hash = @hash AND revoked_at IS NULL",
            new { hash = Hash(sessionId) }, cancellationToken: cancellationToken));

    /// <summary>Ends every session of the user, except <paramref name="keepSessionId"/> (the one changing its own password).</summary>
    public static Task RevokeAllAsync(NpgsqlTransaction transaction, long userId, string? keepSessionId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE user_session SET revoked_at = now()
            WHERE user_id = @userId AND revoked_at IS NULL AND (@keep::bytea IS NULL OR id_hash <> @keep)
            """, new { userId, keep = keepSessionId is null ? null : Hash(keepSessionId) }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The caller as of now, for long-running requests (event streams) that outlive the check made at their start:
    /// null once the session ended, the API key was revoked or the user was disabled; otherwise the current principal
    /// (roles and groups as stored now).
    /// </summary>
    public static async Task<ClaimsPrincipal?> RecheckAsync(NpgsqlConnection connection, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = IdentitySchemes.UserIdOf(principal);
        if (userId is null)
        {
            return null;
        }
        if (principal.FindFirstValue(IdentitySchemes.SessionClaim) is { } sessionId)
        {
            if (await FindLiveAsync(connection, sessionId, cancellationToken) != userId)
            {
                return null;
            }
            var user = await UserStore.FindAsync(connection, userId.Value, cancellationToken);
            return user is { Enabled: true } ? IdentitySchemes.PrincipalOf(user, IdentitySchemes.Cookie, sessionId: sessionId) : null;
        }
        if (long.TryParse(principal.FindFirstValue(IdentitySchemes.ApiKeyIdClaim), out var keyId))
        {
            var live = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM api_key WHERE id = @keyId AND user_id = @userId AND revoked_at IS NULL)",
                new { keyId, userId }, cancellationToken: cancellationToken));
            var user = live ? await UserStore.FindAsync(connection, userId.Value, cancellationToken) : null;
            return user is { Enabled: true } ? IdentitySchemes.PrincipalOf(user, IdentitySchemes.ApiKey, keyId) : null;
        }
        return null;
    }

    private static byte[] Hash(string sessionId) => SHA256.HashData(Encoding.UTF8.GetBytes(sessionId));
}
