using Dapper;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>What a membership change found: the group, the user, and whether the membership changed.</summary>
internal enum MembershipOutcome
{
    Changed,
    Unchanged,
    NoGroup,
    NoUser,
}

/// <summary>
/// Groups by name, as Camunda's /v2/groups addresses them (our group name is its groupId, compared ignoring case as the
/// unique index does), with memberships by user name. Writes take the caller's transaction so the audit row joins it.
/// </summary>
internal static class GroupStore
{
    private const string Select = "SELECT g.id AS Id, g.name AS GroupId, g.display_name AS Name, g.description AS Description FROM app_group g";

    public static Task<GroupSearchRow?> FindAsync(NpgsqlConnection connection, string groupId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<GroupSearchRow>(new CommandDefinition(
            Select + " WHERE lower(g.name) = lower(@groupId)", new { groupId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Creates the group; null when the name is taken (ignoring case).</summary>
    public static Task<long?> CreateAsync(NpgsqlTransaction transaction, string groupId, string name, string? description, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO app_group (name, display_name, description) VALUES (@groupId, @name, @description)
            ON CONFLICT ((lower(name))) DO NOTHING RETURNING id
            """, new { groupId, name, description }, transaction, cancellationToken: cancellationToken));

    /// <summary>Renames (the display name) and describes the group, bumping its version; false when there is none.</summary>
    public static async Task<bool> UpdateAsync(NpgsqlTransaction transaction, string groupId, string name, string? description, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE app_group SET display_name = @name, description = @description, version = version + 1 WHERE lower(name) = lower(@groupId)
            """, new { groupId, name, description }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Deletes the group and its memberships (tasks offered to it keep the name); its id, or null when there is none.</summary>
    public static Task<long?> DeleteAsync(NpgsqlTransaction transaction, string groupId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<long?>(new CommandDefinition(
            "DELETE FROM app_group WHERE lower(name) = lower(@groupId) RETURNING id", new { groupId }, transaction, cancellationToken: cancellationToken));

    public static Task<MembershipOutcome> AddMemberAsync(NpgsqlTransaction transaction, string groupId, string userName, CancellationToken cancellationToken) =>
        ChangeMemberAsync(transaction, groupId, userName,
            "INSERT INTO user_group (user_id, group_id) VALUES (@userId, @groupKey) ON CONFLICT DO NOTHING", cancellationToken);

    public static Task<MembershipOutcome> RemoveMemberAsync(NpgsqlTransaction transaction, string groupId, string userName, CancellationToken cancellationToken) =>
        ChangeMemberAsync(transaction, groupId, userName, "DELETE FROM user_group WHERE user_id = @userId AND group_id = @groupKey", cancellationToken);

    private static async Task<MembershipOutcome> ChangeMemberAsync(NpgsqlTransaction transaction, string groupId, string userName, string change,
        CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        // The group row is locked so a deletion of the group waits for the change rather than crossing it.
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT id FROM app_group WHERE lower(name) = lower(@groupId) FOR UPDATE",
            new { groupId }, transaction, cancellationToken: cancellationToken)) is not { } groupKey)
        {
            return MembershipOutcome.NoGroup;
        }
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT id FROM app_user WHERE lower(user_name) = lower(@userName)",
            new { userName }, transaction, cancellationToken: cancellationToken)) is not { } userId)
        {
            return MembershipOutcome.NoUser;
        }
        return await connection.ExecuteAsync(new CommandDefinition(change, new { userId, groupKey }, transaction, cancellationToken: cancellationToken)) == 1
            ? MembershipOutcome.Changed
            : MembershipOutcome.Unchanged;
    }
}
