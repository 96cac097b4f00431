using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

/// <summary>A group as the API shows it. The name is what processes use (candidate groups) and never changes.</summary>
public sealed record GroupView(long Id, string Name, string DisplayName, IReadOnlyList<string> Members, DateTime CreatedAt, int Version);

public sealed record CreateGroupRequest(string? Name, string? DisplayName);

public sealed record UpdateGroupRequest(string? DisplayName, int? Version);

/// <summary>/api/groups: groups and their members (membership is set per user, PUT /api/users/{id}/groups).</summary>
internal static class GroupsApi
{
    private const string Select = """
        SELECT g.id AS Id, g.name AS Name, g.display_name AS DisplayName,
               ARRAY(SELECT u.user_name FROM user_group ug JOIN app_user u ON u.id = ug.user_id
                     WHERE ug.group_id = g.id ORDER BY u.user_name) AS Members,
               g.created_at AS CreatedAt, g.version AS Version
        FROM app_group g
        """;

    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/api/groups").WithTags("Groups").RequireAuthorization(Policies.Admin);
        groups.MapGet("/", ListAsync);
        groups.MapGet("/{id:long}", GetAsync);
        groups.MapPost("/", CreateAsync);
        groups.MapPut("/{id:long}", UpdateAsync);
        groups.MapDelete("/{id:long}", DeleteAsync);
        return app;
    }

    private static async Task<Results<Ok<Page<GroupView>>, ProblemHttpResult>> ListAsync(
        string? after, string? limit, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (afterId, count) = Paging.Read(after, limit, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<GroupRow>(new CommandDefinition(
            Select + " WHERE g.id > @after ORDER BY g.id LIMIT @limit", new { after = afterId ?? 0, limit = count + 1 },
            cancellationToken: cancellationToken))).ToList();
        return TypedResults.Ok(Paging.PageOf(rows, count, r => r.Id, r => r.ToView()));
    }

    private static async Task<Results<Ok<GroupView>, ProblemHttpResult>> GetAsync(
        long id, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var group = await FindAsync(connection, id, null, cancellationToken);
        return group is null ? Problems.NotFound("group", id) : WithETag(http, group);
    }

    private static async Task<Results<Created<GroupView>, ProblemHttpResult>> CreateAsync(
        CreateGroupRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.Name("name", request.Name, errors);
        UserValidation.DisplayName(request.DisplayName, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO app_group (name, display_name) VALUES (@Name, @DisplayName)
            ON CONFLICT ((lower(name))) DO NOTHING RETURNING id
            """, new { request.Name, DisplayName = request.DisplayName!.Trim() }, transaction, cancellationToken: cancellationToken));
        if (id is null)
        {
            return Problems.Conflict("name", $"The group name '{request.Name}' is taken (names are compared ignoring case).");
        }
        await audit.RecordAsync(AuditEntry.For(http, "group.created", "group", Id(id.Value), new { request.Name, request.DisplayName }), transaction, cancellationToken);
        var group = (await FindAsync(connection, id.Value, transaction, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        http.Response.Headers.ETag = Versions.ETag(group.Version);
        return TypedResults.Created($"/api/groups/{id}", group);
    }

    private static async Task<Results<Ok<GroupView>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateGroupRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.DisplayName(request.DisplayName, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var (expected, fromIfMatch) = Versions.Read(http.Request, request.Version);
        if (expected is null && !fromIfMatch)
        {
            return Problems.VersionRequired("group");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var version = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT version FROM app_group WHERE id = @id FOR UPDATE", new { id }, transaction, cancellationToken: cancellationToken));
        if (version is null)
        {
            return Problems.NotFound("group", id);
        }
        if (expected is not null && version != expected)
        {
            return Problems.Stale("group", fromIfMatch);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE app_group SET display_name = @displayName, version = version + 1 WHERE id = @id",
            new { id, displayName = request.DisplayName!.Trim() }, transaction, cancellationToken: cancellationToken));
        await audit.RecordAsync(AuditEntry.For(http, "group.updated", "group", Id(id), new { request.DisplayName }), transaction, cancellationToken);
        var group = (await FindAsync(connection, id, transaction, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return WithETag(http, group);
    }

    /// <summary>Deleting a group ends its memberships; tasks already offered to it keep the name.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        long id, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var name = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "DELETE FROM app_group WHERE id = @id RETURNING name", new { id }, transaction, cancellationToken: cancellationToken));
        if (name is null)
        {
            return Problems.NotFound("group", id);
        }
        await audit.RecordAsync(AuditEntry.For(http, "group.deleted", "group", Id(id), new { name }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<GroupView?> FindAsync(NpgsqlConnection connection, long id, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        (await connection.QuerySingleOrDefaultAsync<GroupRow>(new CommandDefinition(
            Select + " WHERE g.id = @id", new { id }, transaction, cancellationToken: cancellationToken)))?.ToView();

    private static Ok<GroupView> WithETag(HttpContext http, GroupView group)
    {
        http.Response.Headers.ETag = Versions.ETag(group.Version);
        return TypedResults.Ok(group);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private sealed class GroupRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string[] Members { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public int Version { get; init; }

        public GroupView ToView() => new(Id, Name, DisplayName, Members, DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc), Version);
    }
}
