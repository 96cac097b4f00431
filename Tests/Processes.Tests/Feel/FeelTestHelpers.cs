using System.Text.Json.Nodes;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tests.Feel;

internal static class FeelTestHelpers
{
    public static FeelEvaluation Run(string expression, string variablesJson = "{}")
    {
        var parsed = Engine.Feel.Feel.ParseExpression(expression);
        parsed.Error.ShouldBeNull($"parse of '{expression}'");
        return parsed.Expression!.Evaluate(FeelContext.FromJson(JsonNode.Parse(variablesJson)!.AsObject()));
    }

    public static FeelValue Eval(string expression, string variablesJson = "{}") => Run(expression, variablesJson).Value;

    /// <summary>The result in FEEL's own notation, which keeps assertions short and readable.</summary>
    public static string Show(string expression, string variablesJson = "{}") => Eval(expression, variablesJson).ToString();
}
