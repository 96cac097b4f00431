using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record UsageMetricsItem(long ProcessInstances, long DecisionInstances, long Assignees);

public sealed record UsageMetricsResponse(long ProcessInstances, long DecisionInstances, long Assignees, long ActiveTenants,
    IReadOnlyDictionary<string, UsageMetricsItem>? Tenants);

/// <summary>
/// GET /v2/system/usage-metrics: Camunda's usage in a period [startTime, endTime) — root process instances started,
/// decision instances evaluated, distinct assignees of tasks created or completed in it — within the caller's tenants,
/// per tenant with <c>withTenants=true</c>.
/// </summary>
internal static class UsageMetricsApi
{
    public static IEndpointRouteBuilder MapUsageMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/system/usage-metrics", GetAsync).RequireAuthorization(Policies.Operator).WithTags("System");
        return app;
    }

    private static async Task<Results<Ok<UsageMetricsResponse>, ProblemHttpResult>> GetAsync(string? startTime, string? endTime, string? tenantId, string? withTenants,
        ClaimsPrincipal user, UsageMetricsQueries metrics, CancellationToken cancellationToken)
    {
        if (!TryDate(startTime, out var from))
        {
            return CamundaResults.BadRequest($"startTime must be an ISO 8601 date-time, but was '{startTime}'.");
        }
        if (!TryDate(endTime, out var to))
        {
            return CamundaResults.BadRequest($"endTime must be an ISO 8601 date-time, but was '{endTime}'.");
        }
        if (to < from)
        {
            return CamundaResults.BadRequest("endTime must not be before startTime.");
        }
        var perTenant = false;
        if (withTenants is not null && !bool.TryParse(withTenants, out perTenant))
        {
            return CamundaResults.BadRequest($"withTenants must be true or false, but was '{withTenants}'.");
        }
        var caller = user.Caller();
        var tenant = string.IsNullOrEmpty(tenantId) ? null : tenantId;
        var rows = await metrics.PerTenantAsync(caller, from, to, tenant, cancellationToken);
        var assignees = await metrics.AssigneesAsync(caller, from, to, tenant, cancellationToken);
        return TypedResults.Ok(new UsageMetricsResponse(rows.Sum(r => r.ProcessInstances), rows.Sum(r => r.DecisionInstances), assignees,
            rows.Count(r => r.ProcessInstances + r.DecisionInstances + r.Assignees > 0),
            perTenant ? rows.ToDictionary(r => r.TenantId, r => new UsageMetricsItem(r.ProcessInstances, r.DecisionInstances, r.Assignees)) : null));
    }

    private static bool TryDate(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
