using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Calendars;
using Processes.Engine.Timers;
using BpmnTimerKind = Processes.Engine.Bpmn.Executable.TimerKind;
using ScheduleKind = Processes.Engine.Timers.TimerKind;

namespace Processes.Engine.Execution;

/// <summary>A timer row's due time and how many firings are left counting this one (-1: without end).</summary>
internal readonly record struct TimerFiring(DateTimeOffset DueAt, int Repetitions);

/// <summary>
/// The engine's side of <see cref="TimerSchedule"/>: evaluated timer text in, due times out, in working time when
/// the timer element names a business calendar (<c>zeebe:property name="businessCalendar"</c>).
/// </summary>
internal static class TimerCalculator
{
    public static Evaluated<TimerFiring> First(BpmnTimerKind kind, string text, DateTimeOffset now, BusinessCalendar? calendar)
    {
        var parsed = TimerSchedule.Parse(Map(kind), text, Options(calendar));
        if (!parsed.IsSuccess)
        {
            return Evaluated<TimerFiring>.Fail(parsed.Error!);
        }
        return ToFiring(parsed.Schedule!.FirstDue(now), text);
    }

    /// <summary>The next firing of a cycle after the one due at <paramref name="firedAt"/>; a failure value when exhausted.</summary>
    public static Evaluated<TimerFiring> Next(string text, DateTimeOffset firedAt, int repetitions, DateTimeOffset now, BusinessCalendar? calendar)
    {
        var parsed = TimerSchedule.Parse(ScheduleKind.TimeCycle, text, Options(calendar));
        if (!parsed.IsSuccess)
        {
            return Evaluated<TimerFiring>.Fail(parsed.Error!);
        }
        return ToFiring(parsed.Schedule!.Next(new TimerDue(firedAt, repetitions < 0 ? null : repetitions), now), text);
    }

    /// <summary>The calendar a timer element is bound to, if any.</summary>
    public static string? CalendarName(ExecutableElement element) =>
        element.Properties.TryGetValue(TimerParseOptions.CalendarPropertyName, out var name) && !string.IsNullOrWhiteSpace(name) ? name : null;

    private static TimerParseOptions Options(BusinessCalendar? calendar) =>
        calendar is null ? TimerParseOptions.Default : new TimerParseOptions { Calendar = calendar };

    private static Evaluated<TimerFiring> ToFiring(TimerNext next, string text)
    {
        if (next.Error is not null)
        {
            return Evaluated<TimerFiring>.Fail(next.Error);
        }
        if (next.Due is not { } due)
        {
            return Evaluated<TimerFiring>.Fail($"The timer '{text}' has no further firing.");
        }
        return new(new TimerFiring(due.At.ToUniversalTime(), due.Repetitions ?? -1), null);
    }

    private static ScheduleKind Map(BpmnTimerKind kind) => kind switch
    {
        BpmnTimerKind.Date => ScheduleKind.TimeDate,
        BpmnTimerKind.Duration => ScheduleKind.TimeDuration,
        _ => ScheduleKind.TimeCycle,
    };
}

/// <summary>
/// Business calendars by tenant and name for timers (an instance counts in its own tenant's calendars), read from the
/// database and kept for a minute, so an edited calendar applies to timers created shortly after. Steps run
/// synchronously, so a miss reads synchronously, on the command's connection (rare).
/// </summary>
internal sealed class CalendarCache(CalendarStore store, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly Dictionary<(string Tenant, string Name), (BusinessCalendar? Calendar, DateTimeOffset LoadedAt)> _entries = [];
    private readonly Lock _gate = new();

    public Evaluated<BusinessCalendar?> Get(string tenantId, string? name)
    {
        if (name is null)
        {
            return new(null, null);
        }
        lock (_gate)
        {
            if (_entries.TryGetValue((tenantId, name), out var entry) && clock.GetUtcNow() - entry.LoadedAt < Lifetime)
            {
                return entry.Calendar is null ? Evaluated<BusinessCalendar?>.Fail(Unknown(tenantId, name)) : new(entry.Calendar, null);
            }
        }
        var stored = store.Get(tenantId, name);
        var calendar = stored?.Build().Calendar;
        lock (_gate)
        {
            _entries[(tenantId, name)] = (calendar, clock.GetUtcNow());
        }
        return calendar is null ? Evaluated<BusinessCalendar?>.Fail(Unknown(tenantId, name)) : new(calendar, null);
    }

    private static string Unknown(string tenantId, string name) =>
        $"the business calendar '{name}' does not exist in tenant '{tenantId}' (or is invalid); create it under /api/calendars";
}
