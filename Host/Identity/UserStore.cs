using Dapper;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>A user as stored, with its roles and group names. Never leaves the host as is (it holds the hash).</summary>
internal sealed class UserRecord
{
    public long Id { get; init; }
    public string UserName { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string? Email { get; init; }
    public string? PasswordHash { get; init; }
    public bool Enabled { get; init; }
    public Guid SecurityStamp { get; init; }
    public bool PasswordChangeRequired { get; init; }
    public int FailedLogins { get; init; }
    public DateTime? LockedUntil { get; init; }
    public DateTime CreatedAt { get; init; }
    public int Version { get; init; }
    public string[] Roles { get; init; } = [];
    public string[] Groups { get; init; } = [];

    /// <summary>The tenants the user belongs to, directly or through a group; empty: the default tenant only.</summary>
    public string[] Tenants { get; init; } = [];

    public UserView ToView() => new(Id, UserName, DisplayName, Email, Enabled, PasswordHash is not null, Roles, Groups,
        DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc), Version, Tenants.Length > 0 ? Tenants : [Processes.Engine.Visibility.TenantIds.Default]);
}

/// <summary>
/// A user as the API shows it. <c>Tenants</c> are those the user works in — directly or through a group; a user of no
/// tenant works in the default one, so the list is never empty (an admin sees every tenant whatever it says).
/// </summary>
public sealed record UserView(
    long Id, string UserName, string DisplayName, string? Email, bool Enabled, bool HasPassword,
    IReadOnlyList<string> Roles, IReadOnlyList<string> Groups, DateTime CreatedAt, int Version, IReadOnlyList<string> Tenants);

internal enum WriteOutcome
{
    Done,
    NotFound,
    Stale,
}

/// <summary>The SQL of users, roles and memberships. Writes take the caller's transaction so the audit row joins it.</summary>
internal static class UserStore
{
    private const string Select = """
        SELECT u.id AS Id, u.user_name AS UserName, u.display_name AS DisplayName, u.email AS Email,
               u.password_hash AS PasswordHash, u.enabled AS Enabled, u.security_stamp AS SecurityStamp,
               u.password_change_required AS PasswordChangeRequired, u.failed_logins AS FailedLogins, u.locked_until AS LockedUntil, u.created_at AS CreatedAt, u.version AS Version,
               ARRAY(SELECT r.role FROM user_role r WHERE r.user_id = u.id ORDER BY r.role) AS Roles,
               ARRAY(SELECT g.name FROM user_group ug JOIN app_group g ON g.id = ug.group_id
                     WHERE ug.user_id = u.id ORDER BY g.name) AS Groups,
               ARRAY(SELECT tu.tenant_id FROM tenant_user tu WHERE tu.user_id = u.id
                     UNION SELECT tg.tenant_id FROM tenant_group tg JOIN user_group tug ON tug.group_id = tg.group_id WHERE tug.user_id = u.id
                     ORDER BY 1) AS Tenants
        FROM app_user u
        """;

    public static Task<UserRecord?> FindAsync(NpgsqlConnection connection, long id, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(
            Select + " WHERE u.id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static Task<UserRecord?> FindByNameAsync(NpgsqlConnection connection, string userName, CancellationToken cancellationToken,
        NpgsqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(
            Select + " WHERE lower(u.user_name) = lower(@userName)", new { userName }, transaction, cancellationToken: cancellationToken));

    /// <summary>A page of users by id; <paramref name="search"/> matches a part of the user name, display name or e-mail, ignoring case.</summary>
    public static async Task<IReadOnlyList<UserRecord>> ListAsync(NpgsqlConnection connection, long after, int limit, string? search, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<UserRecord>(new CommandDefinition(
            Select + """
                 WHERE u.id > @after
                   AND (@pattern::text IS NULL OR u.user_name ILIKE @pattern OR u.display_name ILIKE @pattern OR u.email ILIKE @pattern)
                 ORDER BY u.id LIMIT @limit
                """,
            new { after, limit, pattern = search is null ? null : "%" + LikeEscaped(search) + "%" }, cancellationToken: cancellationToken))];

    // A search for "a_b" or "50%" means those characters, not LIKE's wildcards.
    private static string LikeEscaped(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>Inserts the user; null when the name is taken (case-insensitively).</summary>
    public static async Task<long?> InsertAsync(NpgsqlTransaction transaction, string userName, string displayName, string? email,
        string? passwordHash, bool passwordChangeRequired, CancellationToken cancellationToken)
    {
        return await transaction.Connection!.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO app_user (user_name, display_name, email, password_hash, password_change_required)
            VALUES (@userName, @displayName, @email, @passwordHash, @passwordChangeRequired)
            ON CONFLICT ((lower(user_name))) DO NOTHING
            RETURNING id
            """, new { userName, displayName, email, passwordHash, passwordChangeRequired }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Bumps the version when the expected one (if any) is current; the outcome says why not otherwise.</summary>
    public static async Task<WriteOutcome> TouchAsync(NpgsqlTransaction transaction, long id, int? expectedVersion, CancellationToken cancellationToken)
    {
        var version = await transaction.Connection!.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT version FROM app_user WHERE id = @id FOR UPDATE", new { id }, transaction, cancellationToken: cancellationToken));
        if (version is null)
        {
            return WriteOutcome.NotFound;
        }
        if (expectedVersion is not null && expectedVersion != version)
        {
            return WriteOutcome.Stale;
        }
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE app_user SET version = version + 1 WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        return WriteOutcome.Done;
    }

    public static Task UpdateProfileAsync(NpgsqlTransaction transaction, long id, string displayName, string? email, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE app_user SET display_name = @displayName, email = @email WHERE id = @id",
            new { id, displayName, email }, transaction, cancellationToken: cancellationToken));

    /// <summary>Disabling ends every session of the user (and rotates the stamp, which API clients may watch).</summary>
    public static async Task SetEnabledAsync(NpgsqlTransaction transaction, long id, bool enabled, CancellationToken cancellationToken)
    {
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE app_user SET enabled = @enabled, failed_logins = 0, locked_until = NULL,
                   security_stamp = CASE WHEN @enabled THEN security_stamp ELSE gen_random_uuid() END
            WHERE id = @id
            """, new { id, enabled }, transaction, cancellationToken: cancellationToken));
        if (!enabled)
        {
            await SessionStore.RevokeAllAsync(transaction, id, keepSessionId: null, cancellationToken);
        }
    }

    /// <summary>
    /// A new password ends every session but <paramref name="keepSessionId"/> (the user's own, changing it);
    /// <paramref name="changeRequired"/> when someone else chose it.
    /// </summary>
    public static async Task SetPasswordAsync(NpgsqlTransaction transaction, long id, string passwordHash, bool changeRequired,
        string? keepSessionId, CancellationToken cancellationToken)
    {
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE app_user SET password_hash = @passwordHash, password_change_required = @changeRequired,
                   security_stamp = gen_random_uuid(), failed_logins = 0, locked_until = NULL
            WHERE id = @id
            """, new { id, passwordHash, changeRequired }, transaction, cancellationToken: cancellationToken));
        await SessionStore.RevokeAllAsync(transaction, id, keepSessionId, cancellationToken);
    }

    /// <summary>Lifts the account lock and forgets the failures (the admin's unlock).</summary>
    public static Task UnlockAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = @id",
            new { id }, transaction, cancellationToken: cancellationToken));

    public static async Task SetRolesAsync(NpgsqlTransaction transaction, long id, IReadOnlyCollection<string> roles, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_role WHERE user_id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO user_role (user_id, role) SELECT @id, unnest(@roles)", new { id, roles = roles.ToArray() }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Gives or takes one role; whether that changed anything.</summary>
    public static async Task<bool> SetRoleAsync(NpgsqlTransaction transaction, long id, string role, bool held, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(held
            ? "INSERT INTO user_role (user_id, role) VALUES (@id, @role) ON CONFLICT DO NOTHING"
            : "DELETE FROM user_role WHERE user_id = @id AND role = @role", new { id, role }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Deletes the user with its roles, memberships, API keys and sessions (they cascade); false when there is none.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "DELETE FROM app_user WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Whether some enabled user still holds the admin role (a change leaving none is refused: nobody could administer the server).</summary>
    public static Task<bool> AnyEnabledAdminAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM user_role r JOIN app_user u ON u.id = r.user_id WHERE r.role = 'admin' AND u.enabled)
            """, transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>Replaces the memberships; returns the names that match no group (nothing is changed then).</summary>
    public static async Task<IReadOnlyList<string>> SetGroupsAsync(NpgsqlTransaction transaction, long id, IReadOnlyList<string> groups, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var found = (await connection.QueryAsync<(long Id, string Name)>(new CommandDefinition(
            "SELECT id, lower(name) FROM app_group WHERE lower(name) = ANY(@names)",
            new { names = groups.Select(g => g.ToLowerInvariant()).ToArray() }, transaction, cancellationToken: cancellationToken))).ToList();
        var unknown = groups.Where(g => found.All(f => f.Name != g.ToLowerInvariant())).ToList();
        if (unknown.Count > 0)
        {
            return unknown;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_group WHERE user_id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO user_group (user_id, group_id) SELECT @id, unnest(@ids) ON CONFLICT DO NOTHING",
            new { id, ids = found.Select(f => f.Id).ToArray() }, transaction, cancellationToken: cancellationToken));
        return [];
    }

    /// <summary>Counts a failed sign-in; the threshold-th failure in a row locks the account for the given time.</summary>
    public static Task<DateTime?> RecordFailedLoginAsync(NpgsqlConnection connection, long id, int threshold, TimeSpan lockout, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            UPDATE app_user
            SET failed_logins = CASE WHEN failed_logins + 1 >= @threshold THEN 0 ELSE failed_logins + 1 END,
                locked_until = CASE WHEN failed_logins + 1 >= @threshold THEN now() + @lockout ELSE locked_until END
            WHERE id = @id
            RETURNING locked_until
            """, new { id, threshold, lockout }, cancellationToken: cancellationToken));

    /// <summary>
    /// Clears the failure count; stores the new hash when the old one used outdated parameters. A lock in force stays:
    /// this sign-in came from an address the lock spares, and the lock is for the others.
    /// </summary>
    public static Task RecordSuccessfulLoginAsync(NpgsqlConnection connection, long id, string? rehashed, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE app_user SET failed_logins = 0, locked_until = CASE WHEN locked_until > now() THEN locked_until END,
                   password_hash = coalesce(@rehashed, password_hash)
            WHERE id = @id
            """, new { id, rehashed }, cancellationToken: cancellationToken));
}
