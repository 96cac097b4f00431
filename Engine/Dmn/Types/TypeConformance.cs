using System.Collections.Immutable;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Dmn.Types;

/// <summary>
/// DMN's type conformance on assignment (DMN 1.5 §7.3.4 and §10.3.2.9): a value that does not conform to the
/// declared type becomes null, a singleton list is unwrapped for a non-list type, a single value is wrapped for a
/// collection type, and a value outside the allowed values does not conform. Unknown type names conform (they
/// come from other type languages, e.g. Camunda 7's "integer").
/// </summary>
internal sealed class TypeConformance(ImmutableDictionary<string, ItemDefinition> definitions)
{
    private const int MaxDepth = 20;

    public static TypeConformance None { get; } = new(ImmutableDictionary<string, ItemDefinition>.Empty);

    public ImmutableDictionary<string, ItemDefinition> Definitions { get; } = definitions;

    /// <summary>The types of imported models by import name: <c>import.tType</c> is <c>tType</c> of that model.</summary>
    public ImmutableDictionary<string, TypeConformance> Imported { get; private init; } = ImmutableDictionary<string, TypeConformance>.Empty;

    public TypeConformance WithImports(ImmutableDictionary<string, TypeConformance> imported) =>
        imported.IsEmpty ? this : new TypeConformance(Definitions) { Imported = imported };

    /// <summary>The value as the type takes it, or null when it does not conform.</summary>
    public FeelValue Coerce(string? typeRef, FeelValue value) => Coerce(typeRef, value, 0);

    /// <summary>Whether a non-null value lost its value to the type.</summary>
    public bool Rejects(string? typeRef, FeelValue value) => value is not FeelNull && Coerce(typeRef, value) is FeelNull;

    /// <summary>A function type's output type when <paramref name="typeRef"/> names one (decision services are typed so).</summary>
    public string? FunctionOutput(string? typeRef) =>
        typeRef is not null && Definitions.TryGetValue(LocalName(typeRef), out var def) ? def.FunctionOutput
        : typeRef is not null && FromImport(LocalName(typeRef)) is { } imported ? imported.Types.FunctionOutput(imported.Name)
        : null;

    /// <summary>"import.tType" when the prefix is an import's name: that model's types and the type's own name there.</summary>
    private (TypeConformance Types, string Name)? FromImport(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Imported.TryGetValue(name[..dot], out var types) ? (types, name[(dot + 1)..]) : null;
    }

    private FeelValue Coerce(string? typeRef, FeelValue value, int depth)
    {
        if (typeRef is null || value is FeelNull || depth > MaxDepth)
        {
            return value;
        }
        var name = LocalName(typeRef);
        return Definitions.TryGetValue(name, out var def) ? Coerce(def, value, depth + 1)
            : FromImport(name) is { } imported ? imported.Types.Coerce(imported.Name, value, depth + 1)
            : CoerceBuiltin(name, value);
    }

    private static string LocalName(string typeRef) =>
        typeRef.Contains(':', StringComparison.Ordinal) ? typeRef[(typeRef.IndexOf(':', StringComparison.Ordinal) + 1)..] : typeRef;

    private FeelValue Coerce(ItemDefinition def, FeelValue value, int depth)
    {
        if (depth > MaxDepth || value is FeelNull)
        {
            return value;
        }
        if (def.IsCollection)
        {
            var element = def with { IsCollection = false };
            var coerced = new List<FeelValue>();
            foreach (var item in value is FeelList l ? l.Items : [value])
            {
                var c = Coerce(element, item, depth + 1);
                if (c is FeelNull && item is not FeelNull)
                {
                    return FeelValue.Null;
                }
                coerced.Add(c);
            }
            return new FeelList(coerced);
        }
        if (def.Components.Length > 0)
        {
            if (value is not FeelContextValue context)
            {
                return FeelValue.Null;
            }
            // Structural typing: every component must be present and conform.
            foreach (var component in def.Components)
            {
                if (!context.TryGet(component.Name, out var field) || (field is not FeelNull && Coerce(component, field, depth + 1) is FeelNull))
                {
                    return FeelValue.Null;
                }
            }
            return value;
        }
        var result = def.TypeRef is null ? value : Coerce(def.TypeRef, value, depth + 1);
        if (result is not FeelNull && def.AllowedValues is { } allowed &&
            allowed.Test(result, FeelContext.Empty).Value is not FeelBoolean { Value: true })
        {
            return FeelValue.Null;
        }
        return result;
    }

    private static FeelValue CoerceBuiltin(string name, FeelValue value)
    {
        var type = new FeelType(FeelType.Canonical(name));
        switch (type.Name)
        {
            case "number" or "string" or "boolean" or "date" or "time" or "date and time" or
                "days and time duration" or "years and months duration" or "duration" or "context" or "list" or "function" or "range":
                if (type.Matches(value))
                {
                    return value;
                }
                if (value is FeelList { Items.Count: 1 } single && type.Matches(single.Items[0]))
                {
                    return single.Items[0];
                }
                // A date assigned to a date and time is that date at UTC midnight (DMN 1.5 §10.3.2.9.4; TCK 1157).
                return type.Name == "date and time" && value is FeelDate d ? d.AtMidnightUtc() : FeelValue.Null;
            default:
                return value;
        }
    }
}
