using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Dmn;
using Processes.Engine.Execution.State;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Execution;

/// <summary>A decision evaluated on its own (the API's evaluation endpoint), with the stored version of every decision involved.</summary>
internal sealed record DecisionEvaluationOutcome(DecisionDefinitionInfo Definition, DecisionResult Result, DeployedDecisionGraph Graph);

internal sealed partial class ProcessEngine
{
    /// <summary>
    /// Evaluates the latest version of <paramref name="decisionId"/>, or the decision with
    /// <paramref name="decisionDefinitionKey"/>, against <paramref name="variables"/>. Not found is a NotFound failure;
    /// an evaluation failure is a success whose <see cref="DecisionResult.Failure"/> says why (as Camunda answers).
    /// </summary>
    public async Task<CommandResult<DecisionEvaluationOutcome>> EvaluateDecisionAsync(string? decisionId, long? decisionDefinitionKey, JsonObject? variables,
        CancellationToken cancellationToken, string? tenantId = null)
    {
        var definition = decisionDefinitionKey is { } key
            ? await _decisions.FindAsync(key, cancellationToken)
            : await _decisions.FindLatestAsync(decisionId ?? "", cancellationToken, tenantId ?? Visibility.TenantIds.Default);
        if (definition is not null && !Visibility.TenantScope.Allows(definition.TenantId))
        {
            definition = null; // another tenant's decision does not exist for this caller
        }
        if (definition is null)
        {
            return CommandResult<DecisionEvaluationOutcome>.Fail(CommandError.NotFound, decisionDefinitionKey is { } k
                ? $"No decision definition with key {k}."
                : $"No decision with id '{decisionId}' is deployed.");
        }
        var graph = await _decisions.GetGraphAsync(definition, cancellationToken);
        var decision = graph.Model.Find(definition.DecisionId)!;
        var result = DecisionEvaluator.Evaluate(graph.Model, decision, FeelContext.FromJson(variables ?? []), _clock.GetUtcNow());
        return CommandResult<DecisionEvaluationOutcome>.Success(new DecisionEvaluationOutcome(definition, result, graph));
    }

    async Task<CommandResult<DecisionEvaluation>> IProcessEngine.EvaluateDecisionAsync(string? decisionId, long? decisionDefinitionKey, JsonObject? variables,
        CancellationToken cancellationToken, string? tenantId)
    {
        var evaluated = await EvaluateDecisionAsync(decisionId, decisionDefinitionKey, variables, cancellationToken, tenantId);
        if (!evaluated.Ok)
        {
            return evaluated.As<DecisionEvaluation>();
        }
        var evaluation = DecisionEvaluations.From(evaluated.Value!, _keys.Next());
        // Recorded as Camunda's decision instances before the answer, so a search right after finds them.
        var rows = DecisionInstances.Rows(evaluation, evaluated.Value!.Graph, _keys, _clock.GetUtcNow());
        await Storage.DecisionInstanceStore.InsertAsync(_dataSource, rows, cancellationToken);
        return CommandResult<DecisionEvaluation>.Success(evaluation with { InstanceKeys = [.. rows.Select(r => r.Key)] });
    }

    /// <summary>The follow-up of a business-rule task: evaluate, then complete the task with the result or raise an incident.</summary>
    private async Task EvaluateDecisionAsync(Execution x, EvaluateDecision evaluate, CancellationToken cancellationToken)
    {
        var instance = x.Instances[evaluate.ProcessInstanceKey];
        if (instance.Find(evaluate.ElementInstanceKey) is not { State: ElementState.Activated } element)
        {
            return; // terminated by the steps that ran after its activation
        }
        var node = (ExecutableActivity)instance.ModelElement(element);
        var called = node.CalledDecision!;
        // Deployment and version-tag bindings resolve to the latest deployed version here, as call activities do.
        // Within the caller's tenant: another tenant's decision of the same id is never evaluated here.
        var definition = await _decisions.FindLatestAsync(evaluate.DecisionId, cancellationToken, instance.Row.TenantId);
        if (definition is null)
        {
            x.RaiseIncident(instance, element, IncidentTypes.CalledDecisionError,
                $"businessRuleTask '{node.Id}': expected to evaluate decision '{evaluate.DecisionId}', but no decision with this id is deployed.");
            return;
        }
        var graph = await _decisions.GetGraphAsync(definition, cancellationToken);
        var result = DecisionEvaluator.Evaluate(graph.Model, graph.Model.Find(definition.DecisionId)!, FeelContext.FromJson(evaluate.Variables), x.Now);
        x.Enqueue(() =>
        {
            if (element.State != ElementState.Activated)
            {
                return;
            }
            var evaluation = DecisionEvaluations.From(new DecisionEvaluationOutcome(definition, result, graph), x.Keys.Next());
            x.Changes.DecisionInstances.AddRange(DecisionInstances.Rows(evaluation, graph, x.Keys, x.Now, instance.Key, instance.Row.ProcessDefinitionKey, element.Key));
            if (!result.Ok)
            {
                x.RaiseIncident(instance, element, IncidentTypes.DecisionEvaluationError,
                    $"businessRuleTask '{node.Id}': decision '{definition.DecisionId}' version {definition.Version} failed: {result.Failure}");
                return;
            }
            x.History(instance, element, HistoryEvents.DecisionEvaluated, Describe(definition, result, graph));
            x.ApplyResultVariables(instance, element, new JsonObject { [called.ResultVariable] = FeelJson.ToJsonNode(result.Output) });
            x.Complete(instance, element);
        });
    }

    /// <summary>The history entry of an evaluation: which versions ran and which rules matched.</summary>
    private static JsonObject Describe(DecisionDefinitionInfo definition, DecisionResult result, DeployedDecisionGraph graph) => new()
    {
        ["decisionKey"] = definition.DecisionDefinitionKey,
        ["decisionId"] = definition.DecisionId,
        ["version"] = definition.Version,
        ["decisionRequirementsKey"] = definition.DecisionRequirementsKey,
        ["matchedRules"] = RuleIds(result.Evaluated.LastOrDefault()),
        ["evaluatedDecisions"] = new JsonArray([.. result.Evaluated.Select(e => (JsonNode)new JsonObject
        {
            ["decisionId"] = e.Decision.Id,
            ["decisionKey"] = graph.Decisions.TryGetValue(e.Decision.Id, out var info) ? info.DecisionDefinitionKey : null,
            ["version"] = graph.Decisions.TryGetValue(e.Decision.Id, out var v) ? v.Version : null,
            ["matchedRules"] = RuleIds(e),
        })]),
    };

    private static JsonArray RuleIds(EvaluatedDecision? decision) =>
        new([.. (decision?.MatchedRules ?? []).Select(m => (JsonNode?)m.Rule.Id)]);
}
