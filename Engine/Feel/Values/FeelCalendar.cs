namespace Processes.Engine.Feel.Values;

/// <summary>
/// Years outside 1..9999 (FEEL allows -999999999..999999999) are held as a DateTime in 2000..2399 plus a shift in
/// whole 400-year cycles: the Gregorian calendar repeats exactly every 400 years (146097 days, a whole number of
/// weeks), so months, leap days and weekdays stay right. Values inside 1..9999 always have a zero shift.
/// </summary>
internal static class FeelCalendar
{
    private const long DaysPerCycle = 146_097;

    public static long FloorDiv(long a, long b) => a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);

    /// <summary>The value moved into 2000..2399 so that arithmetic cannot leave DateTime's range.</summary>
    public static (DateTime Base, long Shift) Working(DateTime local, long shift)
    {
        var year = local.Year + shift;
        var target = FloorDiv(year - 2000, 400) * 400;
        return (local.AddYears((int)(shift - target)), target);
    }

    /// <summary>
    /// Adds whole months at once, then clamps the day to the target month (2096-09-29 + P89M is 2104-02-29, a leap
    /// day, where adding the months and the years apart would clamp in 2097 and give the 28th).
    /// </summary>
    public static (DateTime Local, long Shift) AddMonths(DateTime local, long shift, long months)
    {
        var index = checked(((local.Year + shift) * 12) + local.Month - 1 + months);
        var year = FloorDiv(index, 12);
        var month = (int)(index - (year * 12)) + 1;
        var target = year is >= 1 and <= 9999 ? 0 : FloorDiv(year - 2000, 400) * 400;
        var baseYear = (int)(year - target);
        var day = Math.Min(local.Day, System.DateTime.DaysInMonth(baseYear, month));
        return (new DateTime(baseYear, month, day).Add(local.TimeOfDay), target);
    }

    /// <summary>The canonical form: unshifted when the true year is within 1..9999.</summary>
    public static (DateTime Local, long Shift) Canonical(DateTime local, long shift)
    {
        var year = local.Year + shift;
        if (year is >= 1 and <= 9999)
        {
            return (local.AddYears((int)(year - local.Year)), 0);
        }
        return Working(local, shift);
    }

    public static decimal Ticks(DateTime local, long shift) =>
        local.Ticks + (decimal)(shift / 400) * DaysPerCycle * TimeSpan.TicksPerDay;

    public static FeelDateTime DateTime(DateTime local, long shift, TimeSpan? offset, string? zone)
    {
        var (l, s) = Canonical(local, shift);
        return new FeelDateTime(l, offset, zone, s);
    }

    public static FeelDate Date(DateTime local, long shift)
    {
        var (l, s) = Canonical(local, shift);
        return new FeelDate(DateOnly.FromDateTime(l), s);
    }

    /// <summary>A date from year, month and day numbers, or null when they name no date.</summary>
    public static FeelDate? Date(long year, int month, int day)
    {
        if (month is < 1 or > 12 || year is < -999_999_999 or > 999_999_999)
        {
            return null;
        }
        var shift = year is >= 1 and <= 9999 ? 0 : FloorDiv(year - 2000, 400) * 400;
        var baseYear = (int)(year - shift);
        if (day < 1 || day > System.DateTime.DaysInMonth(baseYear, month))
        {
            return null;
        }
        return new FeelDate(new DateOnly(baseYear, month, day), shift);
    }

    /// <summary>
    /// A span as whole 400-year cycles (added to the shift) and the rest (under 400 years), so that a date in the
    /// working range plus the rest stays inside DateTime's range however long the span is.
    /// </summary>
    public static (long ShiftYears, TimeSpan Remainder) SplitCycles(TimeSpan span)
    {
        const long cycleTicks = DaysPerCycle * TimeSpan.TicksPerDay;
        var cycles = span.Ticks / cycleTicks;
        return (cycles * 400, TimeSpan.FromTicks(span.Ticks - (cycles * cycleTicks)));
    }

    public static TimeSpan? Span(decimal ticks) =>
        ticks is > long.MinValue and <= long.MaxValue ? TimeSpan.FromTicks((long)ticks) : null;

    public static string Year(long year) =>
        year < 0 ? "-" + (-year).ToString("0000", System.Globalization.CultureInfo.InvariantCulture)
                 : year.ToString("0000", System.Globalization.CultureInfo.InvariantCulture);
}
