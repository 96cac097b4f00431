using Processes.Engine.Timers;
using Processes.Tests.Calendars;

namespace Processes.Tests.Timers;

public sealed class CronTests
{
    [TestCase("0 0 9 * * MON-FRI", "0 0 9 ? * MON-FRI")]
    [TestCase("0 0 9 * * 1-5", "0 0 9 ? * 2-6", Description = "Spring Monday=1 is Quartz 2")]
    [TestCase("0 0 9 * * 0", "0 0 9 ? * 1", Description = "Spring Sunday=0")]
    [TestCase("0 0 9 * * 7", "0 0 9 ? * 1", Description = "Spring Sunday=7")]
    [TestCase("0 0 9 * * 5-7", "0 0 9 ? * 6-1", Description = "Friday to Sunday wraps")]
    [TestCase("0 0 9 * * 1,3,5", "0 0 9 ? * 2,4,6")]
    [TestCase("0 0 9 * * 5#2", "0 0 9 ? * 6#2", Description = "the ordinal after # stays")]
    [TestCase("0 0 9 * * 1/2", "0 0 9 ? * 2/2", Description = "the step after / stays")]
    [TestCase("0 0 9 * * 5L", "0 0 9 ? * 6L")]
    [TestCase("0 0 9 1 * *", "0 0 9 1 * ?")]
    [TestCase("0 */15 * * * *", "0 */15 * * * ?")]
    [TestCase("0 0 9 ? * MON", "0 0 9 ? * MON")]
    [TestCase("0 0 9 L * ?", "0 0 9 L * ?")]
    [TestCase("@daily", "@daily")]
    public void Spring_cron_is_rewritten_to_quartz(string spring, string quartz)
    {
        var (normalised, error) = CronCycle.Normalise(spring);
        error.ShouldBeNull();
        normalised.ShouldBe(quartz);
    }

    [TestCase("0 9 * * MON-FRI", "has 5 fields; a cron cycle has six")]
    [TestCase("0 0 9 * * MON-FRI 2027", "has 7 fields")]
    [TestCase("0 0 9 1 * MON", "restricts both day-of-month and day-of-week")]
    [TestCase("0 0 9 ? * ?", "has ? in both")]
    [TestCase("0 0 25 * * *", "is not a valid cron expression: Hour values must be between 0 and 23")]
    [TestCase("0 0 9 * * FUNDAY", "is not a valid cron expression")]
    [TestCase("0 0 9 * * 8", "names day-of-week 8; days are 0-7")]
    public void Bad_cron_cycles_say_what_is_wrong(string text, string error) =>
        TimerSchedule.Parse(TimerKind.TimeCycle, text).Error.ShouldNotBeNull().ShouldContain(error);

    [Test]
    public void Weekday_mornings_from_friday_ten_o_clock_next_fire_on_monday_at_nine()
    {
        var schedule = TimerSchedule.Parse(TimerKind.TimeCycle, "0 0 9 * * MON-FRI").Schedule!;
        var friday = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        var first = schedule.FirstDue(friday).Due!.Value;
        first.ShouldBe(new TimerDue(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), null));
        schedule.Next(first, first.At).Due!.Value.At.ShouldBe(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
        // Handled on Wednesday morning (the engine was down): Thursday, not the missed Tuesday and Wednesday.
        schedule.Next(first, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero)).Due!.Value.At
            .ShouldBe(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    }

    [Test]
    public void Numeric_spring_weekdays_fire_on_the_same_days_as_names()
    {
        var numbers = TimerSchedule.Parse(TimerKind.TimeCycle, "0 30 8 * * 1-5").Schedule!;
        var names = TimerSchedule.Parse(TimerKind.TimeCycle, "0 30 8 * * MON-FRI").Schedule!;
        var from = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 14; i++)
        {
            var a = numbers.FirstDue(from).Due!.Value.At;
            names.FirstDue(from).Due!.Value.At.ShouldBe(a);
            a.DayOfWeek.ShouldNotBe(DayOfWeek.Saturday);
            a.DayOfWeek.ShouldNotBe(DayOfWeek.Sunday);
            from = a;
        }
    }

    [Test]
    public void Cron_fields_are_read_in_the_default_zone()
    {
        var options = new TimerParseOptions { DefaultZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") };
        var schedule = TimerSchedule.Parse(TimerKind.TimeCycle, "0 0 9 * * *", options).Schedule!;
        schedule.FirstDue(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero)).Due!.Value.At
            .ShouldBe(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.FromHours(2)));
    }

    [Test]
    public void Bound_to_a_calendar_cron_uses_its_zone_and_skips_holidays()
    {
        var options = new TimerParseOptions { Calendar = TestCalendars.CnSupport };
        var schedule = TimerSchedule.Parse(TimerKind.TimeCycle, "0 0 9 * * MON-FRI", options).Schedule!;
        // Wednesday 30 Sep 10:00: 1–7 Oct is the National Day week, so next is Thursday 8 Oct.
        schedule.FirstDue(TestCalendars.Cn(9, 30, 10)).Due!.Value.At.ShouldBe(TestCalendars.Cn(10, 8, 9));
    }

    [Test]
    public void A_cron_that_never_matches_in_working_time_fails_instead_of_searching_forever()
    {
        var options = new TimerParseOptions { Calendar = TestCalendars.CnSupport };
        var schedule = TimerSchedule.Parse(TimerKind.TimeCycle, "0 0 3 * * *", options).Schedule!;
        schedule.FirstDue(TestCalendars.Cn(11, 23, 9)).Error.ShouldNotBeNull().ShouldContain("no firing in working time");
    }
}
