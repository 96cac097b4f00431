using Processes.Engine.Timers;
using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Timers;

/// <summary>Durations of timers bound to the cn-support calendar count working time.</summary>
public sealed class CalendarTimerTests
{
    private static readonly TimerParseOptions Bound = new() { Calendar = CnSupport };

    [TestCase("PT4H", 11, 20, 16, 0, 11, 21, 12, 0, Description = "four working hours: Friday 16–18, Saturday 10–12")]
    [TestCase("PT30M", 11, 23, 11, 45, 11, 23, 13, 15, Description = "across lunch")]
    [TestCase("PT1H", 11, 22, 8, 0, 11, 23, 10, 0, Description = "created on Sunday: counts from Monday's opening")]
    [TestCase("P2D", 11, 23, 10, 0, 11, 25, 10, 0, Description = "two working days, same offset")]
    [TestCase("P1D", 9, 30, 15, 0, 10, 8, 15, 0, Description = "a working day skips the holiday week")]
    [TestCase("P1DT2H", 11, 23, 10, 0, 11, 24, 12, 0, Description = "a working day, then two working hours ending at lunch")]
    [TestCase("P1DT3H", 11, 23, 10, 0, 11, 24, 14, 0, Description = "a working day, then three working hours over lunch")]
    [TestCase("P1W", 11, 21, 15, 0, 11, 30, 9, 0, Description = "a calendar week later, then the next opening")]
    [TestCase("P1M", 11, 30, 10, 0, 12, 30, 10, 0, Description = "a calendar month later, inside hours")]
    [TestCase("PT0S", 11, 21, 15, 0, 11, 23, 9, 0, Description = "nothing to wait but the next opening")]
    public void Durations_count_working_time(string text, int m, int d, int h, int min, int em, int ed, int eh, int emin)
    {
        var schedule = TimerSchedule.Parse(TimerKind.TimeDuration, text, Bound).Schedule!;
        var due = schedule.FirstDue(Cn(m, d, h, min));
        due.Error.ShouldBeNull();
        due.Due.ShouldBe(new TimerDue(Cn(em, ed, eh, emin), 1));
    }

    [Test]
    public void An_absolute_date_ignores_the_calendar() =>
        TimerSchedule.Parse(TimerKind.TimeDate, "2026-10-03T10:00:00+08:00", Bound).Schedule!.FirstDue(Cn(9, 1, 0)).Due!.Value.At
            .ShouldBe(Cn(10, 3, 10));

    [Test]
    public void A_duration_beyond_the_horizon_is_a_failure_value()
    {
        var due = TimerSchedule.Parse(TimerKind.TimeDuration, "PT90000H", Bound).Schedule!.FirstDue(Cn(11, 23, 9));
        due.Due.ShouldBeNull();
        due.Error.ShouldNotBeNull().ShouldContain("within 5 years");
    }

    [Test]
    public void Without_a_calendar_the_same_text_is_elapsed_time() =>
        TimerSchedule.Parse(TimerKind.TimeDuration, "PT4H").Schedule!.FirstDue(Cn(11, 20, 16)).Due!.Value.At.ShouldBe(Cn(11, 20, 20));
}
