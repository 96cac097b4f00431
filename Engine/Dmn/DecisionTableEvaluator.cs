using System.Collections.Immutable;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>A rule that matched, with the values of its output entries (in output order).</summary>
internal sealed record MatchedRule(DecisionRule Rule, ImmutableArray<FeelValue> Outputs);

/// <summary>An input column's value for one evaluation.</summary>
internal sealed record EvaluatedInput(DecisionInput Input, FeelValue Value);

/// <summary>What a table gave: the value, the inputs it saw and the rules behind the value; or why it failed.</summary>
internal sealed record TableResult(FeelValue Value, ImmutableArray<EvaluatedInput> Inputs, ImmutableArray<MatchedRule> Matched, string? Failure);

/// <summary>
/// Evaluates decision tables (DMN 1.4 chapter 8): every rule whose input entries all pass is a match, then the
/// hit policy decides the result. A single output gives its value, several give a context of output name to value.
/// Failures (a FEEL limit, two matches of a UNIQUE table, ANY rules that disagree) are returned, never thrown.
/// </summary>
internal static class DecisionTableEvaluator
{
    public static TableResult Evaluate(DecisionTable table, FeelScope scope, FeelLimits limits, DateTimeOffset now)
    {
        var inputs = ImmutableArray.CreateBuilder<EvaluatedInput>(table.Inputs.Length);
        foreach (var input in table.Inputs)
        {
            var evaluation = input.Expression.Run(scope, limits, now);
            if (evaluation.Aborted)
            {
                return Failed(inputs.ToImmutable(), $"input '{input.DisplayName}' could not be evaluated: {evaluation.Failure}");
            }
            inputs.Add(new EvaluatedInput(input, evaluation.Value));
        }
        var matched = new List<MatchedRule>();
        foreach (var rule in table.Rules)
        {
            var hit = true;
            for (var i = 0; i < rule.InputEntries.Length && i < inputs.Count && hit; i++)
            {
                var test = rule.InputEntries[i].Test(inputs[i].Value, scope, limits, now);
                if (test.Aborted)
                {
                    return Failed(inputs.ToImmutable(), $"{Describe(rule)}, input entry '{rule.InputEntries[i].Text}' of input '{inputs[i].Input.DisplayName}' could not be evaluated: {test.Failure}");
                }
                hit = test.Value is FeelBoolean { Value: true };
            }
            if (!hit)
            {
                continue;
            }
            var outputs = ImmutableArray.CreateBuilder<FeelValue>(rule.OutputEntries.Length);
            foreach (var entry in rule.OutputEntries)
            {
                var value = entry.Run(scope, limits, now);
                if (value.Aborted)
                {
                    return Failed(inputs.ToImmutable(), $"{Describe(rule)}, output entry '{entry.Text}' could not be evaluated: {value.Failure}");
                }
                outputs.Add(value.Value);
            }
            matched.Add(new MatchedRule(rule, outputs.MoveToImmutable()));
        }
        var evaluatedInputs = inputs.ToImmutable();
        return matched.Count == 0
            ? NoMatch(table, scope, limits, now, evaluatedInputs)
            : HitPolicies.Apply(table, matched, evaluatedInputs);
    }

    /// <summary>"rule 'r-2' (row 2)": how failures and incidents name a rule.</summary>
    public static string Describe(DecisionRule rule) => $"rule '{rule.Id}' (row {rule.Index})";

    /// <summary>One rule's result: its single output value, or a context of output name to value.</summary>
    public static FeelValue RowValue(DecisionTable table, ImmutableArray<FeelValue> outputs) =>
        table.Outputs.Length <= 1
            ? outputs.FirstOrDefault() ?? FeelValue.Null
            : new FeelContextValue(table.Outputs.Zip(outputs, (o, v) => new KeyValuePair<string, FeelValue>(o.Name, v)));

    private static TableResult NoMatch(DecisionTable table, FeelScope scope, FeelLimits limits, DateTimeOffset now, ImmutableArray<EvaluatedInput> inputs)
    {
        if (table.Outputs.All(o => o.Default is null))
        {
            // Camunda: no match is null for single-result policies and an empty list for the list policies.
            var isList = table.HitPolicy is HitPolicy.RuleOrder or HitPolicy.OutputOrder ||
                (table.HitPolicy == HitPolicy.Collect && table.Aggregation == Aggregation.None);
            return new TableResult(isList ? FeelList.Empty : FeelValue.Null, inputs, [], null);
        }
        var defaults = ImmutableArray.CreateBuilder<FeelValue>(table.Outputs.Length);
        foreach (var output in table.Outputs)
        {
            var value = output.Default?.Run(scope, limits, now);
            if (value is { Aborted: true } aborted)
            {
                return Failed(inputs, $"the default of output '{output.Name}' could not be evaluated: {aborted.Failure}");
            }
            defaults.Add(value?.Value ?? FeelValue.Null);
        }
        return new TableResult(RowValue(table, defaults.MoveToImmutable()), inputs, [], null);
    }

    private static TableResult Failed(ImmutableArray<EvaluatedInput> inputs, string failure) => new(FeelValue.Null, inputs, [], failure);
}
