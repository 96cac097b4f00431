using System.Text.Json;
using System.Text.RegularExpressions;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Deployment;

/// <summary>
/// The inbox renders a form's text and HTML components as markup (form-js sanitizes, but only against its own
/// allow-list, and a form is served back as stored). A form that carries active content — a script, a frame, an
/// embedded object, an event handler, a javascript: URL — has no business purpose, so deployment refuses it and names
/// the component, the property and the rule.
/// </summary>
internal static partial class FormMarkup
{
    public const string ActiveElementRule = "no-active-elements";
    public const string EventHandlerRule = "no-event-handlers";
    public const string ScriptUrlRule = "no-script-urls";

    private const int MaxNesting = 64;

    /// <summary>Every component (groups and lists included) whose text carries active content.</summary>
    public static IEnumerable<ModelProblem> Check(JsonElement form) => Components(form, "", 0);

    private static IEnumerable<ModelProblem> Components(JsonElement container, string path, int depth)
    {
        if (depth > MaxNesting || !container.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        var index = 0;
        foreach (var component in components.EnumerateArray())
        {
            var at = $"{path}components[{index++}]";
            if (component.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var problem in Component(component, at))
            {
                yield return problem;
            }
            foreach (var problem in Components(component, at + ".", depth + 1))
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<ModelProblem> Component(JsonElement component, string at)
    {
        var id = Text(component, "id") ?? Text(component, "key");
        var type = Text(component, "type") ?? "component";
        var name = id is null ? $"The {type} component at {at}" : $"The {type} component '{id}'";
        foreach (var property in component.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            var value = property.Value.GetString()!;
            if (ActiveElement().Match(value) is { Success: true } element)
            {
                yield return Refusal($"{name} has <{element.Groups[1].Value}> in its '{property.Name}'; forms may not embed scripts, frames or objects " +
                    $"(rule {ActiveElementRule}).", id, type);
            }
            if (EventHandler().Match(value) is { Success: true } handler)
            {
                yield return Refusal($"{name} has the event handler '{handler.Groups[1].Value}=' in its '{property.Name}'; a browser would run it " +
                    $"(rule {EventHandlerRule}).", id, type);
            }
            if (ScriptUrl().Match(value) is { Success: true } url)
            {
                yield return Refusal($"{name} has a {url.Value.TrimEnd(':').ToLowerInvariant()}: URL in its '{property.Name}'; a browser would run it " +
                    $"(rule {ScriptUrlRule}).", id, type);
            }
        }
    }

    private static string? Text(JsonElement component, string property) =>
        component.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;

    private static ModelProblem Refusal(string message, string? id, string type) => new(ProblemSeverity.Error, message, id, type);

    // NonBacktracking: forms are untrusted and up to megabytes long, so matching must stay linear in their length.

    // Tags that load or run something; formatting tags (<b>, <a href="https://…">, <img src="https://…">) stay allowed.
    [GeneratedRegex(@"<\s*/?\s*(script|iframe|frame|frameset|object|embed|applet|base|meta)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex ActiveElement();

    // An on…= attribute inside a tag: "<img src=x onerror=…>", "<svg/onload=…>".
    [GeneratedRegex(@"<[a-z!/][^>]*?[\s/""'](on[a-z]+)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex EventHandler();

    // Browsers ignore whitespace inside the scheme ("java\tscript:"); data:text/html opens a page of the author's choice.
    [GeneratedRegex(@"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t\s*:|data\s*:\s*text/html", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex ScriptUrl();
}
