using System.Collections.Immutable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn;

/// <summary>
/// Reads a <c>decisionTable</c> element into a <see cref="DecisionTable"/>, reporting every problem (unknown hit
/// policy, columns without expressions or names, rules with the wrong number of entries, FEEL that does not
/// parse). Returns null when the table cannot be evaluated.
/// </summary>
internal static class DecisionTableReader
{
    public static DecisionTable? Read(SourceElement table, string decisionId, DmnReadContext context)
    {
        var before = context.Problems.Count(p => p.IsError);
        var hitPolicy = ReadHitPolicy(table, decisionId, context);
        var aggregation = ReadAggregation(table, decisionId, hitPolicy, context);
        var inputs = ReadInputs(table, decisionId, context);
        var outputs = ReadOutputs(table, decisionId, context);
        if (outputs.Count == 0)
        {
            context.Error(table, decisionId, "The decision table has no output column; add an output.");
        }
        if (aggregation != Aggregation.None && outputs.Count > 1)
        {
            context.Error(table, decisionId, $"The aggregation {aggregation.ToString().ToUpperInvariant()} needs exactly one output column, but the table has {outputs.Count}.");
        }
        if (hitPolicy is HitPolicy.Priority or HitPolicy.OutputOrder && outputs.All(o => o.Priorities.IsEmpty))
        {
            context.Error(table, decisionId,
                $"Hit policy {Name(hitPolicy)} orders results by the output values, but no output column lists its output values as constants (the priority order, e.g. \"high\",\"medium\",\"low\").");
        }
        var rules = ReadRules(table, decisionId, inputs.Count, outputs.Count, context);
        if (context.Problems.Count(p => p.IsError) > before)
        {
            return null;
        }
        return new DecisionTable(hitPolicy, aggregation, [.. inputs], [.. outputs], rules);
    }

    public static string Name(HitPolicy policy) => policy switch
    {
        HitPolicy.RuleOrder => "RULE ORDER",
        HitPolicy.OutputOrder => "OUTPUT ORDER",
        _ => policy.ToString().ToUpperInvariant(),
    };

    private static HitPolicy ReadHitPolicy(SourceElement table, string decisionId, DmnReadContext context)
    {
        var text = table.NonBlank("hitPolicy")?.Replace('_', ' ').ToUpperInvariant() ?? "UNIQUE";
        HitPolicy? policy = text switch
        {
            "UNIQUE" => HitPolicy.Unique,
            "FIRST" => HitPolicy.First,
            "ANY" => HitPolicy.Any,
            "PRIORITY" => HitPolicy.Priority,
            "RULE ORDER" => HitPolicy.RuleOrder,
            "OUTPUT ORDER" => HitPolicy.OutputOrder,
            "COLLECT" => HitPolicy.Collect,
            _ => null,
        };
        if (policy is null)
        {
            context.Error(table, decisionId,
                $"The hit policy '{table.Attribute("hitPolicy")}' is unknown; use UNIQUE, FIRST, ANY, PRIORITY, RULE ORDER, OUTPUT ORDER or COLLECT.");
        }
        return policy ?? HitPolicy.Unique;
    }

    private static Aggregation ReadAggregation(SourceElement table, string decisionId, HitPolicy policy, DmnReadContext context)
    {
        if (table.NonBlank("aggregation") is not { } text)
        {
            return Aggregation.None;
        }
        Aggregation? aggregation = text.ToUpperInvariant() switch
        {
            "SUM" => Aggregation.Sum,
            "MIN" => Aggregation.Min,
            "MAX" => Aggregation.Max,
            "COUNT" => Aggregation.Count,
            _ => null,
        };
        if (aggregation is null)
        {
            context.Error(table, decisionId, $"The aggregation '{text}' is unknown; use SUM, MIN, MAX or COUNT.");
        }
        else if (policy != HitPolicy.Collect)
        {
            context.Error(table, decisionId, $"The aggregation {text} applies to hit policy COLLECT only, but the hit policy is {Name(policy)}.");
        }
        return aggregation ?? Aggregation.None;
    }

    private static List<DecisionInput> ReadInputs(SourceElement table, string decisionId, DmnReadContext context)
    {
        var inputs = new List<DecisionInput>();
        var index = 0;
        foreach (var input in Children(table, "input"))
        {
            index++;
            var id = input.NonBlank("id") ?? $"input{index}";
            var label = input.NonBlank("label");
            var what = $"The expression of input '{label ?? id}'";
            var expression = Child(input, "inputExpression") is { } inputExpression
                ? context.Expression(inputExpression, decisionId, what, whenEmpty: null, new TableCell(null, id))
                : null;
            if (Child(input, "inputExpression") is null)
            {
                context.Error(input, decisionId, $"Input '{label ?? id}' has no input expression; it needs the FEEL expression whose value the rules test.",
                    new TableCell(null, id));
            }
            var allowed = Child(input, "inputValues") is { } values && TextOf(values) is not null
                ? context.UnaryTests(values, decisionId, $"The input values of input '{label ?? id}'", new TableCell(null, id))
                : null;
            if (expression is not null)
            {
                inputs.Add(new DecisionInput(id, label, expression, allowed) { TypeRef = Child(input, "inputExpression")?.NonBlank("typeRef") });
            }
        }
        return inputs;
    }

    private static List<DecisionOutput> ReadOutputs(SourceElement table, string decisionId, DmnReadContext context)
    {
        var outputs = new List<DecisionOutput>();
        var elements = Children(table, "output").ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var output in elements)
        {
            index++;
            var id = output.NonBlank("id") ?? $"output{index}";
            var name = output.NonBlank("name");
            if (name is null && elements.Count > 1)
            {
                context.Error(output, decisionId, $"Output '{output.NonBlank("label") ?? id}' has no name; with several outputs, the name is the key of the output in the result.",
                    new TableCell(null, id));
            }
            else if (name is not null && !names.Add(name))
            {
                context.Error(output, decisionId, $"Two outputs are named '{name}'; output names must be unique.", new TableCell(null, id));
            }
            var allowed = Child(output, "outputValues") is { } values && TextOf(values) is not null
                ? context.UnaryTests(values, decisionId, $"The output values of output '{name ?? id}'", new TableCell(null, id))
                : null;
            var priorities = Priorities(output);
            var defaultEntry = Child(output, "defaultOutputEntry") is { } d
                ? context.Expression(d, decisionId, $"The default output entry of output '{name ?? id}'", whenEmpty: "null", new TableCell(null, id))
                : null;
            outputs.Add(new DecisionOutput(id, name ?? id, output.NonBlank("label"), output.NonBlank("typeRef"), priorities, defaultEntry, allowed));
        }
        return outputs;
    }

    /// <summary>
    /// Output values that are constants ("high","medium","low") give the priority order of PRIORITY and OUTPUT
    /// ORDER tables; output values that are other unary tests (e.g. <c>[0..100]</c>) only constrain the values.
    /// </summary>
    private static ImmutableArray<FeelValue> Priorities(SourceElement output)
    {
        if (Child(output, "outputValues") is not { } values || TextOf(values) is not { } text)
        {
            return [];
        }
        var parsed = Feel.Feel.ParseExpression("[" + text + "]");
        return parsed.Expression?.Evaluate(FeelContext.Empty).Value is FeelList list && list.Items.All(v => v is not (FeelNull or FeelRange or FeelFunction))
            ? [.. list.Items]
            : [];
    }

    private static ImmutableArray<DecisionRule> ReadRules(SourceElement table, string decisionId, int inputCount, int outputCount, DmnReadContext context)
    {
        var rules = ImmutableArray.CreateBuilder<DecisionRule>();
        // The columns' ids as the file has them (also those whose expression did not parse), for the cells' positions.
        var inputIds = Children(table, "input").Select((e, i) => e.NonBlank("id") ?? $"input{i + 1}").ToList();
        var outputIds = Children(table, "output").Select((e, i) => e.NonBlank("id") ?? $"output{i + 1}").ToList();
        var index = 0;
        foreach (var rule in Children(table, "rule"))
        {
            index++;
            var id = rule.NonBlank("id") ?? $"rule{index}";
            var where = $"Rule '{id}' (row {index})";
            var inputEntries = Children(rule, "inputEntry").ToList();
            var outputEntries = Children(rule, "outputEntry").ToList();
            if (inputEntries.Count != inputCount)
            {
                context.Error(rule, decisionId, $"{where} has {inputEntries.Count} input entries, but the table has {inputCount} inputs.", new TableCell(index, null));
            }
            if (outputEntries.Count != outputCount)
            {
                context.Error(rule, decisionId, $"{where} has {outputEntries.Count} output entries, but the table has {outputCount} outputs.", new TableCell(index, null));
            }
            var tests = inputEntries.Select((e, i) => context.UnaryTests(e, decisionId, $"{where}, input entry {i + 1}",
                new TableCell(index, i < inputIds.Count ? inputIds[i] : null))).ToList();
            var values = outputEntries.Select((e, i) => context.Expression(e, decisionId, $"{where}, output entry {i + 1}", whenEmpty: "null",
                new TableCell(index, i < outputIds.Count ? outputIds[i] : null))).ToList();
            if (tests.All(t => t is not null) && values.All(v => v is not null))
            {
                rules.Add(new DecisionRule(id, index, [.. tests!], [.. values!]));
            }
        }
        return rules.ToImmutable();
    }
}
