using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Processes.Engine.Feel;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Webhooks;

/// <summary>
/// A webhook's FEEL over what the platform sent (<c>body</c>, <c>headers</c> with lower-case names). A value the
/// mapping needs and the body lacks is the platform's mistake: it is reported as the body field it reads, so the
/// platform's developer sees "tid" rather than a FEEL null.
/// </summary>
internal static partial class WebhookMapping
{
    private static readonly FeelLimits Limits = new(MaxSteps: 100_000, MaxCollectionSize: 10_000, MaxStringLength: 100_000, MaxCallDepth: 50);

    [GeneratedRegex(@"\bbody((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex BodyPath();

    public static FeelContext Context(JsonNode? body, IReadOnlyDictionary<string, string> headers)
    {
        var headerObject = new JsonObject();
        foreach (var (name, value) in headers)
        {
            headerObject[name.ToLowerInvariant()] = value;
        }
        return new FeelContext().Set("body", body?.DeepClone()).Set("headers", headerObject);
    }

    /// <summary>The expression's value as JSON, or why there is none (the missing body field when it reads one).</summary>
    public static (JsonNode? Value, string? Field, string? Problem) Evaluate(string property, string expression, FeelContext context, JsonNode? body,
        DateTimeOffset now, bool required)
    {
        var parsed = Feel.Feel.ParseExpression(expression);
        if (parsed.Expression is null)
        {
            return (null, null, $"webhook.{property} does not parse ({parsed.Error}); the model must be fixed.");
        }
        var result = parsed.Expression.Evaluate(context, Limits, now);
        if (result.Aborted)
        {
            return (null, null, $"webhook.{property} could not be evaluated: {result.Failure}.");
        }
        if (result.Value is FeelNull && required)
        {
            var missing = MissingField(expression, body);
            return missing is not null
                ? (null, missing, $"The body lacks the field '{missing}' (webhook.{property} reads it).")
                : (null, property, $"webhook.{property} '{expression}' gave no value for this body{(result.Reason is { } r ? $": {r}" : "")}.");
        }
        return (FeelJson.ToJsonNode(result.Value), null, null);
    }

    /// <summary>The first of <paramref name="paths"/> (dotted) that the body does not have, or null.</summary>
    public static string? FirstMissing(IEnumerable<string> paths, JsonNode? body) => paths.FirstOrDefault(p => Lookup(body, p) is null);

    private static string? MissingField(string expression, JsonNode? body) =>
        FirstMissing(BodyPath().Matches(expression).Select(m => m.Groups[1].Value.TrimStart('.')), body);

    private static JsonNode? Lookup(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node) || node is null)
            {
                return null;
            }
        }
        return node;
    }

    /// <summary>A correlation or idempotency key as text: strings as they are, numbers and booleans in their JSON form.</summary>
    public static string? AsKey(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };
}
