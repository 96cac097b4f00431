using Processes.Engine.Calendars;
using Quartz;

namespace Processes.Engine.Timers;

/// <summary><c>timeDate</c>: one firing at an absolute instant, calendar or not.</summary>
internal sealed class DateSchedule : TimerSchedule
{
    private DateSchedule(string text, TimerParseOptions options, DateTimeOffset at) : base(TimerKind.TimeDate, text, options) => At = at;

    public DateTimeOffset At { get; }

    internal static TimerParseResult Parse(string text, TimerParseOptions options)
    {
        var at = TimerDates.Parse(text, options.DefaultZone);
        return at.IsSuccess ? TimerParseResult.Ok(new DateSchedule(text, options, at.Instant)) : TimerParseResult.Fail(at.Error!);
    }

    public override TimerNext FirstDue(DateTimeOffset now) => TimerNext.At(new TimerDue(At, 1));

    public override TimerNext Next(TimerDue fired, DateTimeOffset now) => TimerNext.Exhausted;
}

/// <summary><c>timeDuration</c>: one firing a duration after the timer is created (working time with a calendar).</summary>
internal sealed class DurationSchedule : TimerSchedule
{
    private DurationSchedule(string text, TimerParseOptions options, IsoDuration duration) : base(TimerKind.TimeDuration, text, options) => Duration = duration;

    public IsoDuration Duration { get; }

    internal static TimerParseResult Parse(string text, TimerParseOptions options)
    {
        var parsed = IsoDuration.Parse(text);
        return parsed.Duration is { } duration ? TimerParseResult.Ok(new DurationSchedule(text, options, duration)) : TimerParseResult.Fail(parsed.Error!);
    }

    public override TimerNext FirstDue(DateTimeOffset now) => TimerNext.From(Duration.AddTo(now, Options.Zone, Options.Calendar), 1);

    public override TimerNext Next(TimerDue fired, DateTimeOffset now) => TimerNext.Exhausted;
}

/// <summary>
/// <c>timeCycle</c> as ISO 8601 repeating interval: <c>R5/PT10M</c>, <c>R/PT1H</c> (unbounded) or with a start,
/// <c>R3/2026-12-01T09:00:00Z/PT1H</c>. As in Zeebe: without a start the first firing is one interval after
/// creation; a start in the past fires at once; each next firing is one interval after the previous due time,
/// so a busy engine does not drift, but when that is already past (the engine was down for several intervals)
/// it is one interval after now, so missed firings are not replayed in a burst.
/// </summary>
internal sealed class IntervalCycleSchedule : TimerSchedule
{
    private IntervalCycleSchedule(string text, TimerParseOptions options, int? repetitions, DateTimeOffset? start, IsoDuration interval)
        : base(TimerKind.TimeCycle, text, options)
    {
        Repetitions = repetitions;
        Start = start;
        Interval = interval;
    }

    /// <summary>Total firings; null for <c>R/…</c>, which repeats until the timer is cancelled.</summary>
    public int? Repetitions { get; }

    public DateTimeOffset? Start { get; }

    public IsoDuration Interval { get; }

    internal static TimerParseResult Parse(string text, TimerParseOptions options)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3)
        {
            return TimerParseResult.Fail($"\"{text}\" is not a repeating interval (expected e.g. R5/PT10M, R/P1D or R3/2026-12-01T09:00:00Z/PT1H)");
        }
        int? repetitions = null;
        if (parts[0].Length > 1)
        {
            if (!int.TryParse(parts[0].AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                return TimerParseResult.Fail($"\"{text}\": \"{parts[0]}\" is not a repetition count (expected R, R1, R5 …)");
            }
            if (count == 0)
            {
                return TimerParseResult.Fail($"\"{text}\": R0 never fires (use R1 or more, or R for unbounded)");
            }
            repetitions = count;
        }
        DateTimeOffset? start = null;
        if (parts.Length == 3)
        {
            var parsedStart = TimerDates.Parse(parts[1], options.DefaultZone);
            if (!parsedStart.IsSuccess)
            {
                return TimerParseResult.Fail($"\"{text}\": the start {parsedStart.Error}");
            }
            start = parsedStart.Instant;
        }
        var interval = IsoDuration.Parse(parts[^1]);
        if (interval.Duration is null)
        {
            return TimerParseResult.Fail($"\"{text}\": the interval {interval.Error}");
        }
        if (interval.Duration.IsZero)
        {
            return TimerParseResult.Fail($"\"{text}\": the interval must be longer than zero");
        }
        return TimerParseResult.Ok(new IntervalCycleSchedule(text, options, repetitions, start, interval.Duration));
    }

    public override TimerNext FirstDue(DateTimeOffset now) => Start switch
    {
        null => TimerNext.From(Step(now), Repetitions),
        { } start when start >= now => TimerNext.At(new TimerDue(start, Repetitions)),
        _ => TimerNext.At(new TimerDue(now, Repetitions)),
    };

    public override TimerNext Next(TimerDue fired, DateTimeOffset now)
    {
        if (fired.Repetitions is <= 1)
        {
            return TimerNext.Exhausted;
        }
        var natural = Step(fired.At);
        if (natural.IsSuccess && natural.Instant <= now)
        {
            natural = Step(now);
        }
        return TimerNext.From(natural, fired.Repetitions - 1);
    }

    private InstantResult Step(DateTimeOffset from) => Interval.AddTo(from, Options.Zone, Options.Calendar);
}

/// <summary>
/// <c>timeCycle</c> as a cron expression: fires at every matching time, unbounded. Bound to a calendar it fires
/// only at matching times that are working time, so <c>0 0 9 * * MON-FRI</c> skips public holidays.
/// </summary>
internal sealed class CronCycleSchedule : TimerSchedule
{
    private CronCycleSchedule(string text, TimerParseOptions options, CronExpression cron) : base(TimerKind.TimeCycle, text, options) => Cron = cron;

    /// <summary>The Quartz expression evaluated, resolved in the calendar's or the default zone.</summary>
    public CronExpression Cron { get; }

    internal static TimerParseResult Parse(string text, TimerParseOptions options)
    {
        var (cron, error) = CronCycle.Parse(text, options.Zone);
        return cron is null ? TimerParseResult.Fail(error!) : TimerParseResult.Ok(new CronCycleSchedule(text, options, cron));
    }

    public override TimerNext FirstDue(DateTimeOffset now) => After(now);

    // Handled late, the next firing is the first after now: missed firings are not replayed in a burst.
    public override TimerNext Next(TimerDue fired, DateTimeOffset now) => After(fired.At > now ? fired.At : now);

    private TimerNext After(DateTimeOffset after)
    {
        var horizon = after.AddYears(BusinessCalendar.HorizonYears);
        for (var at = Cron.GetNextValidTimeAfter(after); at is { } candidate; at = Cron.GetNextValidTimeAfter(candidate))
        {
            if (Options.Calendar is not { } calendar || calendar.IsWorkingTime(candidate))
            {
                return TimerNext.At(new TimerDue(ZonedTime.ToZone(candidate, Options.Zone), null));
            }
            if (candidate > horizon)
            {
                break;
            }
        }
        // Without a calendar only an expression that never matches again (a past year) ends here.
        return Options.Calendar is null
            ? TimerNext.Exhausted
            : TimerNext.Failed($"\"{Text}\" has no firing in working time of calendar \"{Options.Calendar.Name}\" within {BusinessCalendar.HorizonYears} years");
    }
}
