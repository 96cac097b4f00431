using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Processes.Engine.Dmn;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Identity;
using Processes.Host.Tenants;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record EvaluateDecisionRequest(string? DecisionDefinitionId, string? DecisionDefinitionKey, JsonElement? Variables, string? TenantId);

public sealed record EvaluatedDecisionInputItem(string InputId, string InputName, string InputValue);

public sealed record EvaluatedDecisionOutputItem(string OutputId, string OutputName, string OutputValue);

public sealed record MatchedDecisionRuleItem(string RuleId, int RuleIndex, IReadOnlyList<EvaluatedDecisionOutputItem> EvaluatedOutputs);

public sealed record EvaluatedDecisionItem(
    string DecisionDefinitionId, string? DecisionDefinitionName, int DecisionDefinitionVersion, string DecisionDefinitionType, string Output, string TenantId,
    IReadOnlyList<MatchedDecisionRuleItem> MatchedRules, IReadOnlyList<EvaluatedDecisionInputItem> EvaluatedInputs, string DecisionDefinitionKey,
    string? DecisionEvaluationInstanceKey = null);

/// <summary>Camunda's EvaluateDecisionResult: <c>output</c> and the outputs inside are JSON documents in strings.</summary>
public sealed record EvaluateDecisionResponse(
    string DecisionDefinitionId, string DecisionDefinitionName, int DecisionDefinitionVersion, string DecisionRequirementsId, string Output,
    string FailedDecisionDefinitionId, string FailureMessage, string TenantId, string DecisionDefinitionKey, string DecisionRequirementsKey,
    string DecisionEvaluationKey, IReadOnlyList<EvaluatedDecisionItem> EvaluatedDecisions)
{
    /// <summary>Camunda's deprecated name of <see cref="DecisionEvaluationKey"/>, still read by older SDKs.</summary>
    public string DecisionInstanceKey => DecisionEvaluationKey;
}

public sealed record DecisionDefinitionItem(
    string DecisionDefinitionKey, string DecisionDefinitionId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name, int Version, string DecisionRequirementsId, string DecisionRequirementsKey, string TenantId);

/// <summary>A v2 search: the filter is read against the decision definition read model's declared fields; an unknown one is a 400.</summary>
public sealed record DecisionDefinitionSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>/v2/decision-definitions: evaluate a decision, search the deployed ones, read a decision's DMN file.</summary>
internal static class DecisionDefinitionsApi
{
    public static IEndpointRouteBuilder MapDecisionDefinitionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/decision-definitions").WithTags("Decision definitions");
        group.MapPost("/evaluation", EvaluateAsync).RequireAuthorization(Policies.Agent);
        group.MapPost("/search", SearchAsync).RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{key}", GetAsync).RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{key}/xml", XmlAsync).RequireAuthorization(Policies.Authenticated);
        return app;
    }

    private static async Task<Results<Ok<EvaluateDecisionResponse>, ProblemHttpResult>> EvaluateAsync(
        EvaluateDecisionRequest? request, IProcessEngine engine, HttpContext http, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return CamundaResults.BadRequest("Send a JSON body with decisionDefinitionId or decisionDefinitionKey, and variables.");
        }
        var (tenantId, tenantProblem) = await tenantRequests.TargetAsync(http.User, request.TenantId, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        long? key = null;
        if (request.DecisionDefinitionKey is { } keyText)
        {
            if (!CamundaResults.TryKey(keyText, out var parsed))
            {
                return CamundaResults.BadRequest($"decisionDefinitionKey '{keyText}' is not a key.");
            }
            key = parsed;
        }
        else if (string.IsNullOrWhiteSpace(request.DecisionDefinitionId))
        {
            return CamundaResults.BadRequest("Give decisionDefinitionId or decisionDefinitionKey: which decision to evaluate.");
        }
        var evaluated = await engine.EvaluateDecisionAsync(request.DecisionDefinitionId, key, variables, cancellationToken, tenantId);
        if (!evaluated.Ok)
        {
            return CamundaResults.Refused(evaluated);
        }
        var e = evaluated.Value!;
        var tenant = e.TenantId;
        var items = e.Evaluated.Select((d, i) => new EvaluatedDecisionItem(d.DecisionId, d.Name, d.Version, d.DecisionType, Json(d.Output), tenant,
            [.. d.MatchedRules.Select(m => new MatchedDecisionRuleItem(m.RuleId, m.RuleIndex,
                [.. m.Outputs.Select(o => new EvaluatedDecisionOutputItem(o.OutputId, o.OutputName, Json(o.Value)))]))],
            [.. d.Inputs.Select(i => new EvaluatedDecisionInputItem(i.InputId, i.InputName, Json(i.Value)))],
            CamundaResults.Key(d.DecisionDefinitionKey), i < e.InstanceKeys.Count ? CamundaResults.Key(e.InstanceKeys[i]) : null)).ToList();
        return TypedResults.Ok(new EvaluateDecisionResponse(
            e.DecisionId, e.Name ?? e.DecisionId, e.Version, e.DecisionRequirementsId, Json(e.Output),
            e.Failure is null ? NoFailedDecision : e.FailedDecisionId ?? e.DecisionId, e.Failure ?? "", tenant, CamundaResults.Key(e.DecisionDefinitionKey),
            CamundaResults.Key(e.DecisionRequirementsKey), CamundaResults.Key(e.EvaluationKey), items));
    }

    /// <summary>
    /// <c>failedDecisionDefinitionId</c> when nothing failed. 8.8's schema requires a decision id there (at least one of
    /// <c>[A-Za-z0-9_@.+-]</c>), so Camunda 8.8's own "" fails its client's validation on every evaluation; "-" passes it
    /// and can never be a real decision's id (DMN ids are XML names, which do not start with '-'). Whether an evaluation
    /// failed is told by <c>failureMessage</c>, "" when it did not.
    /// </summary>
    internal const string NoFailedDecision = "-";

    private static string Json(System.Text.Json.Nodes.JsonNode? value) => value?.ToJsonString() ?? "null";

    private static async Task<Results<Ok<SearchResponse<DecisionDefinitionItem>>, ProblemHttpResult>> SearchAsync(DecisionDefinitionSearchRequest? request,
        ClaimsPrincipal user, DefinitionQueries definitions, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(DefinitionQueries.DecisionModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => definitions.DecisionsAsync(caller, query, cancellationToken), query, Item);
    }

    private static async Task<Results<Ok<DecisionDefinitionItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, DefinitionQueries definitions,
        CancellationToken cancellationToken)
    {
        var found = CamundaResults.TryKey(key, out var definitionKey) ? await definitions.FindDecisionAsync(user.Caller(), definitionKey, cancellationToken) : null;
        return found is null ? CamundaResults.NotFound($"No decision definition with key {key}.") : TypedResults.Ok(Item(found));
    }

    private static DecisionDefinitionItem Item(DecisionDefinitionRow r) => new(CamundaResults.Key(r.Key), r.DecisionId, r.Name, r.Version, r.DecisionRequirementsId,
        CamundaResults.Key(r.DecisionRequirementsKey), r.TenantId);

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> XmlAsync(
        string key, Processes.Engine.Dmn.DecisionDefinitions decisions, DefinitionQueries definitions, HttpResponse response, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a decision definition key.");
        }
        // Another tenant's decision does not exist for the caller: the read side's visibility rule decides.
        var visible = await definitions.FindDecisionAsync(user.Caller(), definitionKey, cancellationToken);
        var stored = visible is not null ? await decisions.FindXmlAsync(definitionKey, cancellationToken) : null;
        if (stored is null)
        {
            return CamundaResults.NotFound($"No decision definition with key {definitionKey}.");
        }
        using var reader = new StreamReader(new MemoryStream(stored.Content), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return ModelDocuments.Xml(response, await reader.ReadToEndAsync(cancellationToken), stored.ResourceName);
    }
}
