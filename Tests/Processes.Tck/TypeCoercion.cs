using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Tck;

/// <summary>
/// DMN's type conformance on assignment: a value that doesn't conform to the declared type becomes null,
/// a singleton list is unwrapped for a non-list type, and a single value is wrapped for a collection type.
/// </summary>
internal sealed class TypeCoercion(DmnModel model, DmnEvaluator evaluator)
{
    public FeelValue Coerce(string? typeRef, FeelValue value)
    {
        if (typeRef is null || value is FeelNull)
        {
            return value;
        }
        var name = typeRef.Contains(':', StringComparison.Ordinal) ? typeRef[(typeRef.IndexOf(':', StringComparison.Ordinal) + 1)..] : typeRef;
        if (model.ItemDefinitions.TryGetValue(name, out var def))
        {
            return Coerce(def, value, 0);
        }
        return CoerceBuiltin(name, value);
    }

    private FeelValue Coerce(ItemDefinition def, FeelValue value, int depth)
    {
        if (depth > 20 || value is FeelNull)
        {
            return value;
        }
        if (def.IsCollection)
        {
            var items = value is FeelList l ? l.Items : [value];
            var element = def with { IsCollection = false };
            var coerced = new List<FeelValue>();
            foreach (var item in items)
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
        if (def.Components.Count > 0)
        {
            if (value is not FeelContextValue context)
            {
                return FeelValue.Null;
            }
            // Structural typing: every component must be present and conform.
            foreach (var component in def.Components)
            {
                if (!context.TryGet(component.Name, out var field))
                {
                    return FeelValue.Null;
                }
                if (field is not FeelNull && Coerce(component, field, depth + 1) is FeelNull)
                {
                    return FeelValue.Null;
                }
            }
            return value;
        }
        var result = def.TypeRef is null ? value : Coerce(def.TypeRef, value);
        if (result is not FeelNull && def.AllowedValues is { } allowed &&
            evaluator.Test(allowed, result, evaluator.NewInputs()) is not FeelBoolean { Value: true })
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
            case "Any":
                return value;
            case "number" or "string" or "boolean" or "date" or "time" or "date and time" or
                "days and time duration" or "years and months duration" or "duration" or "context" or "list" or "function":
                if (type.Matches(value))
                {
                    return value;
                }
                if (value is FeelList { Items.Count: 1 } single && type.Matches(single.Items[0]))
                {
                    return single.Items[0];
                }
                if (type.Name == "date and time" && value is FeelDate d)
                {
                    return d.AtMidnightLocal();
                }
                return FeelValue.Null;
            default:
                return value;
        }
    }
}
