using System.Text.Json.Nodes;
using Processes.Engine.Dmn;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tests.Dmn;

/// <summary>Small DMN 1.3 files for tests, written the way Camunda Modeler writes them.</summary>
internal static class DmnText
{
    public const string Namespace = "https://www.omg.org/spec/DMN/20191111/MODEL/";

    /// <summary>A file around <paramref name="decisions"/> (decision elements); line 1 is the XML declaration, line 2 the root.</summary>
    public static string File(string decisions, string id = "drg", string ns = Namespace) =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"{ns}\" id=\"{id}\" name=\"Test decisions\" namespace=\"http://camunda.org/schema/1.0/dmn\">\n{decisions}\n</definitions>";

    /// <summary>
    /// A decision table. <paramref name="inputs"/> are input expressions; <paramref name="outputs"/> output names
    /// (a name may carry output values after '|': <c>"level|\"high\",\"low\""</c>); each rule is its input entries then
    /// its output entries.
    /// </summary>
    public static string Table(string id, string hitPolicy, string[] inputs, string[] outputs, string[][] rules, string? aggregation = null, string requires = "")
    {
        var columns = string.Concat(inputs.Select((e, i) =>
            $"<input id=\"{id}-in{i + 1}\" label=\"{Escape(e)}\"><inputExpression><text>{Escape(e)}</text></inputExpression></input>"));
        columns += string.Concat(outputs.Select((o, i) =>
        {
            var parts = o.Split('|');
            var values = parts.Length > 1 ? $"<outputValues><text>{Escape(parts[1])}</text></outputValues>" : "";
            return $"<output id=\"{id}-out{i + 1}\" name=\"{parts[0]}\">{values}</output>";
        }));
        var rows = string.Concat(rules.Select((r, i) =>
            $"<rule id=\"{id}-r{i + 1}\">" +
            string.Concat(r.Take(inputs.Length).Select(e => $"<inputEntry><text>{Escape(e)}</text></inputEntry>")) +
            string.Concat(r.Skip(inputs.Length).Select(e => $"<outputEntry><text>{Escape(e)}</text></outputEntry>")) +
            "</rule>\n"));
        var aggregate = aggregation is null ? "" : $" aggregation=\"{aggregation}\"";
        return $"<decision id=\"{id}\" name=\"{id} decision\">{requires}\n<decisionTable hitPolicy=\"{hitPolicy}\"{aggregate}>{columns}\n{rows}</decisionTable></decision>";
    }

    public static string Literal(string id, string expression, string requires = "") =>
        $"<decision id=\"{id}\" name=\"{id} decision\">{requires}<literalExpression><text>{Escape(expression)}</text></literalExpression></decision>";

    public static string Requires(params string[] ids) =>
        string.Concat(ids.Select(i => $"<informationRequirement><requiredDecision href=\"#{i}\" /></informationRequirement>"));

    public static string Escape(string text) => System.Security.SecurityElement.Escape(text);

    public static DecisionRequirements Read(string decisions)
    {
        var result = DmnReader.Read(File(decisions));
        result.Errors.ShouldBeEmpty(string.Join("\n", result.Errors));
        return result.Requirements!;
    }

    public static DecisionResult Evaluate(string decisions, string decisionId, string variablesJson = "{}")
    {
        var drg = Read(decisions);
        return DecisionEvaluator.Evaluate(drg, drg.Find(decisionId)!, FeelContext.FromJson(JsonNode.Parse(variablesJson)!.AsObject()), DateTimeOffset.UtcNow);
    }

    public static string Json(DecisionResult result) => FeelJson.ToJsonNode(result.Output)?.ToJsonString() ?? "null";
}
