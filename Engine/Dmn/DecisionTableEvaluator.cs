using System.Collections.Immutable;
using Processes.Engine.Dmn.Types;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>A rule that matched, with the values of its output entries (in output order).</summary>
internal sealed record MatchedRule(DecisionRule Rule, ImmutableArray<FeelValue> Outputs);

/// <summary>An input column's value for one evaluation.</summary>
internal sealed record EvaluatedInput(DecisionInput Input, FeelValue Value);

/// <summary>
/// What a table gave: the value, the inputs it saw and the rules behind the value; or why it failed. A
/// <see cref="Violation"/> (a value outside its column's input or output values) leaves the value null, as DMN
/// says, and names the column and value so a caller can report it.
/// </summary>
internal sealed record TableResult(
    FeelValue Value, ImmutableArray<EvaluatedInput> Inputs, ImmutableArray<MatchedRule> Matched, string? Failure, string? Violation = null);

/// <summary>
/// Evaluates decision tables (DMN 1.4 chapter 8): every rule whose input entries all pass is a match, then the
/// hit policy decides the result. A single output gives its value, several give a context of output name to value.
/// Failures (a FEEL limit, two matches of a UNIQUE table, ANY rules that disagree) are returned, never thrown.
/// </summary>
internal static class DecisionTableEvaluator
{
    /// <param name="types">
    /// The DRG's types: given, an input expression's value and every output value must conform to the column's typeRef
    /// (singleton lists unwrap, a date becomes a date and time); one that does not makes the table's value null and is a
    /// violation naming the column, the value and the type. Null skips the check (a table outside a DRG).
    /// </param>
    public static TableResult Evaluate(DecisionTable table, FeelScope scope, FeelLimits limits, DateTimeOffset now, TypeConformance? types = null)
    {
        var inputs = ImmutableArray.CreateBuilder<EvaluatedInput>(table.Inputs.Length);
        foreach (var input in table.Inputs)
        {
            var evaluation = input.Expression.Run(scope, limits, now);
            if (evaluation.Aborted)
            {
                return Failed(inputs.ToImmutable(), $"input '{input.DisplayName}' could not be evaluated: {evaluation.Failure}");
            }
            if (Conform(types, input.TypeRef, evaluation.Value) is not { } inputValue)
            {
                inputs.Add(new EvaluatedInput(input, evaluation.Value));
                return Violated(inputs.ToImmutable(), $"input '{input.DisplayName}' is {EvalContext.Describe(evaluation.Value)}, " +
                    $"which does not conform to its type '{input.TypeRef}', so the table's value is null");
            }
            inputs.Add(new EvaluatedInput(input, inputValue));
            if (Check(input.Allowed, inputValue, scope, limits, now, out var why) is { } bad)
            {
                return bad
                    ? Failed(inputs.ToImmutable(), $"the input values of input '{input.DisplayName}' could not be evaluated: {why}")
                    : Violated(inputs.ToImmutable(), $"input '{input.DisplayName}' is {EvalContext.Describe(evaluation.Value)}, which is not among its input values ({input.Allowed!.Text}), so the table's value is null");
            }
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
                var column = table.Outputs[outputs.Count];
                if (Conform(types, column.TypeRef, value.Value) is not { } outputValue)
                {
                    return Violated(inputs.ToImmutable(), $"{Describe(rule)} gives output '{column.Name}' {EvalContext.Describe(value.Value)}, " +
                        $"which does not conform to its type '{column.TypeRef}', so the table's value is null");
                }
                if (Check(column.Allowed, outputValue, scope, limits, now, out var why) is { } bad)
                {
                    return bad
                        ? Failed(inputs.ToImmutable(), $"the output values of output '{column.Name}' could not be evaluated: {why}")
                        : Violated(inputs.ToImmutable(), $"{Describe(rule)} gives output '{column.Name}' {EvalContext.Describe(value.Value)}, which is not among its output values ({column.Allowed!.Text}), so the table's value is null");
                }
                outputs.Add(outputValue);
            }
            matched.Add(new MatchedRule(rule, outputs.MoveToImmutable()));
        }
        var evaluatedInputs = inputs.ToImmutable();
        return matched.Count == 0
            ? NoMatch(table, scope, limits, now, evaluatedInputs, types)
            : HitPolicies.Apply(table, matched, evaluatedInputs);
    }

    /// <summary>"rule 'r-2' (row 2)": how failures and incidents name a rule.</summary>
    public static string Describe(DecisionRule rule) => $"rule '{rule.Id}' (row {rule.Index})";

    /// <summary>One rule's result: its single output value, or a context of output name to value.</summary>
    public static FeelValue RowValue(DecisionTable table, ImmutableArray<FeelValue> outputs) =>
        table.Outputs.Length <= 1
            ? outputs.FirstOrDefault() ?? FeelValue.Null
            : new FeelContextValue(table.Outputs.Zip(outputs, (o, v) => new KeyValuePair<string, FeelValue>(o.Name, v)));

    private static TableResult NoMatch(DecisionTable table, FeelScope scope, FeelLimits limits, DateTimeOffset now, ImmutableArray<EvaluatedInput> inputs,
        TypeConformance? types)
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
            if (Conform(types, output.TypeRef, value?.Value ?? FeelValue.Null) is not { } typed)
            {
                return Violated(inputs, $"the default of output '{output.Name}' is {EvalContext.Describe(value!.Value.Value)}, " +
                    $"which does not conform to its type '{output.TypeRef}', so the table's value is null");
            }
            defaults.Add(typed);
        }
        return new TableResult(RowValue(table, defaults.MoveToImmutable()), inputs, [], null);
    }

    /// <summary>The value as the column's type takes it; null when it does not conform (null always conforms).</summary>
    private static FeelValue? Conform(TypeConformance? types, string? typeRef, FeelValue value)
    {
        if (types is null || typeRef is null || value is FeelNull)
        {
            return value;
        }
        var typed = types.Coerce(typeRef, value);
        return typed is FeelNull ? null : typed;
    }

    private static TableResult Failed(ImmutableArray<EvaluatedInput> inputs, string failure) => new(FeelValue.Null, inputs, [], failure);

    private static TableResult Violated(ImmutableArray<EvaluatedInput> inputs, string violation) => new(FeelValue.Null, inputs, [], null, violation);

    /// <summary>
    /// Null when <paramref name="value"/> passes the column's input or output values (or there are none, or the
    /// value is null: a missing value is not one outside the list); false when it is outside them; true when the
    /// tests themselves failed (<paramref name="why"/>).
    /// </summary>
    private static bool? Check(FeelExpression? allowed, FeelValue value, FeelScope scope, FeelLimits limits, DateTimeOffset now, out string? why)
    {
        why = null;
        if (allowed is null || value is FeelNull)
        {
            return null;
        }
        var test = allowed.Test(value, scope, limits, now);
        if (test.Aborted)
        {
            why = test.Failure;
            return true;
        }
        return test.Value is FeelBoolean { Value: true } ? null : false;
    }
}
