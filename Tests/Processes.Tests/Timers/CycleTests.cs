using Processes.Engine.Timers;
using Processes.Tests.Calendars;

namespace Processes.Tests.Timers;

public sealed class CycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero); // a Friday

    private static TimerSchedule Cycle(string text, TimerParseOptions? options = null)
    {
        var parsed = TimerSchedule.Parse(TimerKind.TimeCycle, text, options);
        parsed.Error.ShouldBeNull();
        return parsed.Schedule!;
    }

    private static List<TimerDue> Firings(TimerSchedule schedule, DateTimeOffset now, int max = 10)
    {
        var firings = new List<TimerDue>();
        for (var next = schedule.FirstDue(now); next.Due is { } due && firings.Count < max; next = schedule.Next(due, due.At))
        {
            firings.Add(due);
        }
        return firings;
    }

    [Test]
    public void R5_fires_five_times_one_interval_apart_counting_down()
    {
        var firings = Firings(Cycle("R5/PT10M"), Now);
        firings.Select(f => f.At).ShouldBe([.. Enumerable.Range(1, 5).Select(i => Now.AddMinutes(10 * i))]);
        firings.Select(f => f.Repetitions).ShouldBe([5, 4, 3, 2, 1]);
    }

    [Test]
    public void R_without_a_count_repeats_without_end()
    {
        var firings = Firings(Cycle("R/PT1H"), Now, max: 50);
        firings.Count.ShouldBe(50);
        firings.ShouldAllBe(f => f.Repetitions == null);
        firings[^1].At.ShouldBe(Now.AddHours(50));
        Firings(Cycle("R/P1D"), Now, max: 2).Select(f => f.At).ShouldBe([Now.AddDays(1), Now.AddDays(2)]);
    }

    [Test]
    public void The_next_firing_follows_the_previous_due_time_not_the_moment_it_was_handled_late()
    {
        var schedule = Cycle("R3/PT1H");
        var first = schedule.FirstDue(Now).Due!.Value;
        schedule.Next(first, first.At.AddMinutes(5)).Due!.Value.ShouldBe(new TimerDue(Now.AddHours(2), 2));
    }

    [Test]
    public void A_future_start_is_the_first_firing()
    {
        var firings = Firings(Cycle("R3/2026-12-01T09:00:00Z/PT1H"), Now);
        firings.ShouldBe(
        [
            new TimerDue(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), 3),
            new TimerDue(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), 2),
            new TimerDue(new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero), 1),
        ]);
    }

    [Test]
    public void A_past_start_fires_at_once_with_all_its_repetitions()
    {
        var now = new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.Zero);
        Cycle("R3/2026-12-01T09:00:00Z/PT1H").FirstDue(now).Due.ShouldBe(new TimerDue(now, 3));
        Cycle("R/2026-11-29T09:00:00Z/P1D").FirstDue(now).Due.ShouldBe(new TimerDue(now, null));
    }

    [Test]
    public void Firings_missed_while_the_engine_was_down_are_not_replayed_in_a_burst()
    {
        var schedule = Cycle("R10/PT1H");
        var fired = new TimerDue(Now, 10);
        var handledLate = Now.AddHours(3.5);
        schedule.Next(fired, handledLate).Due.ShouldBe(new TimerDue(handledLate.AddHours(1), 9));
    }

    [TestCase("R0/PT1H", "R0 never fires")]
    [TestCase("Rx/PT1H", "\"Rx\" is not a repetition count")]
    [TestCase("R5", "is not a repeating interval")]
    [TestCase("R5/PT0S", "the interval must be longer than zero")]
    [TestCase("R5/PT1X", "the interval \"PT1X\" is not an ISO 8601 duration")]
    [TestCase("R5/-PT1H", "is negative")]
    [TestCase("R5/yesterday/PT1H", "the start \"yesterday\" is not an ISO 8601 date-time")]
    [TestCase("R5/a/b/c", "is not a repeating interval")]
    public void Bad_cycles_say_what_is_wrong(string text, string error) =>
        TimerSchedule.Parse(TimerKind.TimeCycle, text).Error.ShouldNotBeNull().ShouldContain(error);

    [Test]
    public void A_cycle_bound_to_a_calendar_repeats_in_working_time()
    {
        // Friday 14–18, Saturday 10–14, Monday 09–12 and 13–14: four working hours each.
        var options = new TimerParseOptions { Calendar = TestCalendars.CnSupport };
        var firings = Firings(Cycle("R3/PT4H", options), TestCalendars.Cn(11, 20, 14));
        firings.Select(f => f.At).ShouldBe([TestCalendars.Cn(11, 20, 18), TestCalendars.Cn(11, 21, 14), TestCalendars.Cn(11, 23, 14)]);
    }
}
