using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Calendars;

/// <summary>Europe/Berlin: clocks go 02:00 → 03:00 on 29 March 2026 and 03:00 → 02:00 on 25 October 2026.</summary>
public sealed class DaylightSavingTests
{
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);
    private static readonly TimeSpan Summer = TimeSpan.FromHours(2);

    [Test]
    public void The_spring_forward_sunday_has_23_working_hours() =>
        DeSupport.WorkingTimeBetween(new DateTimeOffset(2026, 3, 29, 0, 0, 0, Winter), new DateTimeOffset(2026, 3, 30, 0, 0, 0, Summer))
            .ShouldBe(TimeSpan.FromHours(23));

    [Test]
    public void The_fall_back_sunday_has_25_working_hours() =>
        DeSupport.WorkingTimeBetween(new DateTimeOffset(2026, 10, 25, 0, 0, 0, Summer), new DateTimeOffset(2026, 10, 26, 0, 0, 0, Winter))
            .ShouldBe(TimeSpan.FromHours(25));

    [Test]
    public void Three_working_hours_from_midnight_across_the_gap_end_at_four_summer_time() =>
        DeSupport.AddWorkingTime(new DateTimeOffset(2026, 3, 29, 0, 0, 0, Winter), TimeSpan.FromHours(3)).Instant
            .ShouldBe(new DateTimeOffset(2026, 3, 29, 4, 0, 0, Summer));

    [Test]
    public void Friday_afternoon_to_monday_morning_across_the_dst_weekend_is_exact()
    {
        // Friday 15:00 CET + 1 h (to 16:00) + all of Sunday (23 h) + 1 h on Monday = 09:00 CEST.
        var start = new DateTimeOffset(2026, 3, 27, 15, 0, 0, Winter);
        var due = DeSupport.AddWorkingTime(start, TimeSpan.FromHours(25)).Instant;
        due.ShouldBe(new DateTimeOffset(2026, 3, 30, 9, 0, 0, Summer));
        due.Offset.ShouldBe(Summer);
        DeSupport.WorkingTimeBetween(start, due).ShouldBe(TimeSpan.FromHours(25));
    }

    [Test]
    public void The_repeated_hour_in_autumn_is_working_time_twice()
    {
        var firstTwoThirty = new DateTimeOffset(2026, 10, 25, 2, 30, 0, Summer);
        var secondTwoThirty = new DateTimeOffset(2026, 10, 25, 2, 30, 0, Winter);
        DeSupport.IsWorkingTime(firstTwoThirty).ShouldBeTrue();
        DeSupport.IsWorkingTime(secondTwoThirty).ShouldBeTrue();
        DeSupport.AddWorkingTime(firstTwoThirty, TimeSpan.FromHours(1)).Instant.ShouldBe(secondTwoThirty);
    }

    [Test]
    public void A_holiday_in_berlin_is_skipped() =>
        DeSupport.AddWorkingTime(new DateTimeOffset(2026, 12, 24, 15, 0, 0, Winter), TimeSpan.FromHours(2)).Instant
            .ShouldBe(new DateTimeOffset(2026, 12, 27, 1, 0, 0, Winter));
}
