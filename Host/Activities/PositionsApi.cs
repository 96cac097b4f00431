using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Assignment;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Activities;

public sealed record PositionRequest(string? Title, string[]? Duties, string[]? Tiers, decimal? RefundLimit);

/// <summary>
/// /api/positions: positions with their duties, the customer tiers they serve and the refund an agent in the position
/// may grant without finance. Supervisors read them (the agents page); admins change them, audited. A position an
/// agent holds cannot be deleted (409 naming the agents).
/// </summary>
internal static class PositionsApi
{
    public static IEndpointRouteBuilder MapPositionsApi(this IEndpointRouteBuilder app)
    {
        var positions = app.MapGroup("/api/positions").WithTags("Activities");
        positions.MapGet("/", ListAsync).RequireAuthorization(Policies.Supervisor);
        positions.MapPut("/{name}", PutAsync).RequireAuthorization(Policies.Admin);
        positions.MapDelete("/{name}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static Task<Results<Ok<IReadOnlyList<AgentPosition>>, ProblemHttpResult>> ListAsync(string? tenantId, HttpContext http, PositionStore store,
        TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.ListAsync(http, tenantId, store.ListAsync, cancellationToken);

    private static Task<Results<Ok<AgentPosition>, ProblemHttpResult>> PutAsync(string name, string? tenantId, PositionRequest body, HttpContext http,
        PositionStore store, TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<AgentPosition>>(http, tenantId, async tenant =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
            {
                errors["name"] = ["A position's name is 1 to 64 characters."];
            }
            if (string.IsNullOrWhiteSpace(body.Title))
            {
                errors["title"] = ["A position needs a title (e.g. \"Senior after-sales agent\")."];
            }
            if (body.RefundLimit is { } limit && (limit < 0 || decimal.Round(limit, 2) != limit || limit >= 1_000_000_000_000m))
            {
                errors["refundLimit"] = [$"{limit} is not an amount: 0 or more, at most two decimals."];
            }
            if (errors.Count > 0)
            {
                return Problems.Invalid(errors);
            }
            var position = new AgentPosition(name.Trim(), body.Title!.Trim(), Clean(body.Duties), Clean(body.Tiers), body.RefundLimit) { TenantId = tenant };
            await store.SaveAsync(position, cancellationToken);
            await audit.RecordAsync(AuditEntry.For(http, "position.saved", "position", position.Name, position), cancellationToken);
            return TypedResults.Ok(position);
        }, cancellationToken);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, string? tenantId, HttpContext http, PositionStore store,
        TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<NoContent>(http, tenantId, async tenant =>
        {
            var (deleted, heldBy) = await store.DeleteAsync(tenant, name, cancellationToken);
            if (heldBy.Count > 0)
            {
                return Problems.Conflict("name", $"Agents hold the position '{name}': {string.Join(", ", heldBy)}. Give them another position first.");
            }
            if (!deleted)
            {
                return Problems.NotFound("position", name);
            }
            await audit.RecordAsync(AuditEntry.For(http, "position.deleted", "position", name, new { tenantId = tenant }), cancellationToken);
            return TypedResults.NoContent();
        }, cancellationToken);

    private static string[] Clean(string[]? values) =>
        [.. (values ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).Distinct(StringComparer.Ordinal)];
}
