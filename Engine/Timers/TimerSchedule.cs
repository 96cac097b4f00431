using Processes.Engine.Calendars;

namespace Processes.Engine.Timers;

/// <summary>The three BPMN timer definitions.</summary>
internal enum TimerKind
{
    TimeDate,
    TimeDuration,
    TimeCycle,
}

/// <summary>
/// When a timer is due. <paramref name="Repetitions"/> counts the firings still to come including this one
/// (1 for dates and durations, the rest of <c>R5/…</c> for cycles); null for an unbounded cycle. A timer row
/// stores exactly this pair and hands it back to <see cref="TimerSchedule.Next"/> after firing.
/// </summary>
internal readonly record struct TimerDue(DateTimeOffset At, int? Repetitions);

/// <summary>The next firing of a timer: due, no firing left, or a computation that failed (e.g. beyond a calendar's horizon).</summary>
internal readonly record struct TimerNext
{
    private TimerNext(TimerDue? due, string? error)
    {
        Due = due;
        Error = error;
    }

    public TimerDue? Due { get; }

    public string? Error { get; }

    public bool IsExhausted => Due is null && Error is null;

    public static TimerNext At(TimerDue due) => new(due, null);

    public static TimerNext Exhausted { get; } = new(null, null);

    public static TimerNext Failed(string error) => new(null, error);

    internal static TimerNext From(InstantResult result, int? repetitions) =>
        result.IsSuccess ? At(new TimerDue(result.Instant, repetitions)) : Failed(result.Error!);

    public override string ToString() => Error ?? Due?.ToString() ?? "exhausted";
}

/// <summary>How the literal timer text is read.</summary>
internal sealed record TimerParseOptions
{
    /// <summary>
    /// Name of the <c>zeebe:property</c> on a timer event element whose value names the business calendar the
    /// timer counts in: <c>&lt;zeebe:property name="businessCalendar" value="cn-support" /&gt;</c>.
    /// </summary>
    public const string CalendarPropertyName = "businessCalendar";

    public static TimerParseOptions Default { get; } = new();

    /// <summary>
    /// Zone for local date-times without offset, calendar units (P1D, P1M) and cron fields when no calendar is
    /// bound. UTC unless the engine configures its own zone.
    /// </summary>
    public TimeZoneInfo DefaultZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>
    /// The business calendar the timer is bound to (<c>zeebe:property name="businessCalendar"</c>): durations then
    /// count working time, cron firings outside working time are skipped, and the calendar's zone replaces
    /// <see cref="DefaultZone"/> for cron fields and calendar units. Absolute dates are unaffected.
    /// </summary>
    public BusinessCalendar? Calendar { get; init; }

    internal TimeZoneInfo Zone => Calendar?.TimeZone ?? DefaultZone;
}

/// <summary>A parsed timer definition, or what is wrong with its text.</summary>
internal readonly record struct TimerParseResult(TimerSchedule? Schedule, string? Error)
{
    public bool IsSuccess => Schedule is not null;

    public static TimerParseResult Ok(TimerSchedule schedule) => new(schedule, null);

    public static TimerParseResult Fail(string error) => new(null, error);
}

/// <summary>
/// A timer definition turned into due times. Pure: every method takes the current time as an argument, so the
/// scheduler and the tests decide what "now" is.
/// </summary>
internal abstract class TimerSchedule
{
    private protected TimerSchedule(TimerKind kind, string text, TimerParseOptions options)
    {
        Kind = kind;
        Text = text;
        Options = options;
    }

    public TimerKind Kind { get; }

    /// <summary>The literal the schedule was read from, for messages and the operator's view.</summary>
    public string Text { get; }

    public TimerParseOptions Options { get; }

    /// <summary>
    /// Reads a timer's literal text (the engine evaluates a FEEL <c>=</c> expression first and passes the resulting
    /// string or the ISO text of the resulting temporal value).
    /// </summary>
    public static TimerParseResult Parse(TimerKind kind, string? text, TimerParseOptions? options = null)
    {
        options ??= TimerParseOptions.Default;
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            return TimerParseResult.Fail($"the {Describe(kind)} is empty");
        }
        return kind switch
        {
            TimerKind.TimeDate => DateSchedule.Parse(trimmed, options),
            TimerKind.TimeDuration => DurationSchedule.Parse(trimmed, options),
            TimerKind.TimeCycle => trimmed.StartsWith('R') || trimmed.StartsWith('r')
                ? IntervalCycleSchedule.Parse(trimmed, options)
                : CronCycleSchedule.Parse(trimmed, options),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown timer kind"),
        };
    }

    /// <summary>The first firing for a timer created at <paramref name="now"/>. A due time in the past means "fire now".</summary>
    public abstract TimerNext FirstDue(DateTimeOffset now);

    /// <summary>
    /// The firing after <paramref name="fired"/>, handled at <paramref name="now"/>, or
    /// <see cref="TimerNext.Exhausted"/> when none is left. Never at or before <paramref name="now"/> for cycles.
    /// </summary>
    public abstract TimerNext Next(TimerDue fired, DateTimeOffset now);

    public override string ToString() => $"{Describe(Kind)} {Text}";

    private static string Describe(TimerKind kind) => kind switch
    {
        TimerKind.TimeDate => "timeDate",
        TimerKind.TimeDuration => "timeDuration",
        _ => "timeCycle",
    };
}
