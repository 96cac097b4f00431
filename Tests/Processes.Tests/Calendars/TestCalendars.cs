using Processes.Engine.Calendars;

namespace Processes.Tests.Calendars;

/// <summary>Calendars shared by the calendar and timer tests. Dates are from late 2026: 2026-11-23 is a Monday.</summary>
internal static class TestCalendars
{
    public static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    private static readonly string[][] WorkingDay = [["09:00", "12:00"], ["13:00", "18:00"]];

    /// <summary>Asia/Shanghai, Mon–Fri 09–12 and 13–18, Saturday 10–14, National Day week off, Sunday 27 Sep 2026 worked.</summary>
    public static CalendarDefinition CnSupportDefinition { get; } = new()
    {
        Name = "cn-support",
        TimeZone = "Asia/Shanghai",
        Week = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>
        {
            ["monday"] = WorkingDay,
            ["tuesday"] = WorkingDay,
            ["wednesday"] = WorkingDay,
            ["thursday"] = WorkingDay,
            ["friday"] = WorkingDay,
            ["saturday"] = [["10:00", "14:00"]],
        },
        Holidays = [.. Enumerable.Range(1, 7).Select(d => new CalendarHoliday($"2026-10-0{d}", "National Day"))],
        WorkingDays = ["2026-09-27"],
    };

    public static BusinessCalendar CnSupport { get; } = Build(CnSupportDefinition);

    /// <summary>Europe/Berlin, Mon–Fri 08–16 and Sunday around the clock (to cross the DST nights inside working time).</summary>
    public static BusinessCalendar DeSupport { get; } = Build(new CalendarDefinition
    {
        Name = "de-support",
        TimeZone = "Europe/Berlin",
        Week = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>
        {
            ["monday"] = [["08:00", "16:00"]],
            ["tuesday"] = [["08:00", "16:00"]],
            ["wednesday"] = [["08:00", "16:00"]],
            ["thursday"] = [["08:00", "16:00"]],
            ["friday"] = [["08:00", "16:00"]],
            ["sunday"] = [["00:00", "24:00"]],
        },
        Holidays = [new CalendarHoliday("2026-12-25", "Christmas Day")],
    });

    /// <summary>A wall-clock reading in Shanghai (no DST there, so the offset is fixed).</summary>
    public static DateTimeOffset Cn(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, Shanghai);

    public static BusinessCalendar Build(CalendarDefinition definition)
    {
        var result = BusinessCalendar.Create(definition);
        return result.Calendar ?? throw new InvalidOperationException(string.Join("; ", result.Problems));
    }
}
