using System.Globalization;
using System.Text.RegularExpressions;
using Processes.Engine.Calendars;

namespace Processes.Engine.Timers;

/// <summary>
/// An ISO 8601 duration as Zeebe reads it: a calendar part (<c>P1Y2M3W4D</c>, java.time Period) followed by an
/// exact time part (<c>T4H30M10.5S</c>, java.time Duration). Without a calendar the date part moves the wall
/// clock in the zone (P1D over a DST night is 23 or 25 hours, P1M from 31 January ends on 28/29 February) and
/// the time part adds elapsed time.
/// </summary>
internal sealed partial record IsoDuration(int Years, int Months, int Weeks, int Days, TimeSpan Time)
{
    // Generous bounds that keep every sum far inside DateTime's range: a timer beyond them is a typo.
    private const int MaxYears = 1000;
    private static readonly TimeSpan MaxTime = TimeSpan.FromDays(366 * MaxYears);

    public string Text { get; init; } = "";

    /// <summary>True when the duration has only a time part: a fixed length, independent of zone and calendar.</summary>
    public bool IsExact => Years == 0 && Months == 0 && Weeks == 0 && Days == 0;

    public bool IsZero => IsExact && Time == TimeSpan.Zero;

    [GeneratedRegex(@"^P(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,12})H)?(?:(\d{1,12})M)?(?:(\d{1,12})(?:[.,](\d{1,9}))?S)?)?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static IsoDurationResult Parse(string? text)
    {
        var trimmed = (text ?? "").Trim();
        var upper = trimmed.ToUpperInvariant();
        if (upper.StartsWith('-') || upper.Contains("P-", StringComparison.Ordinal) || upper.Contains("T-", StringComparison.Ordinal))
        {
            return IsoDurationResult.Fail($"\"{trimmed}\" is negative: a timer duration must not be negative");
        }
        var match = Pattern().Match(upper.StartsWith('+') ? upper[1..] : upper);
        if (!match.Success || upper.EndsWith('T') || upper == "P")
        {
            return IsoDurationResult.Fail($"\"{trimmed}\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)");
        }
        long Group(int i) => match.Groups[i].Success ? long.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        var (years, months, weeks, days) = (Group(1), Group(2), Group(3), Group(4));
        var fraction = match.Groups[8].Success ? match.Groups[8].Value.PadRight(7, '0')[..7] : "0";
        var seconds = (decimal)Group(5) * 3600 + (decimal)Group(6) * 60 + Group(7);
        var ticks = seconds * TimeSpan.TicksPerSecond + long.Parse(fraction, CultureInfo.InvariantCulture);
        if (years > MaxYears || months > 12 * MaxYears || weeks > 53 * MaxYears || days > 366 * MaxYears || ticks > MaxTime.Ticks)
        {
            return IsoDurationResult.Fail($"\"{trimmed}\" is longer than {MaxYears} years");
        }
        return IsoDurationResult.Ok(new IsoDuration((int)years, (int)months, (int)weeks, (int)days, TimeSpan.FromTicks((long)ticks)) { Text = trimmed });
    }

    /// <summary>
    /// <paramref name="start"/> plus this duration. With a <paramref name="calendar"/> it counts working time:
    /// the time part is working time (PT4H = four working hours), <c>D</c> are working days ending at the same
    /// working-time offset (<see cref="BusinessCalendar.AddWorkingDays"/>), and <c>Y/M/W</c> move the wall
    /// clock in the calendar's zone and then wait for the next working instant. Without one, <paramref name="zone"/>
    /// is where the date part is read.
    /// </summary>
    public InstantResult AddTo(DateTimeOffset start, TimeZoneInfo zone, BusinessCalendar? calendar = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (calendar is null)
        {
            var moved = AddCalendarUnits(start, zone, Weeks * 7 + Days);
            return InstantResult.Ok(ZonedTime.ToZone(moved + Time, zone));
        }
        var at = start;
        if (Years != 0 || Months != 0 || Weeks != 0)
        {
            var next = calendar.NextWorkingInstant(AddCalendarUnits(at, calendar.TimeZone, Weeks * 7));
            if (!next.IsSuccess)
            {
                return next;
            }
            at = next.Instant;
        }
        if (Days != 0)
        {
            var next = calendar.AddWorkingDays(at, Days);
            if (!next.IsSuccess)
            {
                return next;
            }
            at = next.Instant;
        }
        return Time == TimeSpan.Zero && Days != 0 ? InstantResult.Ok(at) : calendar.AddWorkingTime(at, Time);
    }

    private DateTimeOffset AddCalendarUnits(DateTimeOffset start, TimeZoneInfo zone, int days)
    {
        if (Years == 0 && Months == 0 && days == 0)
        {
            return start;
        }
        var local = ZonedTime.ToZone(start, zone);
        var moved = local.DateTime.AddYears(Years).AddMonths(Months).AddDays(days);
        // Like java.time: keep the start's offset when the new reading is ambiguous.
        return ZonedTime.Resolve(moved, zone, local.Offset);
    }

    public override string ToString() => Text;
}

internal readonly record struct IsoDurationResult(IsoDuration? Duration, string? Error)
{
    public static IsoDurationResult Ok(IsoDuration duration) => new(duration, null);

    public static IsoDurationResult Fail(string error) => new(null, error);
}
