using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Audit;
using Processes.Host.Camunda;

namespace Processes.Host.Identity;

public sealed record CamundaRoleSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record CamundaRoleResult(string RoleId, string Name, string Description);

/// <summary>
/// Camunda 8.8's <c>/v2/roles</c> over our seven fixed roles (<see cref="Roles"/>), for admins: search and get, and which
/// users hold a role (give, take, search) — the same rows as <c>PUT /api/users/{id}/roles</c>, audited and clearing the
/// identity cache, and refused (409) when it would leave no enabled admin. Creating, renaming or deleting a role, and
/// roles of groups, tenants, clients or mapping rules, are answered by <see cref="CamundaIdentityUnsupported"/>.
/// </summary>
internal static class CamundaRolesApi
{
    /// <summary>What each role may, as the README's role table says it.</summary>
    private static readonly CamundaRoleResult[] Fixed =
    [
        new(Roles.Designer, "Designer", "Deploy and manage process definitions, forms, decisions."),
        new(Roles.Agent, "Agent", "Work own and group tasks."),
        new(Roles.Supervisor, "Supervisor", "Group tasks of others, reassignment, escalations, and everything an agent may."),
        new(Roles.Finance, "Finance", "Refund and settlement reviews: the task inbox, the user tasks and the process instances of their groups."),
        new(Roles.Admin, "Admin", "Users, groups, API keys, tenants, audit log, versions, and everything the other roles may."),
        new(Roles.Operator, "Operator", "Jobs, incidents, servers; reads every case without working its tasks."),
        new(Roles.Integration, "Integration", "A program acting on tasks: completes, assigns and reassigns any task for its assignee; reads every case."),
    ];

    public static IEndpointRouteBuilder MapCamundaRolesApi(this IEndpointRouteBuilder app)
    {
        var roles = app.MapGroup("/v2/roles").WithTags("Role").RequireAuthorization(Policies.Admin);
        roles.MapPost("/search", Search);
        roles.MapGet("/{roleId}", (string roleId) => Find(roleId) is { } role ? (IResult)TypedResults.Ok(role) : NoRole(roleId));
        roles.MapPut("/{roleId}/users/{username}", (string roleId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => HoldAsync(roleId, username, held: true, http, dataSource, audit, ct));
        roles.MapDelete("/{roleId}/users/{username}", (string roleId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => HoldAsync(roleId, username, held: false, http, dataSource, audit, ct));
        roles.MapPost("/{roleId}/users/search", (string roleId, CamundaMemberSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken ct) =>
            Find(roleId) is null
                ? Task.FromResult<Results<Ok<SearchResponse<CamundaMemberResult>>, ProblemHttpResult>>(NoRole(roleId))
                : IdentityRequests.MembersAsync(IdentityReadModels.RoleMembers, "roleId", roleId, request, r => new CamundaMemberResult(r.Username), dataSource, ct));
        return app;
    }

    private static CamundaRoleResult? Find(string roleId) => Fixed.FirstOrDefault(r => r.RoleId == roleId);

    private static ProblemHttpResult NoRole(string roleId) =>
        CamundaResults.NotFound($"No role '{roleId}' exists; the roles are fixed: {string.Join(", ", Roles.All)}.");

    /// <summary>Camunda's role filter: <c>roleId</c> and <c>name</c>, each a string to match exactly; the list is seven rows, filtered here.</summary>
    private static Results<Ok<SearchResponse<CamundaRoleResult>>, ProblemHttpResult> Search(CamundaRoleSearchRequest? request)
    {
        if (SearchPaging.Read(request?.Page) is not { } page)
        {
            return CamundaResults.BadRequest("page: the cursor was not issued by this API.");
        }
        IEnumerable<CamundaRoleResult> all = Fixed;
        if (request?.Filter is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } filter)
        {
            if (filter.ValueKind != JsonValueKind.Object)
            {
                return CamundaResults.BadRequest("filter must be an object of field names to values.");
            }
            foreach (var field in filter.EnumerateObject())
            {
                Func<CamundaRoleResult, string>? value = field.Name switch
                {
                    "roleId" => r => r.RoleId,
                    "name" => r => r.Name,
                    _ => null,
                };
                if (value is null)
                {
                    return CamundaResults.BadRequest($"filter.{field.Name} is not a field of roles; known fields: name, roleId.");
                }
                if (field.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (field.Value.ValueKind != JsonValueKind.String)
                {
                    return CamundaResults.BadRequest($"filter.{field.Name} must be a string.");
                }
                var wanted = field.Value.GetString();
                all = all.Where(r => value(r) == wanted);
            }
        }
        IOrderedEnumerable<CamundaRoleResult>? sorted = null;
        foreach (var (sort, i) in (request?.Sort ?? []).Select((s, i) => (s, i)))
        {
            Func<CamundaRoleResult, string>? field = sort.Field switch
            {
                "roleId" => r => r.RoleId,
                "name" => r => r.Name,
                _ => null,
            };
            if (field is null)
            {
                return CamundaResults.BadRequest($"sort[{i}].field: '{sort.Field}' is not a role sort field (name, roleId).");
            }
            var descending = (sort.Order ?? "ASC").ToUpperInvariant() switch
            {
                "ASC" => false,
                "DESC" => true,
                _ => (bool?)null,
            };
            if (descending is null)
            {
                return CamundaResults.BadRequest($"sort[{i}].order '{sort.Order}' is not ASC or DESC.");
            }
            sorted = sorted is null
                ? descending.Value ? all.OrderByDescending(field, StringComparer.Ordinal) : all.OrderBy(field, StringComparer.Ordinal)
                : descending.Value ? sorted.ThenByDescending(field, StringComparer.Ordinal) : sorted.ThenBy(field, StringComparer.Ordinal);
        }
        var list = (sorted ?? all.OrderBy(r => r.RoleId, StringComparer.Ordinal)).ToList();
        var items = list.Skip(page.Offset).Take(page.Limit).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, list.Count, page.Offset));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HoldAsync(string roleId, string username, bool held, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (Find(roleId) is null)
        {
            return NoRole(roleId);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await UserStore.FindByNameAsync(connection, username, cancellationToken, transaction) is not { } user ||
            await UserStore.TouchAsync(transaction, user.Id, null, cancellationToken) != WriteOutcome.Done)
        {
            return IdentityRequests.NoUser(username);
        }
        var changed = await UserStore.SetRoleAsync(transaction, user.Id, roleId, held, cancellationToken);
        if (!changed && !held)
        {
            return CamundaResults.NotFound($"The user '{username}' does not hold the role '{roleId}'.");
        }
        if (!await UserStore.AnyEnabledAdminAsync(transaction, cancellationToken))
        {
            return IdentityRequests.LastAdmin(username);
        }
        if (changed)
        {
            var roles = (await UserStore.FindAsync(connection, user.Id, cancellationToken, transaction))!.Roles;
            await audit.RecordAsync(AuditEntry.For(http, "user.roles_set", "user", user.Id.ToString(CultureInfo.InvariantCulture), new { roles }),
                transaction, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }
}
