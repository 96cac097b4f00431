using System.Xml.Linq;

namespace Processes.Tck;

/// <summary>An item definition: a named type, possibly a collection, a structure, or a restriction of another type.</summary>
internal sealed record ItemDefinition(string Name, string? TypeRef, bool IsCollection, IReadOnlyList<ItemDefinition> Components, string? AllowedValues, string? FunctionOutput = null);

/// <summary>The parts of a DMN model the runner executes, indexed by id and by name.</summary>
internal sealed class DmnModel
{
    public DmnModel(XDocument document)
    {
        var root = document.Root ?? throw new InvalidDataException("empty DMN document");
        foreach (var e in root.Elements())
        {
            var id = e.Attr("id");
            var name = e.Attr("name");
            switch (e.Name.LocalName)
            {
                case "decision":
                case "businessKnowledgeModel":
                case "decisionService":
                case "inputData":
                    if (id is not null)
                    {
                        ById[id] = e;
                    }
                    if (name is not null)
                    {
                        ByName[name] = e;
                    }
                    break;
                case "itemDefinition":
                    var def = ReadItemDefinition(e);
                    ItemDefinitions[def.Name] = def;
                    break;
            }
        }
        KnownNames = [.. root.DescendantsAndSelf()
            .SelectMany(e => e.Attributes().Where(a => a.Name.LocalName is "name" or "iteratorVariable" or "label").Select(a => a.Value))
            .Where(n => n.Length > 0 && (char.IsLetter(n[0]) || n[0] == '_'))
            .Distinct()];
    }

    public Dictionary<string, XElement> ById { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, XElement> ByName { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ItemDefinition> ItemDefinitions { get; } = new(StringComparer.Ordinal);

    /// <summary>Every name in the model; names with spaces or special characters must lex as single names.</summary>
    public IReadOnlyList<string> KnownNames { get; }

    public IEnumerable<XElement> Elements(string kind) => ById.Values.Where(e => e.Name.LocalName == kind);

    private static ItemDefinition ReadItemDefinition(XElement e) => new(
        e.Attr("name") ?? "",
        e.Child("typeRef")?.Value.Trim() ?? e.Attr("typeRef"),
        e.Attr("isCollection") == "true",
        [.. e.Children("itemComponent").Select(ReadItemDefinition)],
        e.Child("allowedValues")?.Child("text")?.Value,
        e.Child("functionItem")?.Attr("outputTypeRef"));

    /// <summary>The typeRef of a decision's, input's or BKM's variable.</summary>
    public static string? VariableType(XElement e) => e.Child("variable")?.Attr("typeRef");

    /// <summary>The boxed expression element of a decision or function definition.</summary>
    public static XElement? ExpressionOf(XElement e) => e.Elements().FirstOrDefault(IsExpression);

    public static bool IsExpression(XElement x) => x.Name.LocalName is
        "literalExpression" or "context" or "invocation" or "list" or "conditional" or "filter" or "for" or "every" or "some" or
        "functionDefinition" or "decisionTable" or "relation";
}
