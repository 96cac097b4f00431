using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Processes.Engine.Queries;
using Processes.Engine.Execution;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record IncidentItem(
    string IncidentKey, string ProcessDefinitionId, string ProcessDefinitionKey, string ProcessInstanceKey, string ElementId, string ElementInstanceKey,
    string ErrorType, string ErrorMessage, string? JobKey, string State, string CreationTime, string TenantId);

/// <summary>A v2 search: the filter is read against the incident read model's declared fields; an unknown one is a 400.</summary>
public sealed record IncidentSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record SetVariablesRequest(JsonElement? Variables, bool? Local);

/// <summary>/v2/incidents (search, resolve) and /v2/element-instances/{key}/variables: what operators fix failures with.</summary>
internal static class IncidentsApi
{
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/incidents").WithTags("Incidents").RequireAuthorization(Policies.Operator);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        group.MapPost("/{key}/resolution", ResolveAsync);
        app.MapPut("/v2/element-instances/{key}/variables", SetVariablesAsync).RequireAuthorization(Policies.Operator).WithTags("Element instances");
        return app;
    }

    private static async Task<Results<Ok<IncidentItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, InstanceQueries instances,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var incidentKey))
        {
            return CamundaResults.NotFound($"No incident with key {key}.");
        }
        var page = await instances.IncidentsAsync(user.Caller(), Query.Where(new FieldCondition("incidentKey", FilterOperator.Eq, incidentKey)) with
        {
            CountTotal = false,
            Page = new PageRequest(1),
        }, cancellationToken);
        return page.Items.Count == 0 ? CamundaResults.NotFound($"No incident with key {key}.") : TypedResults.Ok(page.Items[0].Item());
    }

    private static async Task<Results<Ok<SearchResponse<IncidentItem>>, ProblemHttpResult>> SearchAsync(IncidentSearchRequest? request, ClaimsPrincipal user,
        InstanceQueries instances, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(InstanceQueries.IncidentModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => instances.IncidentsAsync(caller, query, cancellationToken), query, ReadItems.Item);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResolveAsync(string key, HttpContext http, IProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var incidentKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not an incident key.");
        }
        var result = await engine.ResolveIncidentAsync(incidentKey, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "incident.resolved", "incident", key), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetVariablesAsync(string key, SetVariablesRequest request, HttpContext http, IProcessEngine engine,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var elementInstanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not an element instance key.");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        if (variables is null || variables.Count == 0)
        {
            return CamundaResults.BadRequest("variables must name at least one variable.");
        }
        var result = await engine.SetVariablesAsync(elementInstanceKey, variables, request.Local ?? false, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "variables.set", "elementInstance", key, new { names = variables.Select(v => v.Key).ToArray(), local = request.Local ?? false }), cancellationToken);
        return TypedResults.NoContent();
    }
}
