using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record DecisionInstanceItem(
    string DecisionEvaluationInstanceKey, string State, string EvaluationDate, string? EvaluationFailure, string DecisionDefinitionId,
    string DecisionDefinitionName, int DecisionDefinitionVersion, string DecisionDefinitionType, string? Result, string TenantId,
    string DecisionEvaluationKey, string? ProcessDefinitionKey, string? ProcessInstanceKey, string DecisionDefinitionKey, string? ElementInstanceKey)
{
    /// <summary>Only the single get answers inputs and matched rules (Camunda's DecisionInstanceGetQueryResult).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<EvaluatedDecisionInputItem>? EvaluatedInputs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MatchedDecisionRuleItem>? MatchedRules { get; init; }
}

/// <summary>A v2 search: the filter is read against the decision instance read model's declared fields; an unknown one is a 400.</summary>
public sealed record DecisionInstanceSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>
/// /v2/decision-instances: every decision evaluated, on its own (the evaluation endpoint) or by a business-rule task;
/// one of a case is seen by whoever may see the case, one evaluated on its own by the callers of its tenant.
/// </summary>
internal static class DecisionInstancesApi
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapDecisionInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/decision-instances").WithTags("Decision instances").RequireAuthorization(Policies.Agent);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<DecisionInstanceItem>>, ProblemHttpResult>> SearchAsync(DecisionInstanceSearchRequest? request,
        ClaimsPrincipal user, DecisionInstanceQueries instances, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(DecisionInstanceQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => instances.SearchAsync(caller, query, cancellationToken), query, Item);
    }

    private static async Task<Results<Ok<DecisionInstanceItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, DecisionInstanceQueries instances,
        CancellationToken cancellationToken)
    {
        var row = CamundaResults.TryKey(key, out var instanceKey) ? await instances.FindAsync(user.Caller(), instanceKey, cancellationToken) : null;
        if (row is null)
        {
            return CamundaResults.NotFound($"Decision instance {key} does not exist or is not visible to you.");
        }
        return TypedResults.Ok(Item(row) with
        {
            EvaluatedInputs = JsonSerializer.Deserialize<List<EvaluatedDecisionInputItem>>(row.Inputs, Web) ?? [],
            MatchedRules = JsonSerializer.Deserialize<List<MatchedDecisionRuleItem>>(row.MatchedRules, Web) ?? [],
        });
    }

    private static DecisionInstanceItem Item(DecisionInstanceRow r) => new(
        CamundaResults.Key(r.Key), r.State, CamundaResults.Iso((DateTime?)r.EvaluatedAt)!, r.EvaluationFailure, r.DecisionId, r.DecisionName ?? r.DecisionId,
        r.DecisionVersion, r.DecisionType, r.Result, r.TenantId, CamundaResults.Key(r.EvaluationKey), CamundaResults.Key(r.ProcessDefinitionKey),
        CamundaResults.Key(r.ProcessInstanceKey), CamundaResults.Key(r.DecisionDefinitionKey), CamundaResults.Key(r.ElementInstanceKey));
}
