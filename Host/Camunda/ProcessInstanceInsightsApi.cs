using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record CallHierarchyEntry(string ProcessInstanceKey, string ProcessDefinitionKey, string ProcessDefinitionName);

public sealed record SequenceFlowItem(string SequenceFlowId, string ProcessInstanceKey, string ProcessDefinitionKey, string ProcessDefinitionId, string ElementId,
    string TenantId);

public sealed record ElementStatisticsItem(string ElementId, long Active, long Canceled, long Incidents, long Completed);

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);

/// <summary>A statistics request: the filter narrows the element instances counted (the element instance search's fields).</summary>
public sealed record StatisticsRequest(System.Text.Json.JsonElement? Filter);

/// <summary>
/// What Operate draws on a diagram, per process instance: the instances that called it (root first), the sequence
/// flows it took, how many instances of each element are active, completed, terminated or stuck, and its incidents —
/// and the same element statistics over all instances of a process definition. All within the caller's visibility.
/// </summary>
internal static class ProcessInstanceInsightsApi
{
    public static IEndpointRouteBuilder MapProcessInstanceInsightsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/process-instances").WithTags("Process instances");
        group.MapGet("/{key}/call-hierarchy", CallHierarchyAsync).RequireAuthorization(Policies.Agent);
        group.MapGet("/{key}/sequence-flows", SequenceFlowsAsync).RequireAuthorization(Policies.Agent);
        group.MapGet("/{key}/statistics/element-instances", InstanceStatisticsAsync).RequireAuthorization(Policies.Agent);
        group.MapPost("/{key}/incidents/search", IncidentsAsync).RequireAuthorization(Policies.Operator);
        app.MapPost("/v2/process-definitions/{key}/statistics/element-instances", DefinitionStatisticsAsync).RequireAuthorization(Policies.Agent)
            .WithTags("Process definitions");
        return app;
    }

    private static ProblemHttpResult NotVisible(string key) => CamundaResults.NotFound($"Process instance {key} does not exist or is not visible to you.");

    private static async Task<Results<Ok<IReadOnlyList<CallHierarchyEntry>>, ProblemHttpResult>> CallHierarchyAsync(string key, ClaimsPrincipal user,
        InstanceQueries instances, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        var current = CamundaResults.TryKey(key, out var instanceKey) ? await instances.FindAsync(caller, instanceKey, cancellationToken) : null;
        if (current is null)
        {
            return NotVisible(key);
        }
        var chain = new List<CallHierarchyEntry>();
        // Up the parents; the case's visibility covers its whole tree, and a parent out of sight ends the walk.
        while (current is not null && chain.Count < 1000)
        {
            chain.Insert(0, new CallHierarchyEntry(CamundaResults.Key(current.Key), CamundaResults.Key(current.ProcessDefinitionKey), current.Name ?? current.BpmnProcessId));
            current = current.ParentProcessInstanceKey is { } parent ? await instances.FindAsync(caller, parent, cancellationToken) : null;
        }
        return TypedResults.Ok<IReadOnlyList<CallHierarchyEntry>>(chain);
    }

    private static async Task<Results<Ok<ItemsResponse<SequenceFlowItem>>, ProblemHttpResult>> SequenceFlowsAsync(string key, ClaimsPrincipal user,
        ElementInstanceHistoryQueries elements, CancellationToken cancellationToken)
    {
        var flows = CamundaResults.TryKey(key, out var instanceKey) ? await elements.SequenceFlowsAsync(user.Caller(), instanceKey, cancellationToken) : null;
        return flows is null
            ? NotVisible(key)
            : TypedResults.Ok(new ItemsResponse<SequenceFlowItem>([.. flows.Select(f => new SequenceFlowItem(f.FlowId, CamundaResults.Key(f.ProcessInstanceKey),
                CamundaResults.Key(f.ProcessDefinitionKey), f.BpmnProcessId, f.FlowId, f.TenantId))]));
    }

    private static async Task<Results<Ok<ItemsResponse<ElementStatisticsItem>>, ProblemHttpResult>> InstanceStatisticsAsync(string key, ClaimsPrincipal user,
        InstanceQueries instances, ElementInstanceHistoryQueries elements, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        if (!CamundaResults.TryKey(key, out var instanceKey) || await instances.FindAsync(caller, instanceKey, cancellationToken) is null)
        {
            return NotVisible(key);
        }
        var rows = await elements.StatisticsAsync(caller, Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instanceKey)), cancellationToken);
        return TypedResults.Ok(Statistics(rows));
    }

    private static async Task<Results<Ok<ItemsResponse<ElementStatisticsItem>>, ProblemHttpResult>> DefinitionStatisticsAsync(string key, StatisticsRequest? request,
        ClaimsPrincipal user, DefinitionQueries definitions, ElementInstanceHistoryQueries elements, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        if (!CamundaResults.TryKey(key, out var definitionKey) || await definitions.FindProcessAsync(caller, definitionKey, cancellationToken) is null)
        {
            return CamundaResults.NotFound($"No process definition with key {key}.");
        }
        if (!CamundaSearch.TryQuery(ElementInstanceHistoryQueries.Model, request?.Filter, null, null, out var query, out var problem))
        {
            return problem!;
        }
        try
        {
            var rows = await elements.StatisticsAsync(caller, query.And(new FieldCondition("processDefinitionKey", FilterOperator.Eq, definitionKey)), cancellationToken);
            return TypedResults.Ok(Statistics(rows));
        }
        catch (QueryException e)
        {
            return CamundaResults.BadRequest(e.Message);
        }
    }

    private static ItemsResponse<ElementStatisticsItem> Statistics(IReadOnlyList<ElementStatisticsRow> rows) =>
        new([.. rows.Select(r => new ElementStatisticsItem(r.ElementId, r.Active, r.Canceled, r.Incidents, r.Completed))]);

    private static async Task<Results<Ok<SearchResponse<IncidentItem>>, ProblemHttpResult>> IncidentsAsync(string key, IncidentSearchRequest? request,
        ClaimsPrincipal user, InstanceQueries instances, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        if (!CamundaResults.TryKey(key, out var instanceKey) || await instances.FindAsync(caller, instanceKey, cancellationToken) is null)
        {
            return NotVisible(key);
        }
        if (!CamundaSearch.TryQuery(InstanceQueries.IncidentModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        // As in Camunda: the incidents of the instance and of the instances it called (visibility still applies to each).
        var tree = await instances.CalledTreeAsync(instanceKey, cancellationToken);
        var scoped = query.And(new FieldCondition("processInstanceKey", FilterOperator.In, tree));
        return await CamundaSearch.RespondAsync(() => instances.IncidentsAsync(caller, scoped, cancellationToken), scoped, ReadItems.Item);
    }
}
