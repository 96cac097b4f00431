using System.Xml.Linq;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>Decision tables: enough of the hit policies for the TCK models (unique, first, any, priority as first, collect, rule order).</summary>
internal sealed partial class DmnEvaluator
{
    private FeelValue EvaluateDecisionTable(XElement table, FeelContext scope)
    {
        var inputs = table.Children("input")
            .Select(i => EvaluateText(i.Child("inputExpression")?.Child("text")?.Value ?? "null", scope))
            .ToList();
        var outputs = table.Children("output").Select(o => o.Attr("name") ?? "").ToList();
        var matched = new List<FeelValue>();
        foreach (var rule in table.Children("rule"))
        {
            var entries = rule.Children("inputEntry").Select(e => e.Child("text")?.Value ?? "-").ToList();
            var hit = true;
            for (var i = 0; i < entries.Count && i < inputs.Count && hit; i++)
            {
                hit = Test(entries[i], inputs[i], scope) is FeelBoolean { Value: true };
            }
            if (!hit)
            {
                continue;
            }
            var values = rule.Children("outputEntry").Select(e => EvaluateText(e.Child("text")?.Value ?? "null", scope)).ToList();
            matched.Add(outputs.Count <= 1
                ? values.FirstOrDefault() ?? FeelValue.Null
                : new FeelContextValue(outputs.Zip(values, (n, v) => new KeyValuePair<string, FeelValue>(n, v))));
        }
        var policy = table.Attr("hitPolicy") ?? "UNIQUE";
        if (matched.Count == 0)
        {
            return DefaultOutput(table, outputs, scope, policy);
        }
        switch (policy)
        {
            case "UNIQUE":
                return matched.Count == 1 ? matched[0] : FeelValue.Null;
            case "FIRST" or "PRIORITY" or "ANY":
                return matched[0];
            case "COLLECT":
                return Aggregate(table.Attr("aggregation"), matched);
            default:
                return new FeelList(matched);
        }
    }

    private FeelValue DefaultOutput(XElement table, List<string> outputs, FeelContext scope, string policy)
    {
        var defaults = table.Children("output")
            .Select(o => o.Child("defaultOutputEntry")?.Child("text")?.Value)
            .ToList();
        if (defaults.All(d => d is null))
        {
            return policy is "COLLECT" or "RULE ORDER" or "OUTPUT ORDER" && table.Attr("aggregation") is null ? FeelList.Empty : FeelValue.Null;
        }
        var values = defaults.Select(d => d is null ? FeelValue.Null : EvaluateText(d, scope)).ToList();
        return outputs.Count <= 1 ? values[0] : new FeelContextValue(outputs.Zip(values, (n, v) => new KeyValuePair<string, FeelValue>(n, v)));
    }

    private static FeelValue Aggregate(string? aggregation, List<FeelValue> matched)
    {
        if (aggregation is null)
        {
            return new FeelList(matched);
        }
        if (aggregation == "COUNT")
        {
            return new FeelNumber(matched.Count);
        }
        var numbers = matched.OfType<FeelNumber>().Select(n => n.Value).ToList();
        if (numbers.Count != matched.Count)
        {
            return FeelValue.Null;
        }
        return aggregation switch
        {
            "SUM" => new FeelNumber(numbers.Sum()),
            "MIN" => new FeelNumber(numbers.Min()),
            "MAX" => new FeelNumber(numbers.Max()),
            _ => FeelValue.Null,
        };
    }
}
