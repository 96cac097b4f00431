using System.Collections.Immutable;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn;

/// <summary>How a decision table's matched rules become its result (called with at least one match).</summary>
internal static class HitPolicies
{
    public static TableResult Apply(DecisionTable table, List<MatchedRule> matched, ImmutableArray<EvaluatedInput> inputs)
    {
        TableResult One(MatchedRule rule) => new(DecisionTableEvaluator.RowValue(table, rule.Outputs), inputs, [rule], null);
        TableResult List(IEnumerable<MatchedRule> rules)
        {
            var ordered = rules.ToImmutableArray();
            return new(new FeelList([.. ordered.Select(r => DecisionTableEvaluator.RowValue(table, r.Outputs))]), inputs, ordered, null);
        }
        TableResult Fail(string message) => new(FeelValue.Null, inputs, [.. matched], message);

        switch (table.HitPolicy)
        {
            case HitPolicy.Unique:
                return matched.Count == 1
                    ? One(matched[0])
                    : Fail($"hit policy UNIQUE allows one matching rule, but {matched.Count} matched: {Rules(matched)}");
            case HitPolicy.First:
                return One(matched[0]);
            case HitPolicy.Any:
                var first = DecisionTableEvaluator.RowValue(table, matched[0].Outputs);
                var differing = matched.FirstOrDefault(m => FeelComparer.ValueEquals(first, DecisionTableEvaluator.RowValue(table, m.Outputs)) != true);
                return differing is null
                    ? new TableResult(first, inputs, [.. matched], null)
                    : Fail($"hit policy ANY requires matching rules to have equal outputs, but {DecisionTableEvaluator.Describe(matched[0].Rule)} and " +
                        $"{DecisionTableEvaluator.Describe(differing.Rule)} differ");
            case HitPolicy.Priority:
                return One(ByPriority(table, matched).First());
            case HitPolicy.OutputOrder:
                return List(ByPriority(table, matched));
            case HitPolicy.RuleOrder:
                return List(matched);
            default:
                return Collect(table, matched, inputs);
        }
    }

    private static TableResult Collect(DecisionTable table, List<MatchedRule> matched, ImmutableArray<EvaluatedInput> inputs)
    {
        var values = matched.Select(m => DecisionTableEvaluator.RowValue(table, m.Outputs)).ToList();
        var rules = matched.ToImmutableArray();
        switch (table.Aggregation)
        {
            case Aggregation.None:
                return new TableResult(new FeelList(values), inputs, rules, null);
            case Aggregation.Count:
                return new TableResult(new FeelNumber(values.Count), inputs, rules, null);
        }
        var numbers = new List<decimal>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is FeelNumber n)
            {
                numbers.Add(n.Value);
            }
            else if (values[i] is not FeelNull)
            {
                return new TableResult(FeelValue.Null, inputs, rules,
                    $"hit policy COLLECT {table.Aggregation.ToString().ToUpperInvariant()} needs numbers, but {DecisionTableEvaluator.Describe(matched[i].Rule)} gave {values[i]}");
            }
        }
        FeelValue result = numbers.Count == 0 ? FeelValue.Null : table.Aggregation switch
        {
            Aggregation.Sum => new FeelNumber(numbers.Sum()),
            Aggregation.Min => new FeelNumber(numbers.Min()),
            _ => new FeelNumber(numbers.Max()),
        };
        return new TableResult(result, inputs, rules, null);
    }

    /// <summary>
    /// Matches ordered by their outputs' positions in the output values lists (first output decides, the next breaks
    /// ties); equal priorities keep rule order. A value missing from its list sorts last.
    /// </summary>
    private static IEnumerable<MatchedRule> ByPriority(DecisionTable table, List<MatchedRule> matched) =>
        matched
            .Select((m, index) => (m, index, Key: table.Outputs.Select((o, i) => PriorityOf(o, m.Outputs[i])).ToArray()))
            .OrderBy(x => x.Key, PriorityKeyComparer.Instance)
            .ThenBy(x => x.index)
            .Select(x => x.m);

    private static int PriorityOf(DecisionOutput output, FeelValue value)
    {
        for (var i = 0; i < output.Priorities.Length; i++)
        {
            if (FeelComparer.ValueEquals(output.Priorities[i], value) == true)
            {
                return i;
            }
        }
        return int.MaxValue;
    }

    private static string Rules(List<MatchedRule> matched) => string.Join(", ", matched.Select(m => DecisionTableEvaluator.Describe(m.Rule)));

    private sealed class PriorityKeyComparer : IComparer<int[]>
    {
        public static readonly PriorityKeyComparer Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            for (var i = 0; i < Math.Min(x!.Length, y!.Length); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }
            return 0;
        }
    }
}
