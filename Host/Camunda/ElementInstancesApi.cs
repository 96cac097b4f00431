using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record ElementInstanceItem(
    string ProcessDefinitionId, string StartDate, string? EndDate, string ElementId, string ElementName, string Type, string State, bool HasIncident,
    string TenantId, string ElementInstanceKey, string ProcessInstanceKey, string ProcessDefinitionKey, string? IncidentKey);

/// <summary>A v2 search: the filter is read against the element instance read model's declared fields; an unknown one is a 400.</summary>
public sealed record ElementInstanceSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>
/// /v2/element-instances: search and get, live and finished (from the instance history); the case's visibility
/// decides what a caller sees. Setting variables on an element instance is the operators' (see <see cref="IncidentsApi"/>).
/// </summary>
internal static class ElementInstancesApi
{
    public static IEndpointRouteBuilder MapElementInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/element-instances").WithTags("Element instances").RequireAuthorization(Policies.Agent);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        // Outside the group: operators act on instances without the agents' policy.
        app.MapPost("/v2/element-instances/ad-hoc-activities/{key}/activation", AdHocActivationAsync).RequireAuthorization(Policies.Operator)
            .WithTags("Element instances");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<ElementInstanceItem>>, ProblemHttpResult>> SearchAsync(ElementInstanceSearchRequest? request,
        ClaimsPrincipal user, ElementInstanceHistoryQueries elements, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(ElementInstanceHistoryQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => elements.SearchAsync(caller, query, cancellationToken), query, Item);
    }

    private static async Task<Results<Ok<ElementInstanceItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, ElementInstanceHistoryQueries elements,
        CancellationToken cancellationToken)
    {
        var row = CamundaResults.TryKey(key, out var elementKey) ? await elements.FindAsync(user.Caller(), elementKey, cancellationToken) : null;
        if (row is null)
        {
            return CamundaResults.NotFound($"Element instance {key} does not exist or is not visible to you.");
        }
        return TypedResults.Ok(Item(row));
    }

    /// <summary>
    /// Camunda's ad-hoc sub-process activation. Processes refuses ad-hoc sub-processes at deployment, so no element
    /// instance is one: a visible element instance gets a 400 saying so, any other key a 404.
    /// </summary>
    private static async Task<ProblemHttpResult> AdHocActivationAsync(string key, JsonElement? request, ClaimsPrincipal user, ElementInstanceHistoryQueries elements,
        CancellationToken cancellationToken)
    {
        var row = CamundaResults.TryKey(key, out var elementKey) ? await elements.FindAsync(user.Caller(), elementKey, cancellationToken) : null;
        return row is null
            ? CamundaResults.NotFound($"Element instance {key} does not exist or is not visible to you.")
            : CamundaResults.BadRequest($"Element instance {key} ('{row.ElementId}') is a {row.Type}, not an ad-hoc sub-process: Processes does not run ad-hoc sub-processes (a model with adHocSubProcess is refused at deployment), so there are no activities to activate.");
    }

    // The name comes with the row (kept with the definition at deployment), the same one elementName sorts and filters on.
    private static ElementInstanceItem Item(ElementInstanceRow r) => new(
        r.BpmnProcessId, CamundaResults.Iso((DateTime?)r.StartDate)!, CamundaResults.Iso(r.EndDate), r.ElementId, r.ElementName, r.Type, r.State, r.IncidentKey is not null,
        r.TenantId, CamundaResults.Key(r.Key), CamundaResults.Key(r.ProcessInstanceKey), CamundaResults.Key(r.ProcessDefinitionKey),
        CamundaResults.Key(r.IncidentKey));
}
