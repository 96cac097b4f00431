using System.Collections.Immutable;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>One decision of an evaluation (the called one or a required one) and what it gave.</summary>
internal sealed record EvaluatedDecision(
    ExecutableDecision Decision, FeelValue Output, ImmutableArray<EvaluatedInput> Inputs, ImmutableArray<MatchedRule> MatchedRules);

/// <summary>
/// The outcome of evaluating a decision: its output and every decision evaluated on the way (required decisions
/// first), or the failure and the decision that failed.
/// </summary>
internal sealed record DecisionResult(
    ExecutableDecision Decision, FeelValue Output, ImmutableArray<EvaluatedDecision> Evaluated, string? Failure, string? FailedDecisionId)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// Evaluates a decision of a DRG against variables: required decisions first (each once), their results visible
/// under the required decision's id and name, then the decision's own table or literal expression. Pure and
/// thread-safe; no I/O.
/// </summary>
internal static class DecisionEvaluator
{
    /// <summary>Like the engine's mapping limits: a decision is part of a command and must not stall it.</summary>
    public static readonly FeelLimits Limits = new(MaxSteps: 200_000, MaxCollectionSize: 100_000, MaxStringLength: 1_000_000, MaxCallDepth: 100);

    public static DecisionResult Evaluate(DecisionRequirements drg, ExecutableDecision decision, FeelContext variables, DateTimeOffset now)
    {
        var evaluated = new List<EvaluatedDecision>();
        var results = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        var failure = Evaluate(drg, decision, variables, now, evaluated, results, depth: 0);
        var output = failure is null ? results[decision.Id] : FeelValue.Null;
        return new DecisionResult(decision, output, [.. evaluated], failure?.Message, failure?.DecisionId);
    }

    private static (string DecisionId, string Message)? Evaluate(DecisionRequirements drg, ExecutableDecision decision, FeelContext variables,
        DateTimeOffset now, List<EvaluatedDecision> evaluated, Dictionary<string, FeelValue> results, int depth)
    {
        if (results.ContainsKey(decision.Id))
        {
            return null;
        }
        if (depth > drg.Decisions.Length)
        {
            // Deployment rejects cycles; this guards a graph built by hand.
            return (decision.Id, $"decision '{decision.Id}' requires itself through its required decisions");
        }
        var scope = new FeelContext(variables);
        foreach (var requiredId in decision.RequiredDecisions)
        {
            if (drg.Find(requiredId) is not { } required)
            {
                return (decision.Id, $"decision '{decision.Id}' requires decision '{requiredId}', which is not in the same file");
            }
            if (Evaluate(drg, required, variables, now, evaluated, results, depth + 1) is { } failed)
            {
                return failed;
            }
            scope.Set(required.Id, results[required.Id]);
            if (required.Name is { } name && name != required.Id)
            {
                scope.Set(name, results[required.Id]);
            }
        }
        switch (decision.Logic)
        {
            case DecisionTable table:
                var result = DecisionTableEvaluator.Evaluate(table, scope, Limits, now);
                if (result.Failure is { } message)
                {
                    return (decision.Id, $"decision '{decision.Id}': {message}");
                }
                evaluated.Add(new EvaluatedDecision(decision, result.Value, result.Inputs, result.Matched));
                results[decision.Id] = result.Value;
                return null;
            case LiteralExpressionLogic literal:
                var value = literal.Expression.Run(scope, Limits, now);
                if (value.Aborted)
                {
                    return (decision.Id, $"decision '{decision.Id}': the literal expression could not be evaluated: {value.Failure}");
                }
                evaluated.Add(new EvaluatedDecision(decision, value.Value, [], []));
                results[decision.Id] = value.Value;
                return null;
            default:
                return (decision.Id, $"decision '{decision.Id}' has no decision logic the engine evaluates");
        }
    }
}
