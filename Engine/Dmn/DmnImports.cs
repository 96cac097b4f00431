using System.Collections.Immutable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn;

/// <summary>
/// The <c>import</c> elements of a DMN file (DMN 1.5 §6.3.3). Only DMN models are imported; an import of another
/// type (XML Schema, PMML) is ignored with a warning. Resolving a namespace to a model is the caller's (the
/// deployment's): this only matches the imports against the models it is given.
/// </summary>
internal static class DmnImports
{
    /// <summary>The import types that name a DMN model: any DMN 1.2–1.5 model namespace, as the spec says.</summary>
    public static bool IsDmnImport(string? importType) => importType is not null && DmnReader.Namespaces.Any(n => Bare(n) == Bare(importType));

    // Modelers write the spec's namespaces with either scheme.
    private static string Bare(string uri) =>
        uri.Trim().Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal);

    /// <summary>
    /// The file's DMN imports; with <paramref name="models"/> (namespace → model), also each import's model by import
    /// name, and an error for an import whose namespace is not among them. Without it imports are read, not checked.
    /// </summary>
    public static (ImmutableArray<DmnImport> Imports, ImmutableDictionary<string, DecisionRequirements> Resolved) Read(
        SourceElement root, List<ModelProblem> problems, IReadOnlyDictionary<string, DecisionRequirements>? models)
    {
        var imports = ImmutableArray.CreateBuilder<DmnImport>();
        var resolved = ImmutableDictionary.CreateBuilder<string, DecisionRequirements>(StringComparer.Ordinal);
        foreach (var element in Children(root, "import"))
        {
            var ns = element.NonBlank("namespace");
            var name = element.Attribute("name")?.Trim();
            if (!IsDmnImport(element.Attribute("importType")))
            {
                problems.Add(new ModelProblem(ProblemSeverity.Warning,
                    $"The import of '{ns}' has the import type '{element.Attribute("importType")}'; only DMN models are imported, so it is ignored.",
                    name, "import", element.Line, element.Column));
                continue;
            }
            if (ns is null || string.IsNullOrEmpty(name))
            {
                // DMN 1.5 allows an empty name (import into the default namespace); names then collide silently, so we ask for one.
                problems.Add(new ModelProblem(ProblemSeverity.Error, ns is null
                    ? "A DMN import has no namespace; the namespace names the imported model's definitions."
                    : $"The import of '{ns}' has no name; imported elements are referred to as name.element, so the import needs a name.",
                    name, "import", element.Line, element.Column));
                continue;
            }
            if (imports.Any(i => i.Name == name))
            {
                problems.Add(new ModelProblem(ProblemSeverity.Error, $"Two imports of the file are named '{name}'; import names must be unique.",
                    name, "import", element.Line, element.Column));
                continue;
            }
            imports.Add(new DmnImport(name, ns, element.Line));
            if (models is null)
            {
                continue;
            }
            if (models.TryGetValue(ns, out var model))
            {
                resolved[name] = model;
            }
            else
            {
                problems.Add(new ModelProblem(ProblemSeverity.Error,
                    $"The import '{name}' names the namespace '{ns}', but no DMN file of the deployment and no decision requirements deployed in the tenant has that namespace.",
                    name, "import", element.Line, element.Column));
            }
        }
        return (imports.ToImmutable(), resolved.ToImmutable());
    }

    /// <summary>The namespace and the imported namespaces of a DMN file, without reading its decisions; null when it is no DMN XML.</summary>
    public static (string? Namespace, ImmutableArray<string> Imports)? Header(ReadOnlyMemory<byte> content, BpmnReadOptions options)
    {
        if (content.IsEmpty || SafeXmlParser.Parse(content, options, []) is not { LocalName: "definitions" } root)
        {
            return null;
        }
        return (root.NonBlank("namespace"), [.. Children(root, "import")
            .Where(i => IsDmnImport(i.Attribute("importType"))).Select(i => i.NonBlank("namespace")).OfType<string>().Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>A requirement's href "namespace#id": the import it names (by namespace), or null for the file itself.</summary>
    public static DmnImport? Target(SourceElement reference, IReadOnlyList<DmnImport> imports)
    {
        var href = reference.Attribute("href") ?? "";
        var hash = href.IndexOf('#', StringComparison.Ordinal);
        if (hash <= 0)
        {
            return null;
        }
        var ns = href[..hash].Trim();
        return imports.FirstOrDefault(i => i.Namespace == ns);
    }
}
