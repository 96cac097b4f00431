using System.Text.Json;
using System.Text.Json.Nodes;

namespace Processes.Engine.Feel.Values;

/// <summary>
/// Conversion between FEEL values and System.Text.Json. JSON numbers become decimals, objects contexts, arrays
/// lists. Temporal values are written as their ISO 8601 text; functions and ranges have no JSON form and
/// are written as their FEEL text.
/// </summary>
internal static class FeelJson
{
    public static FeelValue FromJsonNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return FeelValue.Null;
            case JsonObject obj:
                return new FeelContextValue(obj.Select(p => new KeyValuePair<string, FeelValue>(p.Key, FromJsonNode(p.Value))));
            case JsonArray array:
                return new FeelList([.. array.Select(FromJsonNode)]);
            case JsonValue value:
                if (value.TryGetValue<JsonElement>(out var element))
                {
                    return FromJsonElement(element);
                }
                if (value.TryGetValue<string>(out var s))
                {
                    return new FeelString(s);
                }
                if (value.TryGetValue<bool>(out var b))
                {
                    return FeelValue.Of(b);
                }
                if (value.TryGetValue<decimal>(out var d))
                {
                    return new FeelNumber(d);
                }
                if (value.TryGetValue<long>(out var l))
                {
                    return new FeelNumber(l);
                }
                if (value.TryGetValue<int>(out var i))
                {
                    return new FeelNumber(i);
                }
                if (value.TryGetValue<double>(out var dbl))
                {
                    return FromDouble(dbl);
                }
                return FromJsonElement(JsonSerializer.SerializeToElement(value));
            default:
                return FeelValue.Null;
        }
    }

    public static FeelValue FromJsonElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new FeelContextValue(element.EnumerateObject().Select(p => new KeyValuePair<string, FeelValue>(p.Name, FromJsonElement(p.Value)))),
        JsonValueKind.Array => new FeelList([.. element.EnumerateArray().Select(FromJsonElement)]),
        JsonValueKind.String => new FeelString(element.GetString()!),
        JsonValueKind.Number => element.TryGetDecimal(out var d) ? new FeelNumber(d) : FromDouble(element.GetDouble()),
        JsonValueKind.True => FeelValue.True,
        JsonValueKind.False => FeelValue.False,
        _ => FeelValue.Null,
    };

    private static FeelValue FromDouble(double d) =>
        double.IsFinite(d) && Math.Abs(d) < 7.9e28 ? new FeelNumber((decimal)d) : FeelValue.Null;

    public static JsonNode? ToJsonNode(FeelValue value) => value switch
    {
        FeelNull => null,
        FeelNumber n => JsonValue.Create(n.Value / 1.0000000000000000000000000000m),
        FeelString s => JsonValue.Create(s.Value),
        FeelBoolean b => JsonValue.Create(b.Value),
        FeelList l => new JsonArray([.. l.Items.Select(ToJsonNode)]),
        FeelContextValue c => ToJsonObject(c),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonObject ToJsonObject(FeelContextValue c)
    {
        var obj = new JsonObject();
        foreach (var (key, v) in c.Entries)
        {
            obj[key] = ToJsonNode(v);
        }
        return obj;
    }

    public static JsonElement ToJsonElement(FeelValue value) => JsonSerializer.SerializeToElement(ToJsonNode(value));
}
