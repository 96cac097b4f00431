using Microsoft.AspNetCore.Http.HttpResults;

namespace Processes.Host.Tenants;

/// <summary>
/// The one shape of the endpoints over per-tenant documents (catalogues, calendars, positions, agent profiles, SMS
/// templates, connector secrets): the tenant comes from <c>?tenantId=</c> (else the session's, checked like any
/// tenantId, a problem naming it when the caller may not act there), then the store is called in that tenant and its
/// answer mapped. What each endpoint keeps is its own: parse, call, map.
/// </summary>
internal static class TenantEndpoints
{
    /// <summary>The store's list in the caller's target tenant, as 200.</summary>
    public static async Task<Results<Ok<T>, ProblemHttpResult>> ListAsync<T>(this TenantRequests tenants, HttpContext http, string? tenantId,
        Func<string, CancellationToken, Task<T>> list, CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        return tenant is null ? problem! : TypedResults.Ok(await list(tenant, cancellationToken));
    }

    /// <summary>One document in the caller's target tenant, as 200; a 404 naming <paramref name="what"/> when there is none.</summary>
    public static async Task<Results<Ok<T>, ProblemHttpResult>> FindAsync<T>(this TenantRequests tenants, HttpContext http, string? tenantId, string what,
        object id, Func<string, CancellationToken, Task<T?>> find, CancellationToken cancellationToken) where T : class
    {
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        if (tenant is null)
        {
            return problem!;
        }
        return await find(tenant, cancellationToken) is { } found ? TypedResults.Ok(found) : Identity.Problems.NotFound(what, id);
    }

    /// <summary><paramref name="action"/> in the caller's target tenant; the tenant's problem when the caller may not act there.</summary>
    public static async Task<Results<TOk, ProblemHttpResult>> InTenantAsync<TOk>(this TenantRequests tenants, HttpContext http, string? tenantId,
        Func<string, Task<Results<TOk, ProblemHttpResult>>> action, CancellationToken cancellationToken) where TOk : IResult
    {
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        return tenant is null ? problem! : await action(tenant);
    }
}
