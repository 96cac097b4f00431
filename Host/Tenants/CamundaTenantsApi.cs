using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Tenants;

public sealed record TenantCreateRequest(string? TenantId, string? Name, string? Description);

public sealed record TenantUpdateRequest(string? Name, string? Description);

/// <summary>Camunda's tenant shape: no description is no <c>description</c> field (8.8's client schema refuses a null).</summary>
public sealed record TenantResult(
    string TenantId,
    string Name,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Description);

/// <summary>The filter stays raw JSON so a field Camunda's tenant filter does not have is a 400 naming it, as in every other search.</summary>
public sealed record TenantSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record TenantMemberSearchRequest(SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record TenantUserResult(string Username);

public sealed record TenantGroupResult(string GroupId);

/// <summary>
/// Camunda 8.8's <c>/v2/tenants</c> over our tenant data, for admins (Camunda's TENANT permissions are all admin's
/// here): create, get, update, delete, search, and assign/unassign/search users and groups. A user is named by user
/// name, a group by its name (our group id). The rules are /api/tenants' own: the default tenant is never deleted,
/// and a tenant still holding definitions or instances is a 409 naming what it holds.
/// </summary>
internal static class CamundaTenantsApi
{
    public static IEndpointRouteBuilder MapCamundaTenantsApi(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("/v2/tenants").WithTags("Tenant").RequireAuthorization(Policies.Admin);
        tenants.MapPost("/", CreateAsync);
        tenants.MapPost("/search", SearchAsync);
        tenants.MapGet("/{tenantId}", GetAsync);
        tenants.MapPut("/{tenantId}", UpdateAsync);
        tenants.MapDelete("/{tenantId}", DeleteAsync);
        tenants.MapPut("/{tenantId}/users/{username}", (string tenantId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(tenantId, "user", username, add: true, http, dataSource, audit, ct));
        tenants.MapDelete("/{tenantId}/users/{username}", (string tenantId, string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(tenantId, "user", username, add: false, http, dataSource, audit, ct));
        tenants.MapPut("/{tenantId}/groups/{groupId}", (string tenantId, string groupId, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(tenantId, "group", groupId, add: true, http, dataSource, audit, ct));
        tenants.MapDelete("/{tenantId}/groups/{groupId}", (string tenantId, string groupId, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
            CancellationToken ct) => MembershipAsync(tenantId, "group", groupId, add: false, http, dataSource, audit, ct));
        tenants.MapPost("/{tenantId}/users/search", (string tenantId, TenantMemberSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken ct) =>
            MembersAsync(tenantId, request, t => t.Users, u => new TenantUserResult(u), "username", dataSource, ct));
        tenants.MapPost("/{tenantId}/groups/search", (string tenantId, TenantMemberSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken ct) =>
            MembersAsync(tenantId, request, t => t.Groups, g => new TenantGroupResult(g), "groupId", dataSource, ct));
        return app;
    }

    private static TenantResult Result(TenantView tenant) => new(tenant.Id, tenant.Name, tenant.Description);

    private static async Task<Results<Created<TenantResult>, ProblemHttpResult>> CreateAsync(TenantCreateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!TenantIds.IsValid(request.TenantId) || request.TenantId == TenantIds.Default)
        {
            return CamundaResults.BadRequest($"tenantId: '{request.TenantId}' is not a new tenant id (1 to 31 letters, digits, '_', '-' or '.').");
        }
        if (Text(request.Name) is not { } name)
        {
            return CamundaResults.BadRequest("name: a tenant needs a name (at most 200 characters).");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.CreateAsync(transaction, request.TenantId!, name, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "ALREADY_EXISTS", detail: $"tenantId: the tenant '{request.TenantId}' exists already.");
        }
        if (!TryDescription(request.Description, out var description, out var invalid))
        {
            return invalid!;
        }
        await TenantStore.DescribeAsync(transaction, request.TenantId!, description, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "tenant.created", "tenant", request.TenantId, new { name }), transaction, cancellationToken);
        var tenant = (await TenantStore.FindAsync(connection, request.TenantId!, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v2/tenants/{request.TenantId}", Result(tenant));
    }

    private static async Task<Results<Ok<TenantResult>, ProblemHttpResult>> GetAsync(string tenantId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await TenantStore.FindAsync(connection, tenantId, cancellationToken) is { } tenant
            ? TypedResults.Ok(Result(tenant))
            : CamundaResults.NotFound($"No tenant '{tenantId}' exists.");
    }

    private static async Task<Results<Ok<TenantResult>, ProblemHttpResult>> UpdateAsync(string tenantId, TenantUpdateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (Text(request.Name) is not { } name)
        {
            return CamundaResults.BadRequest("name: a tenant needs a name (at most 200 characters).");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.RenameAsync(transaction, tenantId, name, cancellationToken))
        {
            return CamundaResults.NotFound($"No tenant '{tenantId}' exists.");
        }
        if (!TryDescription(request.Description, out var description, out var invalid))
        {
            return invalid!;
        }
        await TenantStore.DescribeAsync(transaction, tenantId, description, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "tenant.renamed", "tenant", tenantId, new { name }), transaction, cancellationToken);
        var tenant = (await TenantStore.FindAsync(connection, tenantId, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(Result(tenant));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string tenantId, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (tenantId == TenantIds.Default)
        {
            return CamundaResults.BadRequest($"tenantId: the default tenant '{TenantIds.Default}' always exists; it cannot be deleted.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.LockAsync(transaction, tenantId, cancellationToken))
        {
            return CamundaResults.NotFound($"No tenant '{tenantId}' exists.");
        }
        if (await TenantData.FirstHeldAsync(connection, transaction, tenantId, cancellationToken) is { } held)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "INVALID_STATE",
                detail: $"The tenant '{tenantId}' still holds {held}; only an empty tenant can be deleted.");
        }
        await TenantStore.DeleteAsync(transaction, tenantId, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "tenant.deleted", "tenant", tenantId), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SearchResponse<TenantResult>>, ProblemHttpResult>> SearchAsync(TenantSearchRequest? request, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        if (SearchPaging.Read(request?.Page) is not { } page)
        {
            return CamundaResults.BadRequest("page: the cursor was not issued by this API.");
        }
        if (ReadFilter(request?.Filter, out var byId, out var byName) is { } badFilter)
        {
            return CamundaResults.BadRequest(badFilter);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        IEnumerable<TenantResult> all = (await TenantStore.ListAsync(connection, cancellationToken)).Select(Result)
            .Where(t => (byId is null || t.TenantId == byId) && (byName is null || t.Name == byName));
        IOrderedEnumerable<TenantResult>? sorted = null;
        foreach (var sort in request?.Sort ?? [])
        {
            Func<TenantResult, string>? field = sort.Field switch
            {
                "tenantId" or "key" => t => t.TenantId,
                "name" => t => t.Name,
                _ => null,
            };
            if (field is null)
            {
                return CamundaResults.BadRequest($"sort.field: '{sort.Field}' is not a tenant sort field (key, name, tenantId).");
            }
            var descending = string.Equals(sort.Order, "DESC", StringComparison.OrdinalIgnoreCase);
            sorted = sorted is null
                ? descending ? all.OrderByDescending(field, StringComparer.Ordinal) : all.OrderBy(field, StringComparer.Ordinal)
                : descending ? sorted.ThenByDescending(field, StringComparer.Ordinal) : sorted.ThenBy(field, StringComparer.Ordinal);
        }
        var list = (sorted ?? all).ToList();
        var items = list.Skip(page.Offset).Take(page.Limit).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, list.Count, page.Offset));
    }

    /// <summary>Camunda's tenant filter: <c>tenantId</c> and <c>name</c>, each a string; anything else is named in the answer.</summary>
    private static string? ReadFilter(JsonElement? filter, out string? tenantId, out string? name)
    {
        tenantId = name = null;
        if (filter is not { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } json)
        {
            return null;
        }
        if (json.ValueKind != JsonValueKind.Object)
        {
            return "filter must be an object of field names to values.";
        }
        foreach (var field in json.EnumerateObject())
        {
            if (field.Name is not ("tenantId" or "name"))
            {
                return $"filter.{field.Name} is not a field of tenants; known fields: name, tenantId.";
            }
            if (field.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (field.Value.ValueKind != JsonValueKind.String)
            {
                return $"filter.{field.Name} must be a string.";
            }
            if (field.Name == "tenantId")
            {
                tenantId = field.Value.GetString();
            }
            else
            {
                name = field.Value.GetString();
            }
        }
        return null;
    }

    private static async Task<Results<Ok<SearchResponse<T>>, ProblemHttpResult>> MembersAsync<T>(string tenantId, TenantMemberSearchRequest? request,
        Func<TenantView, IReadOnlyList<string>> members, Func<string, T> shape, string sortField, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (SearchPaging.Read(request?.Page) is not { } page)
        {
            return CamundaResults.BadRequest("page: the cursor was not issued by this API.");
        }
        if (request?.Sort?.FirstOrDefault(s => s.Field != sortField) is { } wrong)
        {
            return CamundaResults.BadRequest($"sort.field: '{wrong.Field}' is not a sort field here ({sortField}).");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await TenantStore.FindAsync(connection, tenantId, cancellationToken) is not { } tenant)
        {
            return CamundaResults.NotFound($"No tenant '{tenantId}' exists.");
        }
        var names = members(tenant).ToList();
        if (request?.Sort is [{ Order: { } order }, ..] && string.Equals(order, "DESC", StringComparison.OrdinalIgnoreCase))
        {
            names.Reverse();
        }
        var items = names.Skip(page.Offset).Take(page.Limit).Select(shape).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, names.Count, page.Offset));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> MembershipAsync(string tenantId, string kind, string name, bool add, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.LockAsync(transaction, tenantId, cancellationToken))
        {
            return CamundaResults.NotFound($"No tenant '{tenantId}' exists.");
        }
        var changed = (kind, add) switch
        {
            ("user", true) => await TenantStore.AddUserAsync(transaction, tenantId, name, cancellationToken),
            ("user", false) => await TenantStore.RemoveUserAsync(transaction, tenantId, name, cancellationToken),
            (_, true) => await TenantStore.AddGroupAsync(transaction, tenantId, name, cancellationToken),
            _ => await TenantStore.RemoveGroupAsync(transaction, tenantId, name, cancellationToken),
        };
        if (changed is null)
        {
            return CamundaResults.NotFound($"No {kind} '{name}' exists.");
        }
        if (changed == false && !add)
        {
            return CamundaResults.NotFound($"The {kind} '{name}' is not a member of tenant '{tenantId}'.");
        }
        if (changed == true)
        {
            await audit.RecordAsync(AuditEntry.For(http, add ? $"tenant.{kind}-added" : $"tenant.{kind}-removed", "tenant", tenantId, new { member = name }),
                transaction, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static bool TryDescription(string? text, out string? description, out ProblemHttpResult? problem)
    {
        description = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        problem = description is { Length: > 2000 } ? CamundaResults.BadRequest("description: at most 2000 characters.") : null;
        return problem is null;
    }

    private static string? Text(string? text) => text?.Trim() is { Length: > 0 and <= 200 } trimmed ? trimmed : null;
}
