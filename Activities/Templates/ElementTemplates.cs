using System.Reflection;
using System.Text.Json.Nodes;

namespace Processes.Activities.Templates;

/// <summary>
/// The element templates of the built-in activities (one <c>*.element-template.json</c> per job type, Camunda's
/// element-template schema), shipped inside this assembly so the designer offers exactly the activities this build
/// runs. <c>ElementTemplateTests</c> checks each against what its handler reads, so template and handler agree.
/// </summary>
public static class ElementTemplates
{
    private const string Prefix = "Processes.Activities.Templates.";

    private static readonly Lazy<IReadOnlyList<string>> Texts = new(() =>
    {
        var assembly = typeof(ElementTemplates).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".element-template.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => Read(assembly, name))];
    });

    /// <summary>The templates' JSON texts, ordered by file name.</summary>
    public static IReadOnlyList<string> All => Texts.Value;

    /// <summary>The templates as one JSON array (what the designer loads); a fresh copy each call.</summary>
    public static JsonArray AsArray() => [.. All.Select(text => JsonNode.Parse(text))];

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
