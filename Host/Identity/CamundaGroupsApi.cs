using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;

namespace Processes.Host.Identity;

public sealed record CamundaGroupCreateRequest(string? GroupId, string? Name, string? Description);

public sealed record CamundaGroupUpdateRequest(string? Name, string? Description);

public sealed record CamundaGroupSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>Camunda's group: our group name is its <c>groupId</c> (what candidate groups name), the display name its <c>name</c>.</summary>
public sealed record CamundaGroupResult(
    string GroupId,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description);

public sealed record CamundaMemberResult(string Username);

/// <summary>
/// Camunda 8.8's <c>/v2/groups</c> over our groups, for admins as /api/groups is: create, search, get, update (name and
/// description; the id never changes, processes name it), delete (memberships go; tasks offered to the group keep the
/// name) and the users in it (add, remove, search), each change audited in its transaction and clearing the identity
/// cache. Adding a member twice changes nothing (204); removing a non-member is a 404.
/// </summary>
internal static class CamundaGroupsApi
{
    public static IEndpointRouteBuilder MapCamundaGroupsApi(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/v2/groups").WithTags("Group").RequireAuthorization(Policies.Admin);
        groups.MapPost("/", CreateAsync);
        groups.MapPost("/search", SearchAsync);
        groups.MapGet("/{groupId}", GetAsync);
        groups.MapPut("/{groupId}", UpdateAsync);
        groups.MapDelete("/{groupId}", DeleteAsync);
        groups.MapPut("/{groupId}/users/{username}", (string groupId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(groupId, username, add: true, http, dataSource, audit, ct));
        groups.MapDelete("/{groupId}/users/{username}", (string groupId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(groupId, username, add: false, http, dataSource, audit, ct));
        groups.MapPost("/{groupId}/users/search", MembersAsync);
        return app;
    }

    private static CamundaGroupResult Result(GroupSearchRow group) => new(group.GroupId, group.Name, group.Description);

    private static async Task<Results<Created<CamundaGroupResult>, ProblemHttpResult>> CreateAsync(CamundaGroupCreateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.Name("groupId", request.GroupId, errors);
        Fields(request.Name, request.Description, errors);
        if (errors.Count > 0)
        {
            return IdentityRequests.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await GroupStore.CreateAsync(transaction, request.GroupId!, request.Name!.Trim(), Description(request.Description), cancellationToken);
        if (id is null)
        {
            return IdentityRequests.AlreadyExists($"groupId: the group '{request.GroupId}' exists already (ids are compared ignoring case).");
        }
        await audit.RecordAsync(AuditEntry.For(http, "group.created", "group", Id(id.Value), new { Name = request.GroupId, DisplayName = request.Name!.Trim() }),
            transaction, cancellationToken);
        var group = (await GroupStore.FindAsync(connection, request.GroupId!, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v2/groups/{Uri.EscapeDataString(group.GroupId)}", Result(group));
    }

    private static async Task<Results<Ok<CamundaGroupResult>, ProblemHttpResult>> GetAsync(string groupId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GroupStore.FindAsync(connection, groupId, cancellationToken) is { } group ? TypedResults.Ok(Result(group)) : IdentityRequests.NoGroup(groupId);
    }

    private static async Task<Results<Ok<CamundaGroupResult>, ProblemHttpResult>> UpdateAsync(string groupId, CamundaGroupUpdateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Fields(request.Name, request.Description, errors);
        if (errors.Count > 0)
        {
            return IdentityRequests.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await GroupStore.UpdateAsync(transaction, groupId, request.Name!.Trim(), Description(request.Description), cancellationToken))
        {
            return IdentityRequests.NoGroup(groupId);
        }
        var group = (await GroupStore.FindAsync(connection, groupId, cancellationToken, transaction))!;
        await audit.RecordAsync(AuditEntry.For(http, "group.updated", "group", Id(group.Id), new { DisplayName = group.Name, group.Description }),
            transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.Ok(Result(group));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string groupId, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await GroupStore.DeleteAsync(transaction, groupId, cancellationToken) is not { } id)
        {
            return IdentityRequests.NoGroup(groupId);
        }
        await audit.RecordAsync(AuditEntry.For(http, "group.deleted", "group", Id(id), new { name = groupId }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SearchResponse<CamundaGroupResult>>, ProblemHttpResult>> SearchAsync(CamundaGroupSearchRequest? request,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(IdentityReadModels.Groups, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        return await CamundaSearch.RespondAsync(() => OwnedTableSearch.RunAsync(dataSource, IdentityReadModels.Groups, query, cancellationToken), query,
            r => Result(r));
    }

    private static async Task<Results<Ok<SearchResponse<CamundaMemberResult>>, ProblemHttpResult>> MembersAsync(string groupId, CamundaMemberSearchRequest? request,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            if (await GroupStore.FindAsync(connection, groupId, cancellationToken) is null)
            {
                return IdentityRequests.NoGroup(groupId);
            }
        }
        return await IdentityRequests.MembersAsync(IdentityReadModels.GroupMembers, "groupId", groupId.ToLowerInvariant(), request,
            r => new CamundaMemberResult(r.Username), dataSource, cancellationToken);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> MembershipAsync(string groupId, string username, bool add, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var outcome = add
            ? await GroupStore.AddMemberAsync(transaction, groupId, username, cancellationToken)
            : await GroupStore.RemoveMemberAsync(transaction, groupId, username, cancellationToken);
        switch (outcome)
        {
            case MembershipOutcome.NoGroup:
                return IdentityRequests.NoGroup(groupId);
            case MembershipOutcome.NoUser:
                return IdentityRequests.NoUser(username);
            case MembershipOutcome.Unchanged when !add:
                return CamundaResults.NotFound($"The user '{username}' is not a member of group '{groupId}'.");
            case MembershipOutcome.Changed:
                await audit.RecordAsync(AuditEntry.For(http, add ? "group.member-added" : "group.member-removed", "group", groupId, new { member = username }),
                    transaction, cancellationToken);
                break;
        }
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static void Fields(string? name, string? description, Dictionary<string, string[]> errors)
    {
        var named = new Dictionary<string, string[]>();
        UserValidation.DisplayName(name, named);
        foreach (var (_, messages) in named)
        {
            errors["name"] = messages;
        }
        if (description is { Length: > 2000 })
        {
            errors["description"] = ["At most 2000 characters."];
        }
    }

    private static string? Description(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
