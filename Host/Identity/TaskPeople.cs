using Dapper;
using Npgsql;

namespace Processes.Host.Identity;

/// <summary>A person the inbox may offer: the name the engine stores and the name people read.</summary>
public sealed record TaskPerson(string UserName, string DisplayName);

/// <summary>
/// Who may hold a task and who is on a supervisor's team, answered from identity's tables (users, groups and their
/// tenant memberships stay identity's): the inbox's reassign picker and team view ask here, the engine does the rest.
/// </summary>
internal sealed class TaskPeople(NpgsqlDataSource dataSource)
{
    // A user belongs to a tenant directly or through a group; one with no membership at all works in the default tenant.
    private const string InTenant = """
        (EXISTS (SELECT 1 FROM tenant_user tu WHERE tu.user_id = u.id AND tu.tenant_id = @tenantId)
         OR EXISTS (SELECT 1 FROM tenant_group tg JOIN user_group tug ON tug.group_id = tg.group_id WHERE tug.user_id = u.id AND tg.tenant_id = @tenantId)
         OR (@tenantId = '<default>' AND NOT EXISTS (SELECT 1 FROM tenant_user tu WHERE tu.user_id = u.id)
             AND NOT EXISTS (SELECT 1 FROM tenant_group tg JOIN user_group tug ON tug.group_id = tg.group_id WHERE tug.user_id = u.id)))
        """;

    /// <summary>
    /// The enabled users who may hold a task offered to <paramref name="groups"/> and <paramref name="users"/> in
    /// <paramref name="tenantId"/>: members of a candidate group or named candidates; a task offered to nobody in
    /// particular may go to anyone who works tasks. Ordered by name.
    /// </summary>
    public async Task<IReadOnlyList<TaskPerson>> EligibleAsync(IReadOnlyList<string> groups, IReadOnlyList<string> users, string tenantId,
        CancellationToken cancellationToken)
    {
        var anyone = groups.Count == 0 && users.Count == 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TaskPerson>(new CommandDefinition($"""
            SELECT u.user_name AS UserName, u.display_name AS DisplayName FROM app_user u
            WHERE u.enabled AND {InTenant} AND (
                (@anyone AND EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id AND r.role IN ('agent', 'supervisor', 'finance', 'admin')))
                OR lower(u.user_name) = ANY(@users)
                OR EXISTS (SELECT 1 FROM user_group ug JOIN app_group g ON g.id = ug.group_id WHERE ug.user_id = u.id AND lower(g.name) = ANY(@groups)))
            ORDER BY lower(u.user_name)
            LIMIT 500
            """, new
        {
            anyone,
            tenantId,
            users = users.Select(u => u.ToLowerInvariant()).ToArray(),
            groups = groups.Select(g => g.ToLowerInvariant()).ToArray(),
        }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>The enabled members of any of <paramref name="groups"/> (a supervisor's team), the supervisor left out.</summary>
    public async Task<IReadOnlyList<string>> TeamAsync(IReadOnlyList<string> groups, string supervisor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT DISTINCT u.user_name FROM app_user u JOIN user_group ug ON ug.user_id = u.id JOIN app_group g ON g.id = ug.group_id
            WHERE u.enabled AND lower(g.name) = ANY(@groups) AND lower(u.user_name) <> lower(@supervisor)
            """, new { groups = groups.Select(g => g.ToLowerInvariant()).ToArray(), supervisor }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
