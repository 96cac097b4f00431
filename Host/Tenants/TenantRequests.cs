using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Tenants;

/// <summary>
/// Camunda 8's <c>tenantId</c> / <c>tenantIds</c> in requests. A command names at most one tenant: none means the
/// page session's chosen tenant, else Camunda's default tenant; a search or a job activation may name several. A
/// malformed id is a 400, a tenant the caller does not belong to a 403 and — for admins, who belong to all — an
/// unknown one a 404, each naming the tenant: never a silent fallback to <c>&lt;default&gt;</c>.
/// </summary>
internal sealed class TenantRequests(NpgsqlDataSource dataSource)
{
    /// <summary>The one tenant a command acts in, or the problem.</summary>
    public async Task<(string? Tenant, ProblemHttpResult? Problem)> TargetAsync(ClaimsPrincipal user, string? tenantId, string field,
        CancellationToken cancellationToken)
    {
        var tenant = string.IsNullOrEmpty(tenantId) ? user.FindFirst(IdentitySchemes.SelectedTenantClaim)?.Value ?? TenantIds.Default : tenantId;
        var problem = await CheckAsync(user, [tenant], field, cancellationToken);
        return problem is null ? (tenant, null) : (null, problem);
    }

    /// <summary>
    /// The tenants a list request means: the named ones (each checked), or when none are named the caller's own
    /// (null for an admin without a switcher choice: all).
    /// </summary>
    public async Task<(IReadOnlyList<string>? Tenants, ProblemHttpResult? Problem)> FilterAsync(ClaimsPrincipal user, IReadOnlyList<string>? tenantIds,
        string field, CancellationToken cancellationToken)
    {
        if (tenantIds is null || tenantIds.Count == 0)
        {
            return (user.Tenants(), null);
        }
        var problem = await CheckAsync(user, tenantIds, field, cancellationToken);
        return problem is null ? ([.. tenantIds.Distinct(StringComparer.Ordinal)], null) : (null, problem);
    }

    private async Task<ProblemHttpResult?> CheckAsync(ClaimsPrincipal user, IReadOnlyList<string> tenantIds, string field, CancellationToken cancellationToken)
    {
        if (tenantIds.FirstOrDefault(t => !TenantIds.IsValid(t)) is { } malformed)
        {
            return Problem(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT",
                $"{field}: '{malformed}' is not a tenant id (letters, digits, '_', '-', '.', at most 31 characters, or '{TenantIds.Default}').");
        }
        var mine = user.Tenants();
        if (mine is not null && tenantIds.FirstOrDefault(t => !mine.Contains(t, StringComparer.Ordinal)) is { } foreign)
        {
            return Problem(StatusCodes.Status403Forbidden, "FORBIDDEN", $"{field}: you are not a member of tenant '{foreign}'"
                + (user.FindFirst(IdentitySchemes.SelectedTenantClaim) is { } chosen ? $" (this session works in tenant '{chosen.Value}')." : "."));
        }
        if (mine is null)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            if ((await TenantStore.UnknownAsync(connection, [.. tenantIds], cancellationToken)).FirstOrDefault() is { } unknown)
            {
                return Problem(StatusCodes.Status404NotFound, "NOT_FOUND", $"{field}: no tenant '{unknown}' exists.");
            }
        }
        return null;
    }

    private static ProblemHttpResult Problem(int status, string title, string detail)
    {
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        return TypedResults.Problem(problem);
    }
}
