using System.Collections.Immutable;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>One decision of an evaluation (the called one or a required one) and what it gave.</summary>
internal sealed record EvaluatedDecision(
    ExecutableDecision Decision, FeelValue Output, ImmutableArray<EvaluatedInput> Inputs, ImmutableArray<MatchedRule> MatchedRules);

/// <summary>
/// The outcome of evaluating a decision: its output and every decision evaluated on the way (required decisions
/// first), or the failure and the decision that failed. A value that did not conform to its decision's typeRef is
/// a failure too (an incident names the decision), while <see cref="Output"/> keeps what DMN gives: null there.
/// </summary>
internal sealed record DecisionResult(
    ExecutableDecision Decision, FeelValue Output, ImmutableArray<EvaluatedDecision> Evaluated, string? Failure, string? FailedDecisionId)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// What a decision service gave: its output decisions' values by name, or why it failed. <see cref="Value"/> is
/// the service's value as a function gives it: the single output's value (or a context of the outputs), in the
/// output type of the service's function type.
/// </summary>
internal sealed record ServiceResult(IReadOnlyDictionary<string, FeelValue> Outputs, string? Failure, string? FailedDecisionId, FeelValue? Typed = null)
{
    public FeelValue Value => Typed ?? (Outputs.Count == 1 ? Outputs.Values.Single() : new FeelContextValue(Outputs));
}

/// <summary>
/// Evaluates a decision of a DRG against variables: required decisions first (each once), their results visible
/// under the required decision's id and name, business knowledge models and decision services visible as
/// functions, then the decision's own logic. Pure and thread-safe; no I/O.
/// </summary>
internal static class DecisionEvaluator
{
    /// <summary>Like the engine's mapping limits: a decision is part of a command and must not stall it.</summary>
    public static readonly FeelLimits Limits = new(MaxSteps: 200_000, MaxCollectionSize: 100_000, MaxStringLength: 1_000_000, MaxCallDepth: 100);

    /// <param name="supplied">Values given for decisions by id (they are not evaluated), as a caller may supply input decisions.</param>
    public static DecisionResult Evaluate(DecisionRequirements drg, ExecutableDecision decision, FeelContext variables, DateTimeOffset now,
        IReadOnlyDictionary<string, FeelValue>? supplied = null)
    {
        var evaluation = new DrgEvaluation(drg, variables, now, supplied);
        var failure = evaluation.Evaluate(decision, depth: 0);
        if (failure is { } hard)
        {
            return new DecisionResult(decision, FeelValue.Null, [.. evaluation.Evaluated], hard.Message, hard.DecisionId);
        }
        var violation = evaluation.Violations.FirstOrDefault();
        return new DecisionResult(decision, evaluation.Results[decision.Id], [.. evaluation.Evaluated], violation.Message, violation.DecisionId);
    }

    /// <summary>
    /// Invokes a business knowledge model with arguments by parameter name (as the TCK's "bkm" cases do): its result,
    /// of its function type's output type, or null and why.
    /// </summary>
    public static (FeelValue Value, string? Failure) InvokeKnowledgeModel(
        DecisionRequirements drg, KnowledgeModel bkm, IReadOnlyList<KeyValuePair<string, FeelValue>> arguments, DateTimeOffset now)
    {
        var evaluation = new DrgEvaluation(drg, new FeelContext(), now, null);
        if (evaluation.Function(bkm.Name) is not { } function)
        {
            return (FeelValue.Null, $"business knowledge model '{bkm.Id}' has no logic");
        }
        var ctx = new EvalContext(new FeelContext(), Limits, now);
        var parameters = bkm.Logic!.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        List<KeyValuePair<string, FeelValue>> named = [.. arguments.Where(a => parameters.Contains(a.Key))];
        var value = named.Count == 0 ? Feel.Syntax.Calls.Invoke(ctx, function, []) : Feel.Syntax.Calls.InvokeNamed(ctx, function, named);
        return (ctx.Failure is null ? value : FeelValue.Null, ctx.Failure ?? (value is FeelNull ? ctx.Warnings.FirstOrDefault() : null));
    }

    /// <summary>
    /// Invokes a decision service with arguments by input data and input decision name. Outputs that don't conform
    /// to the service's type (or its function type's output) are all null.
    /// </summary>
    public static ServiceResult InvokeService(DecisionRequirements drg, DecisionService service, IReadOnlyDictionary<string, FeelValue> arguments, DateTimeOffset now)
    {
        var byId = drg.Decisions.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var supplied = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var id in service.InputDecisions)
        {
            // An input decision is never evaluated inside the service: a missing argument is null.
            if (byId.TryGetValue(id, out var d))
            {
                supplied[id] = arguments.GetValueOrDefault(d.Name ?? d.Id, FeelValue.Null);
            }
        }
        var variables = new FeelContext();
        foreach (var input in drg.Parts.InputData.Where(i => service.InputData.Contains(i.Id)))
        {
            variables.Set(input.Name, arguments.GetValueOrDefault(input.Name, FeelValue.Null));
        }
        var evaluation = new DrgEvaluation(drg, variables, now, supplied);
        var outputs = new Dictionary<string, FeelValue>(StringComparer.Ordinal);
        foreach (var id in service.OutputDecisions)
        {
            if (!byId.TryGetValue(id, out var decision))
            {
                return new ServiceResult(outputs, $"decision service '{service.Id}': output decision '{id}' is not in the file", service.Id);
            }
            if (evaluation.Evaluate(decision, depth: 0) is { } failure)
            {
                return new ServiceResult(outputs, failure.Message, failure.DecisionId);
            }
            outputs[decision.Name ?? decision.Id] = evaluation.Results[id];
        }
        var types = drg.Parts.Types;
        var typeRef = types.FunctionOutput(service.TypeRef) ?? service.TypeRef;
        if (typeRef is not null && outputs.Count > 0)
        {
            var context = new FeelContextValue(outputs);
            FeelValue? typed = outputs.Count == 1 && !types.Rejects(typeRef, outputs.Values.Single()) ? types.Coerce(typeRef, outputs.Values.Single())
                : !types.Rejects(typeRef, context) ? types.Coerce(typeRef, context)
                : null;
            if (typed is null)
            {
                var nulls = outputs.Keys.ToDictionary(k => k, _ => (FeelValue)FeelValue.Null, StringComparer.Ordinal);
                return new ServiceResult(nulls, $"decision service '{service.Id}': its outputs do not conform to its type '{typeRef}'", service.Id);
            }
            var conformed = evaluation.Violations.FirstOrDefault();
            return new ServiceResult(outputs, conformed.Message, conformed.DecisionId, typed);
        }
        var violation = evaluation.Violations.FirstOrDefault();
        return new ServiceResult(outputs, violation.Message, violation.DecisionId);
    }
}
