using System.Collections.Immutable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Feel;
using static Processes.Engine.Dmn.DmnReadContext;

namespace Processes.Engine.Dmn.Types;

/// <summary>
/// An item definition (DMN 1.5 §7.3.2): a named type that is a collection, a structure of components, a function
/// type (its output type), or a restriction of another type by allowed values (unary tests).
/// </summary>
internal sealed record ItemDefinition(
    string Name, string? TypeRef, bool IsCollection, ImmutableArray<ItemDefinition> Components, FeelExpression? AllowedValues, string? FunctionOutput)
{
    public static ItemDefinition Read(SourceElement element, DmnReadContext context)
    {
        var name = element.Attribute("name") ?? "";
        FeelExpression? allowed = null;
        if (Child(element, "allowedValues") is { } values && TextOf(values) is not null)
        {
            allowed = context.UnaryTests(values, name, $"The allowed values of item definition '{name}'");
        }
        // DMN 1.1 wrote typeRef as a child element; later versions as an attribute.
        var typeRef = Child(element, "typeRef")?.Text?.Trim() ?? element.Attribute("typeRef");
        return new ItemDefinition(name, typeRef, element.Attribute("isCollection") == "true",
            [.. Children(element, "itemComponent").Select(c => Read(c, context))], allowed, Child(element, "functionItem")?.Attribute("outputTypeRef"));
    }
}
