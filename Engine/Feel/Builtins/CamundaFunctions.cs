using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

/// <summary>Functions Camunda 8 adds to the DMN library, so models written for it evaluate the same way here.</summary>
internal static partial class BuiltinRegistry
{
    private static void AddCamundaExtensions(Builder b)
    {
        b.Add("get or else", ["value", "default"], (_, a) => a[0] is FeelNull ? a[1] : a[0]);
        b.Add("assert", ["value", "condition", "cause?"], (ctx, a) =>
        {
            if (a[1] is FeelBoolean { Value: true })
            {
                return a[0];
            }
            // assert() is the one way an expression asks to fail rather than yield null.
            ctx.Abort(Arg(a, 2) is FeelString cause ? cause.Value : "assertion failed");
            return FeelValue.Null;
        });
        b.Add("is blank", ["string"], (ctx, a) => Str(ctx, a[0], out var s) ? FeelValue.Of(string.IsNullOrWhiteSpace(s)) : FeelValue.Null);
        b.Add("uuid", [], (_, _) => new FeelString(Guid.NewGuid().ToString()));
        b.Add("to base64", ["value"], (ctx, a) =>
            Str(ctx, a[0], out var s) ? new FeelString(Convert.ToBase64String(Encoding.UTF8.GetBytes(s))) : FeelValue.Null);
        // Camunda 7 era names, still accepted by Camunda 8: put(context, key, value) and put all(contexts).
        b.Add("put", ["context", "key", "value"], (ctx, a) =>
            a[0] is FeelContextValue c && a[1] is FeelString key ? c.With(key.Value, a[2]) : ctx.Warn("put: expected a context and a string key"));
        b.AddVariadic("put all", [], (ctx, a) => TryGet("context merge", out var merge) ? merge.Overloads[0].Body(ctx, a) : FeelValue.Null);
        b.Add("partition", ["list", "size"], (ctx, a) =>
        {
            if (a[0] is not FeelList l || !Int(ctx, a[1], out var size) || size <= 0)
            {
                return ctx.Warn("partition: expected a list and a positive size");
            }
            return new FeelList([.. l.Items.Chunk(size).Select(chunk => (FeelValue)new FeelList(chunk))]);
        });
        // Positional calls reach this through date and time(date, time), which takes the same number of arguments.
        b.Add("date and time", ["from", "timezone"], DateTimeInZone);
        // Camunda 8.9 (after DMN 1.6's drafts): JSON text to and from FEEL values.
        b.Add("to json", ["value"], (ctx, a) => ToJson(ctx, a[0]));
        b.Add("from json", ["json"], (ctx, a) => Str(ctx, a[0], out var json) ? FromJson(ctx, json) : FeelValue.Null);
    }

    private static FeelValue DateTimeInZone(EvalContext ctx, FeelValue[] a) => a[0] switch
    {
        FeelDateTime dt when a[1] is FeelString zone => InZone(ctx, dt, zone.Value),
        FeelDateTime when a[1] is not FeelNull => ctx.TypeError("string time zone", a[1]),
        FeelNull or FeelDateTime => FeelValue.Null,
        _ => ctx.TypeError("date and time", a[0]),
    };

    private static readonly JsonSerializerOptions JsonText = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Camunda's <c>date and time(from, timezone)</c>: a date-time with a zone or offset is the same instant in
    /// the given zone; a local one gets the zone. The zone is an IANA id or an offset ("+01:00", "Z").
    /// </summary>
    private static FeelValue InZone(EvalContext ctx, FeelDateTime dt, string zone)
    {
        TimeSpan? offset = zone == "Z" ? TimeSpan.Zero : null;
        if (offset is null && zone.Length == 6 && zone[0] is '+' or '-' &&
            TimeSpan.TryParseExact(zone[1..], @"hh\:mm", System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed <= TimeSpan.FromHours(18))
        {
            offset = zone[0] == '-' ? -parsed : parsed;
        }
        TimeZoneInfo? tz = null;
        if (offset is null && (zone.Length > 64 || !FeelZones.TryFind(zone, out tz)))
        {
            return ctx.Warn($"date and time: unknown time zone \"{zone}\"");
        }
        if (dt.EffectiveOffset is not { } from)
        {
            return new FeelDateTime(dt.Local, offset, offset is null ? zone : null, dt.YearShift);
        }
        try
        {
            var utc = DateTime.SpecifyKind(dt.Local - from, DateTimeKind.Utc);
            var to = offset ?? tz!.GetUtcOffset(utc);
            return new FeelDateTime(utc + to, offset, offset is null ? zone : null, dt.YearShift);
        }
        catch (ArgumentOutOfRangeException)
        {
            return ctx.Warn("date and time: out of range");
        }
    }

    /// <summary>JSON text of a value: contexts are objects, lists arrays, temporal values their ISO 8601 text.</summary>
    private static FeelValue ToJson(EvalContext ctx, FeelValue value)
    {
        if (value is FeelFunction)
        {
            return ctx.Warn("to json: a function has no JSON form");
        }
        var text = FeelJson.ToJsonNode(value)?.ToJsonString(JsonText) ?? "null";
        return ctx.CheckLength(text.Length) ? new FeelString(text) : FeelValue.Null;
    }

    /// <summary>The value of JSON text: objects are contexts, arrays lists, numbers decimals; strings stay strings.</summary>
    private static FeelValue FromJson(EvalContext ctx, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return ctx.Built(FeelJson.FromJsonElement(document.RootElement));
        }
        catch (JsonException e)
        {
            return ctx.Warn($"from json: not valid JSON ({e.Message})");
        }
    }
}
