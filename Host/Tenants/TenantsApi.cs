using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Tenants;

public sealed record CreateTenantRequest(string? Id, string? Name);

public sealed record RenameTenantRequest(string? Name);

/// <summary>The caller's tenants for the switcher: which exist for them, which one this session works in (null: all of them).</summary>
public sealed record MyTenants(IReadOnlyList<TenantEntry> Tenants, string? Selected, bool All);

public sealed record SelectTenantRequest(string? TenantId);

/// <summary>
/// /api/tenants: admins create, rename and delete tenants (delete only when the tenant holds nothing, and never the
/// default tenant) and manage who belongs to them — users directly, groups with all their users. Every signed-in user
/// lists their own tenants and picks the one their pages work in (<c>/api/tenants/mine</c>, <c>/api/tenants/selection</c>).
/// </summary>
internal static class TenantsApi
{
    public static IServiceCollection AddProcessesTenants(this IServiceCollection services) => services.AddSingleton<TenantRequests>();

    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tenants/mine", MineAsync).WithTags("Tenants").RequireAuthorization(Policies.Authenticated);
        app.MapPut("/api/tenants/selection", SelectAsync).WithTags("Tenants").RequireAuthorization(Policies.Authenticated);
        var tenants = app.MapGroup("/api/tenants").WithTags("Tenants").RequireAuthorization(Policies.Admin);
        tenants.MapGet("/", ListAsync);
        tenants.MapGet("/{id}", GetAsync);
        tenants.MapPost("/", CreateAsync);
        tenants.MapPut("/{id}", RenameAsync);
        tenants.MapDelete("/{id}", DeleteAsync);
        tenants.MapPut("/{id}/users/{userName}", (string id, string userName, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken ct) =>
            MembershipAsync(id, "user", userName, add: true, http, dataSource, audit, ct));
        tenants.MapDelete("/{id}/users/{userName}", (string id, string userName, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken ct) =>
            MembershipAsync(id, "user", userName, add: false, http, dataSource, audit, ct));
        tenants.MapPut("/{id}/groups/{groupName}", (string id, string groupName, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken ct) =>
            MembershipAsync(id, "group", groupName, add: true, http, dataSource, audit, ct));
        tenants.MapDelete("/{id}/groups/{groupName}", (string id, string groupName, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken ct) =>
            MembershipAsync(id, "group", groupName, add: false, http, dataSource, audit, ct));
        return app.MapCamundaTenantsApi();
    }

    private static async Task<Ok<IReadOnlyList<TenantView>>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(await TenantStore.ListAsync(connection, cancellationToken));
    }

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetAsync(string id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await TenantStore.FindAsync(connection, id, cancellationToken) is { } tenant ? TypedResults.Ok(tenant) : Problems.NotFound("tenant", id);
    }

    private static async Task<Results<Created<TenantView>, ProblemHttpResult>> CreateAsync(CreateTenantRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!TenantIds.IsValid(request.Id) || request.Id == TenantIds.Default)
        {
            return Problems.Invalid("id", "A tenant id is 1 to 31 letters, digits, '_', '-' or '.'.");
        }
        if (Name(request.Name) is not { } name)
        {
            return Problems.Invalid("name", "A tenant needs a name (at most 200 characters).");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.CreateAsync(transaction, request.Id!, name, cancellationToken))
        {
            return Problems.Conflict("id", $"The tenant '{request.Id}' exists already.");
        }
        await audit.RecordAsync(AuditEntry.For(http, "tenant.created", "tenant", request.Id, new { name }), transaction, cancellationToken);
        var tenant = (await TenantStore.FindAsync(connection, request.Id!, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/tenants/{request.Id}", tenant);
    }

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> RenameAsync(string id, RenameTenantRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (Name(request.Name) is not { } name)
        {
            return Problems.Invalid("name", "A tenant needs a name (at most 200 characters).");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.RenameAsync(transaction, id, name, cancellationToken))
        {
            return Problems.NotFound("tenant", id);
        }
        await audit.RecordAsync(AuditEntry.For(http, "tenant.renamed", "tenant", id, new { name }), transaction, cancellationToken);
        var tenant = (await TenantStore.FindAsync(connection, id, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(tenant);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (id == TenantIds.Default)
        {
            return Problems.Conflict("id", $"The default tenant '{TenantIds.Default}' always exists; it cannot be deleted.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.LockAsync(transaction, id, cancellationToken))
        {
            return Problems.NotFound("tenant", id);
        }
        if (await TenantData.FirstHeldAsync(connection, transaction, id, cancellationToken) is { } held)
        {
            return Problems.Conflict("id", $"The tenant '{id}' still holds {held}; only an empty tenant can be deleted.");
        }
        await TenantStore.DeleteAsync(transaction, id, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "tenant.deleted", "tenant", id), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> MembershipAsync(string id, string kind, string name, bool add, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TenantStore.LockAsync(transaction, id, cancellationToken))
        {
            return Problems.NotFound("tenant", id);
        }
        var changed = (kind, add) switch
        {
            ("user", true) => await TenantStore.AddUserAsync(transaction, id, name, cancellationToken),
            ("user", false) => await TenantStore.RemoveUserAsync(transaction, id, name, cancellationToken),
            (_, true) => await TenantStore.AddGroupAsync(transaction, id, name, cancellationToken),
            _ => await TenantStore.RemoveGroupAsync(transaction, id, name, cancellationToken),
        };
        if (changed is null)
        {
            return Problems.NotFound(kind, name);
        }
        if (changed == true)
        {
            await audit.RecordAsync(AuditEntry.For(http, add ? $"tenant.{kind}-added" : $"tenant.{kind}-removed", "tenant", id, new { member = name }),
                transaction, cancellationToken);
        }
        var tenant = (await TenantStore.FindAsync(connection, id, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.Ok(tenant);
    }

    private static async Task<Ok<MyTenants>> MineAsync(HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var member = http.User.MemberTenants();
        var entries = await TenantStore.EntriesAsync(connection, member, cancellationToken);
        var selected = http.User.FindFirst(IdentitySchemes.SelectedTenantClaim)?.Value;
        return TypedResults.Ok(new MyTenants(entries, selected, member is null));
    }

    /// <summary>The switcher: a page session works in one of the user's tenants (or, with null, in all of them).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SelectAsync(SelectTenantRequest request, HttpContext http, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        if (!IdentitySchemes.IsCookieAuthenticated(http.User))
        {
            return Problems.Invalid("tenantId", "Only a signed-in page session chooses a tenant; an API key names it in each request (tenantId).");
        }
        if (request.TenantId is null)
        {
            http.Response.Cookies.Delete(TenantSelection.CookieName);
            return TypedResults.NoContent();
        }
        // Checked against the memberships, not the current choice: switching from one tenant to another is the point.
        var member = http.User.MemberTenants();
        if (!TenantIds.IsValid(request.TenantId))
        {
            return Problems.Invalid("tenantId", $"'{request.TenantId}' is not a tenant id.");
        }
        if (member is not null && !member.Contains(request.TenantId, StringComparer.Ordinal))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN", detail: $"tenantId: you are not a member of tenant '{request.TenantId}'.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if ((await TenantStore.UnknownAsync(connection, [request.TenantId], cancellationToken)).Count > 0)
        {
            return Problems.NotFound("tenant", request.TenantId);
        }
        http.Response.Cookies.Append(TenantSelection.CookieName, request.TenantId, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
        });
        return TypedResults.NoContent();
    }

    private static string? Name(string? name) => name?.Trim() is { Length: > 0 and <= 200 } trimmed ? trimmed : null;
}
