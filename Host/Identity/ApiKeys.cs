using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKeyView(long Id, long UserId, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A new key: the only time the secret is shown.</summary>
public sealed record CreatedApiKey(long Id, long UserId, string Name, string Prefix, DateTime CreatedAt, string Secret);

/// <summary>
/// API keys <c>pk_&lt;prefix&gt;_&lt;secret&gt;</c>: the prefix (8 hex characters, not secret) finds the row, the secret
/// (32 random bytes) proves possession. Only SHA-256 of the secret is stored. A fast hash is enough here, unlike for
/// passwords: slow hashes exist to make guessing low-entropy human passwords expensive, and 256 random bits cannot be
/// guessed at any speed, so a stolen table reveals nothing usable — and checking a key on every request stays cheap.
/// </summary>
internal static class ApiKeys
{
    public const string Scheme = "pk";

    public static (string Prefix, string Secret, string Token) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return (prefix, secret, $"{Scheme}_{prefix}_{secret}");
    }

    /// <summary>Splits a presented token; false when it does not have the key's shape.</summary>
    public static bool TryParse(string token, out string prefix, out string secret)
    {
        prefix = secret = "";
        var parts = token.Split('_', 3);
        if (parts.Length != 3 || parts[0] != Scheme || parts[1].Length != 8 || parts[2].Length < 32)
        {
            return false;
        }
        (prefix, secret) = (parts[1], parts[2]);
        return true;
    }

    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static async Task<CreatedApiKey> InsertAsync(NpgsqlTransaction transaction, long userId, string name, CancellationToken cancellationToken)
    {
        var (prefix, secret, token) = Generate();
        var (id, createdAt) = await transaction.Connection!.QuerySingleAsync<(long, DateTime)>(new CommandDefinition("""
            INSERT INTO api_key (user_id, name, prefix, secret_hash) VALUES (@userId, @name, @prefix, @hash)
            RETURNING id, created_at
            """, new { userId, name, prefix, hash = HashSecret(secret) }, transaction, cancellationToken: cancellationToken));
        return new CreatedApiKey(id, userId, name, prefix, createdAt, token);
    }

    public static async Task<IReadOnlyList<ApiKeyView>> ListAsync(NpgsqlConnection connection, long userId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<ApiKeyView>(new CommandDefinition("""
            SELECT id AS Id, user_id AS UserId, name AS Name, prefix AS Prefix, created_at AS CreatedAt,
                   last_used_at AS LastUsedAt, revoked_at AS RevokedAt
            FROM api_key WHERE user_id = @userId ORDER BY id
            """, new { userId }, cancellationToken: cancellationToken))];

    /// <summary>Revokes the key (idempotent); false when the user has no such key.</summary>
    public static async Task<bool> RevokeAsync(NpgsqlTransaction transaction, long userId, long keyId, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = @keyId AND user_id = @userId",
            new { userId, keyId }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>The enabled user owning a valid, unrevoked key; null for anything else.</summary>
    public static async Task<(UserRecord User, long KeyId)?> AuthenticateAsync(NpgsqlConnection connection, string token, CancellationToken cancellationToken)
    {
        if (!TryParse(token, out var prefix, out var secret))
        {
            return null;
        }
        var key = await connection.QuerySingleOrDefaultAsync<(long Id, long UserId, byte[]? Hash)>(new CommandDefinition(
            "SELECT id, user_id, secret_hash FROM api_key WHERE prefix = @prefix AND revoked_at IS NULL",
            new { prefix }, cancellationToken: cancellationToken));
        if (key.Hash is null || !CryptographicOperations.FixedTimeEquals(key.Hash, HashSecret(secret)))
        {
            return null;
        }
        var user = await UserStore.FindAsync(connection, key.UserId, cancellationToken);
        if (user is not { Enabled: true })
        {
            return null;
        }
        // At most one write a minute per key: "last used" is for spotting stale keys, not an access log.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE api_key SET last_used_at = now()
            WHERE id = @id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """, new { id = key.Id }, cancellationToken: cancellationToken));
        return (user, key.Id);
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
