using System.Text.Json;
using System.Text.Json.Serialization;

namespace Processes.Engine.Calendars;

/// <summary>The documented JSON shape of a <see cref="CalendarDefinition"/> (camelCase, see its remarks).</summary>
public static class CalendarJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static string Serialize(CalendarDefinition definition) => JsonSerializer.Serialize(definition, Options);

    /// <summary>Reads a definition; malformed JSON is a problem naming the JSON path, not an exception.</summary>
    public static CalendarReadResult Read(string json)
    {
        try
        {
            var definition = JsonSerializer.Deserialize<CalendarDefinition>(json, Options);
            return definition is null
                ? new CalendarReadResult(null, [new CalendarProblem("$", "a calendar object is required")])
                : new CalendarReadResult(definition with { Week = InWeekdayOrder(definition.Week) }, []);
        }
        catch (JsonException e)
        {
            // System.Text.Json reports malformed input only by exception; it is turned into a value right here.
            return new CalendarReadResult(null, [new CalendarProblem(e.Path ?? "$", e.Message)]);
        }
    }

    // jsonb keeps object keys in its own order; people read a week from Monday on.
    private static Dictionary<string, IReadOnlyList<IReadOnlyList<string>>> InWeekdayOrder(IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<string>>>? week) =>
        (week ?? new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>())
            .OrderBy(pair => Array.IndexOf(WeekdayOrder, pair.Key) is var i and >= 0 ? i : WeekdayOrder.Length)
            .ToDictionary(pair => pair.Key, pair => pair.Value);

    private static readonly string[] WeekdayOrder = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
}

public sealed record CalendarReadResult(CalendarDefinition? Definition, IReadOnlyList<CalendarProblem> Problems);
