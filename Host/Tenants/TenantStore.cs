using Dapper;
using Npgsql;

namespace Processes.Host.Tenants;

/// <summary>A tenant as the admin API shows it: id, name, and its members (users directly, and groups).</summary>
public sealed record TenantView(string Id, string Name, DateTime CreatedAt, IReadOnlyList<string> Users, IReadOnlyList<string> Groups)
{
    /// <summary>What the tenant is for (Camunda's tenant description); absent when none was given.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }
}

/// <summary>A tenant as a member sees it: the switcher's entries.</summary>
public sealed record TenantEntry(string Id, string Name);

/// <summary>
/// The SQL of tenants and their memberships (<c>tenant</c>, <c>tenant_user</c>, <c>tenant_group</c>). Writes take the
/// caller's transaction so the audit row joins it. What a tenant holds (deployments, instances) is the engine's to say.
/// </summary>
internal static class TenantStore
{
    private const string Select = """
        SELECT t.id AS Id, t.name AS Name, t.description AS Description, t.created_at AS CreatedAt,
               ARRAY(SELECT u.user_name FROM tenant_user tu JOIN app_user u ON u.id = tu.user_id WHERE tu.tenant_id = t.id ORDER BY lower(u.user_name)) AS Users,
               ARRAY(SELECT g.name FROM tenant_group tg JOIN app_group g ON g.id = tg.group_id WHERE tg.tenant_id = t.id ORDER BY lower(g.name)) AS Groups
        FROM tenant t
        """;

    public static async Task<IReadOnlyList<TenantView>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        [.. (await connection.QueryAsync<Row>(new CommandDefinition(Select + " ORDER BY t.id", cancellationToken: cancellationToken))).Select(r => r.View())];

    public static async Task<TenantView?> FindAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        (await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select + " WHERE t.id = @id", new { id }, transaction,
            cancellationToken: cancellationToken)))?.View();

    /// <summary>The entries of <paramref name="ids"/> (every tenant when null), ordered by id; unknown ids are left out.</summary>
    public static async Task<IReadOnlyList<TenantEntry>> EntriesAsync(NpgsqlConnection connection, IReadOnlyList<string>? ids, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<TenantEntry>(new CommandDefinition(
            "SELECT id AS Id, name AS Name FROM tenant WHERE @ids::text[] IS NULL OR id = ANY(@ids) ORDER BY id",
            new { ids = ids?.ToArray() }, cancellationToken: cancellationToken))];

    /// <summary>The ids among <paramref name="ids"/> that name no tenant.</summary>
    public static async Task<IReadOnlyList<string>> UnknownAsync(NpgsqlConnection connection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var known = await connection.QueryAsync<string>(new CommandDefinition("SELECT id FROM tenant WHERE id = ANY(@ids)", new { ids = ids.ToArray() },
            cancellationToken: cancellationToken));
        return [.. ids.Except(known, StringComparer.Ordinal)];
    }

    /// <summary>False when the id is taken.</summary>
    public static async Task<bool> CreateAsync(NpgsqlTransaction transaction, string id, string name, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO tenant (id, name) VALUES (@id, @name) ON CONFLICT (id) DO NOTHING", new { id, name }, transaction,
            cancellationToken: cancellationToken)) == 1;

    public static async Task<bool> RenameAsync(NpgsqlTransaction transaction, string id, string name, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("UPDATE tenant SET name = @name WHERE id = @id", new { id, name }, transaction,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>Sets the description (null: none); false when the tenant does not exist.</summary>
    public static async Task<bool> DescribeAsync(NpgsqlTransaction transaction, string id, string? description, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("UPDATE tenant SET description = @description WHERE id = @id",
            new { id, description }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Deletes the tenant and its memberships (the caller checked it holds nothing); false when it does not exist.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlTransaction transaction, string id, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition("DELETE FROM tenant WHERE id = @id", new { id }, transaction,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>Locks the tenant row until the commit (a deletion waits for, and is not overtaken by, a membership change); false when absent.</summary>
    public static async Task<bool> LockAsync(NpgsqlTransaction transaction, string id, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT id FROM tenant WHERE id = @id FOR UPDATE", new { id }, transaction,
            cancellationToken: cancellationToken)) is not null;

    /// <summary>Adds a user (by name, any case) to a tenant; null when no such user, else whether it was new.</summary>
    public static Task<bool?> AddUserAsync(NpgsqlTransaction transaction, string id, string userName, CancellationToken cancellationToken) =>
        ChangeAsync(transaction, "SELECT id FROM app_user WHERE lower(user_name) = lower(@name)",
            "INSERT INTO tenant_user (tenant_id, user_id) VALUES (@id, @member) ON CONFLICT DO NOTHING", id, userName, cancellationToken);

    public static Task<bool?> RemoveUserAsync(NpgsqlTransaction transaction, string id, string userName, CancellationToken cancellationToken) =>
        ChangeAsync(transaction, "SELECT id FROM app_user WHERE lower(user_name) = lower(@name)",
            "DELETE FROM tenant_user WHERE tenant_id = @id AND user_id = @member", id, userName, cancellationToken);

    public static Task<bool?> AddGroupAsync(NpgsqlTransaction transaction, string id, string groupName, CancellationToken cancellationToken) =>
        ChangeAsync(transaction, "SELECT id FROM app_group WHERE lower(name) = lower(@name)",
            "INSERT INTO tenant_group (tenant_id, group_id) VALUES (@id, @member) ON CONFLICT DO NOTHING", id, groupName, cancellationToken);

    public static Task<bool?> RemoveGroupAsync(NpgsqlTransaction transaction, string id, string groupName, CancellationToken cancellationToken) =>
        ChangeAsync(transaction, "SELECT id FROM app_group WHERE lower(name) = lower(@name)",
            "DELETE FROM tenant_group WHERE tenant_id = @id AND group_id = @member", id, groupName, cancellationToken);

    private static async Task<bool?> ChangeAsync(NpgsqlTransaction transaction, string findMember, string change, string id, string name,
        CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(findMember, new { name }, transaction, cancellationToken: cancellationToken)) is not { } member)
        {
            return null;
        }
        return await connection.ExecuteAsync(new CommandDefinition(change, new { id, member }, transaction, cancellationToken: cancellationToken)) == 1;
    }

    // Dapper maps the row by property names; the arrays are text[] columns.
    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Description { get; init; }
        public DateTime CreatedAt { get; init; }
        public string[] Users { get; init; } = [];
        public string[] Groups { get; init; } = [];

        public TenantView View() => new(Id, Name, DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc), Users, Groups) { Description = Description };
    }
}
