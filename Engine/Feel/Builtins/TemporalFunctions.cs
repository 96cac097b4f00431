using System.Globalization;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Builtins;

internal static partial class BuiltinRegistry
{
    private static void AddTemporal(Builder b)
    {
        b.Add("now", [], (ctx, _) => new FeelDateTime(ctx.Now.DateTime, ctx.Now.Offset, null));
        b.Add("today", [], (ctx, _) => new FeelDate(DateOnly.FromDateTime(ctx.Now.DateTime)));
        b.Add("day of week", ["date"], (ctx, a) => DateOf(a[0]) is { } d
            ? new FeelString(CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(d.DayOfWeek))
            : ctx.TypeError("date", a[0]));
        b.Add("day of year", ["date"], (ctx, a) => DateOf(a[0]) is { } d ? new FeelNumber(d.DayOfYear) : ctx.TypeError("date", a[0]));
        b.Add("week of year", ["date"], (ctx, a) => DateOf(a[0]) is { } d ? new FeelNumber(ISOWeek.GetWeekOfYear(d.ToDateTime(TimeOnly.MinValue))) : ctx.TypeError("date", a[0]));
        b.Add("month of year", ["date"], (ctx, a) => DateOf(a[0]) is { } d
            ? new FeelString(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(d.Month))
            : ctx.TypeError("date", a[0]));
        b.Add("last day of month", ["date"], (ctx, a) => DateOf(a[0]) is { } d
            ? new FeelNumber(DateTime.DaysInMonth(d.Year, d.Month))
            : ctx.TypeError("date", a[0]));
    }

    private static DateOnly? DateOf(FeelValue v) => v switch
    {
        FeelDate d => d.Value,
        FeelDateTime dt => DateOnly.FromDateTime(dt.Local),
        _ => null,
    };
}

/// <summary>The properties of temporal values and ranges (<c>d.year</c>, <c>t.time offset</c>, <c>r.start</c>...).</summary>
internal static class TemporalProperties
{
    public static FeelValue? Get(FeelValue value, string name) => (value, name) switch
    {
        (FeelDate d, _) => DateProperty(d.Midnight, d.YearShift, name),
        (FeelDateTime dt, "hour" or "minute" or "second" or "time offset" or "timezone") => TimeProperty(dt.Local.TimeOfDay, dt.EffectiveOffset, dt.Zone, name),
        (FeelDateTime dt, _) => DateProperty(dt.Local, dt.YearShift, name),
        (FeelTime t, _) => TimeProperty(t.Local, t.Offset, t.Zone, name),
        (FeelDaysTime d, "days") => new FeelNumber(d.Value.Days),
        (FeelDaysTime d, "hours") => new FeelNumber(d.Value.Hours),
        (FeelDaysTime d, "minutes") => new FeelNumber(d.Value.Minutes),
        (FeelDaysTime d, "seconds") => new FeelNumber(d.Value.Seconds),
        (FeelYearsMonths m, "years") => new FeelNumber(m.TotalMonths / 12),
        (FeelYearsMonths m, "months") => new FeelNumber(m.TotalMonths % 12),
        (FeelRange r, "start") => r.Start,
        (FeelRange r, "end") => r.End,
        (FeelRange r, "start included") => FeelValue.Of(r.StartIncluded),
        (FeelRange r, "end included") => FeelValue.Of(r.EndIncluded),
        _ => null,
    };

    private static FeelValue? DateProperty(DateTime d, long yearShift, string name) => name switch
    {
        "year" => new FeelNumber(d.Year + yearShift),
        "month" => new FeelNumber(d.Month),
        "day" => new FeelNumber(d.Day),
        "weekday" => new FeelNumber(d.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)d.DayOfWeek),
        _ => null,
    };

    private static FeelValue? TimeProperty(TimeSpan t, TimeSpan? offset, string? zone, string name) => name switch
    {
        "hour" => new FeelNumber(t.Hours),
        "minute" => new FeelNumber(t.Minutes),
        "second" => new FeelNumber(t.Seconds + (decimal)(t.Ticks % TimeSpan.TicksPerSecond) / TimeSpan.TicksPerSecond),
        "time offset" => offset is { } o ? new FeelDaysTime(o) : FeelValue.Null,
        "timezone" => zone is not null ? new FeelString(zone) : FeelValue.Null,
        _ => null,
    };
}
