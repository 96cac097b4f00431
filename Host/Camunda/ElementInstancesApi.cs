using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record ElementInstanceItem(
    string ProcessDefinitionId, string StartDate, string? EndDate, string ElementId, string ElementName, string Type, string State, bool HasIncident,
    string TenantId, string ElementInstanceKey, string ProcessInstanceKey, string ProcessDefinitionKey, string? IncidentKey);

/// <summary>Camunda's ad-hoc activation body: the elements to activate (each with variables) and cancelRemainingInstances.</summary>
public sealed record AdHocActivationRequest(IReadOnlyList<AdHocElementRequest?>? Elements, bool? CancelRemainingInstances);

public sealed record AdHocElementRequest(string? ElementId, JsonElement? Variables);

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
    /// Camunda 8.8's ad-hoc activation: 204 once the elements are activated (one engine command); 400 naming a missing or
    /// unknown element id, a duplicate or variables that are not an object; 404 for a key that is not a live ad-hoc
    /// sub-process the caller sees; 409 when it is not active (as Zeebe's INVALID_STATE). <c>cancelRemainingInstances</c>
    /// is read and, as in Zeebe 8.8's activation, has no effect: the model's attribute decides at completion.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> AdHocActivationAsync(string key, AdHocActivationRequest? request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var elementKey))
        {
            return CamundaResults.BadRequest($"adHocSubProcessInstanceKey: '{key}' is not an element instance key.");
        }
        if (request?.Elements is null)
        {
            return CamundaResults.BadRequest("elements is required: the activities to activate, each with an elementId.");
        }
        var elements = new List<AdHocActivation>();
        for (var i = 0; i < request.Elements.Count; i++)
        {
            var element = request.Elements[i];
            if (element is null || string.IsNullOrWhiteSpace(element.ElementId))
            {
                return CamundaResults.BadRequest($"elements[{i}].elementId is required.");
            }
            JsonObject? variables = null;
            if (element.Variables is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } &&
                !CamundaResults.TryVariables(element.Variables, $"elements[{i}].variables", out variables, out var problem))
            {
                return problem!;
            }
            elements.Add(new AdHocActivation(element.ElementId, variables));
        }
        var result = await engine.ActivateAdHocActivitiesAsync(http.User.Caller(), elementKey, elements, AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    // The name comes with the row (kept with the definition at deployment), the same one elementName sorts and filters on.
    private static ElementInstanceItem Item(ElementInstanceRow r) => new(
        r.BpmnProcessId, CamundaResults.Iso((DateTime?)r.StartDate)!, CamundaResults.Iso(r.EndDate), r.ElementId, r.ElementName, r.Type, r.State, r.IncidentKey is not null,
        r.TenantId, CamundaResults.Key(r.Key), CamundaResults.Key(r.ProcessInstanceKey), CamundaResults.Key(r.ProcessDefinitionKey),
        CamundaResults.Key(r.IncidentKey));
}
