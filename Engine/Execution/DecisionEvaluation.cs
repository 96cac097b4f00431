using System.Text.Json.Nodes;
using Processes.Engine.Dmn;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Execution;

/// <summary>
/// A decision evaluated on its own (the API's evaluation endpoint), as its clients read it: values as JSON, every
/// decision evaluated on the way with its stored version, and the key of this evaluation.
/// </summary>
public sealed record DecisionEvaluation(
    string DecisionId, string? Name, int Version, string DecisionRequirementsId, long DecisionDefinitionKey, long DecisionRequirementsKey,
    JsonNode? Output, string? FailedDecisionId, string? Failure, long EvaluationKey, IReadOnlyList<EvaluatedDecisionView> Evaluated)
{
    /// <summary>The tenant of the evaluated decision.</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;

    /// <summary>The stored decision instance of each decision evaluated (Camunda's decisionEvaluationInstanceKey), in the order of <see cref="Evaluated"/>.</summary>
    public IReadOnlyList<long> InstanceKeys { get; init; } = [];
}

/// <summary>One decision of an evaluation (the called one or a required one) and what it gave.</summary>
public sealed record EvaluatedDecisionView(string DecisionId, string? Name, int Version, string DecisionType, long DecisionDefinitionKey, JsonNode? Output,
    IReadOnlyList<EvaluatedInputView> Inputs, IReadOnlyList<MatchedRuleView> MatchedRules);

/// <summary>An input of a decision table and the value it had.</summary>
public sealed record EvaluatedInputView(string InputId, string InputName, JsonNode? Value)
{
    /// <summary>The input expression's text (<c>customer.phone</c>): what the value was read from, for masking.</summary>
    public string? Expression { get; init; }
}

/// <summary>A rule of a decision table that matched, with its outputs.</summary>
public sealed record MatchedRuleView(string RuleId, int RuleIndex, IReadOnlyList<EvaluatedOutputView> Outputs);

/// <summary>An output of a matched rule.</summary>
public sealed record EvaluatedOutputView(string OutputId, string OutputName, JsonNode? Value);

internal static class DecisionEvaluations
{
    public static DecisionEvaluation From(DecisionEvaluationOutcome outcome, long evaluationKey)
    {
        var (definition, result, graph) = outcome;
        return new DecisionEvaluation(definition.DecisionId, definition.Name, definition.Version, definition.DecisionRequirementsId,
            definition.DecisionDefinitionKey, definition.DecisionRequirementsKey, FeelJson.ToJsonNode(result.Output), result.FailedDecisionId, result.Failure,
            evaluationKey, [.. result.Evaluated.Select(e =>
            {
                var info = graph.Decisions.GetValueOrDefault(e.Decision.Id);
                var table = e.Decision.Logic as DecisionTable;
                return new EvaluatedDecisionView(e.Decision.Id, e.Decision.Name, info?.Version ?? definition.Version, e.Decision.DecisionType,
                    info?.DecisionDefinitionKey ?? definition.DecisionDefinitionKey, FeelJson.ToJsonNode(e.Output),
                    [.. e.Inputs.Select(i => new EvaluatedInputView(i.Input.Id, i.Input.DisplayName, FeelJson.ToJsonNode(i.Value)) { Expression = i.Input.Expression.Text })],
                    [.. e.MatchedRules.Select(m => new MatchedRuleView(m.Rule.Id, m.Rule.Index,
                        [.. table!.Outputs.Zip(m.Outputs, (o, v) => new EvaluatedOutputView(o.Id, o.Name, FeelJson.ToJsonNode(v)))]))]);
            })]) { TenantId = definition.TenantId };
    }
}
