namespace Processes.Engine.Calendars;

/// <summary>
/// A business calendar as written by people and stored as JSON (the shape served by <c>/api/calendars</c>):
/// <code>
/// {
///   "name": "cn-support",
///   "timeZone": "Asia/Shanghai",
///   "week": { "monday": [["09:00","12:00"],["13:00","18:00"]], "saturday": [["10:00","14:00"]] },
///   "holidays": [{ "date": "2026-10-01", "name": "National Day" }],
///   "workingDays": ["2026-09-27"]
/// }
/// </code>
/// Values stay strings here so that <see cref="BusinessCalendar.Create"/> can report every mistake with its
/// field name instead of failing on the first one while reading JSON.
/// </summary>
public sealed record CalendarDefinition
{
    /// <summary>Unique name a timer refers to (<c>businessCalendar</c> property), e.g. <c>cn-support</c>.</summary>
    public required string Name { get; init; }

    /// <summary>IANA zone id the hours are read in, e.g. <c>Asia/Shanghai</c>, <c>Europe/Berlin</c>.</summary>
    public required string TimeZone { get; init; }

    /// <summary>
    /// Working intervals per weekday (<c>monday</c> … <c>sunday</c>), each <c>["HH:mm","HH:mm"]</c>, start
    /// inclusive, end exclusive, end after start; <c>24:00</c> ends at midnight. A missing day is not worked.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<string>>> Week { get; init; } =
        new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>();

    /// <summary>Whole dates (<c>yyyy-MM-dd</c>, in the calendar's zone) that are not worked.</summary>
    public IReadOnlyList<CalendarHoliday> Holidays { get; init; } = [];

    /// <summary>
    /// Dates worked although their weekday is not (China's make-up days). They are worked with the calendar's
    /// standard hours: those of the first weekday from Monday on that has hours.
    /// </summary>
    public IReadOnlyList<string> WorkingDays { get; init; } = [];
}

/// <summary>A date that is not worked, optionally named for display.</summary>
public sealed record CalendarHoliday(string Date, string? Name = null);

/// <summary>One thing wrong with a calendar definition: the JSON field (e.g. <c>week.monday[1]</c>) and why.</summary>
public sealed record CalendarProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
