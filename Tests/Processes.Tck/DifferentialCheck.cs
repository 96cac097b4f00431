using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>
/// Compares this FEEL implementation with feelin (npm, JavaScript) over generated expressions. Needs node and
/// `npm install` in Tests/Processes.Tck/Differential. feelin uses binary doubles, so numbers compare with a
/// relative tolerance; everything else must match exactly.
/// </summary>
public static class DifferentialCheck
{
    public static int Run(string scriptDirectory, int count, int seed, TextWriter output)
    {
        var generator = new ExpressionGenerator(new Random(seed));
        var expressions = Enumerable.Range(0, count).Select(_ => generator.Expression(3)).ToList();
        var reference = RunFeelin(scriptDirectory, expressions);
        if (reference is null)
        {
            output.WriteLine("feelin could not be run: install node and run `npm install` in " + scriptDirectory);
            return 2;
        }
        var disagreements = new List<string>();
        for (var i = 0; i < expressions.Count; i++)
        {
            var parsed = Feel.ParseExpression(expressions[i]);
            var ours = parsed.Expression is null ? null : Normalise(parsed.Expression.Evaluate(FeelContext.Empty).Value);
            var theirs = reference[i]?["value"];
            if (!Same(ours, theirs))
            {
                disagreements.Add($"{expressions[i]}  =>  ours {ours?.ToJsonString() ?? "null"}, feelin {theirs?.ToJsonString() ?? reference[i]?.ToJsonString()}");
            }
        }
        foreach (var line in disagreements.Take(40))
        {
            output.WriteLine("  differs: " + line);
        }
        output.WriteLine($"Differential (feelin): {count - disagreements.Count}/{count} agree");
        return 0;
    }

    private static JsonArray? RunFeelin(string directory, List<string> expressions)
    {
        var start = new ProcessStartInfo("node", "feelin-eval.mjs")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }
            process.StandardInput.Write(JsonSerializer.Serialize(expressions));
            process.StandardInput.Close();
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? JsonNode.Parse(text) as JsonArray : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static JsonNode? Normalise(FeelValue value) => value switch
    {
        FeelNull => null,
        FeelNumber n => new JsonObject { ["number"] = n.ToString() },
        FeelString s => JsonValue.Create(s.Value),
        FeelBoolean b => JsonValue.Create(b.Value),
        FeelList l => new JsonArray([.. l.Items.Select(Normalise)]),
        FeelContextValue c => new JsonObject(c.Entries.Select(e => new KeyValuePair<string, JsonNode?>(e.Key, Normalise(e.Value)))),
        _ => new JsonObject { ["other"] = value.ToString() },
    };

    private static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (a is JsonObject ao && ao.TryGetPropertyValue("number", out var an) && b is JsonObject bo && bo.TryGetPropertyValue("number", out var bn))
        {
            var x = double.Parse(an!.GetValue<string>(), CultureInfo.InvariantCulture);
            var y = double.Parse(bn!.GetValue<string>(), CultureInfo.InvariantCulture);
            return Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x));
        }
        if (a is JsonArray aa && b is JsonArray ba)
        {
            return aa.Count == ba.Count && aa.Zip(ba).All(p => Same(p.First, p.Second));
        }
        if (a is JsonObject oa && b is JsonObject ob)
        {
            return oa.Count == ob.Count && oa.All(p => ob.TryGetPropertyValue(p.Key, out var other) && Same(p.Value, other));
        }
        return JsonNode.DeepEquals(a, b);
    }
}
