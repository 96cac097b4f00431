using Processes.Engine.Calendars;
using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Calendars;

public sealed class BusinessCalendarTests
{
    private static DateTimeOffset Add(DateTimeOffset start, TimeSpan amount)
    {
        var result = CnSupport.AddWorkingTime(start, amount);
        result.Error.ShouldBeNull();
        return result.Instant;
    }

    [Test]
    public void Working_time_continues_after_the_lunch_break() =>
        Add(Cn(11, 23, 11), TimeSpan.FromHours(2)).ShouldBe(Cn(11, 23, 14));

    [Test]
    public void An_amount_used_up_at_closing_time_ends_there_not_at_the_next_opening() =>
        Add(Cn(11, 23, 9), TimeSpan.FromHours(3)).ShouldBe(Cn(11, 23, 12));

    [TestCase(7, 10, Description = "before opening")]
    [TestCase(12, 14, Description = "in the lunch break")]
    public void A_start_outside_hours_counts_from_the_next_opening(int startHour, int dueHour) =>
        Add(Cn(11, 23, startHour, startHour == 12 ? 30 : 0), TimeSpan.FromHours(1)).ShouldBe(Cn(11, 23, dueHour));

    [Test]
    public void Four_hours_from_friday_afternoon_run_into_the_short_saturday() =>
        // Friday 16–18 (2 h), Saturday 10–12 (2 h).
        Add(Cn(11, 20, 16), TimeSpan.FromHours(4)).ShouldBe(Cn(11, 21, 12));

    [Test]
    public void A_saturday_evening_start_waits_for_monday() =>
        Add(Cn(11, 21, 15), TimeSpan.FromHours(1)).ShouldBe(Cn(11, 23, 10));

    [Test]
    public void The_national_day_week_is_skipped_including_its_saturday() =>
        // Wednesday 30 Sep 17–18 (1 h), 1–7 Oct off, Thursday 8 Oct 09–10.
        Add(Cn(9, 30, 17), TimeSpan.FromHours(2)).ShouldBe(Cn(10, 8, 10));

    [Test]
    public void A_make_up_sunday_is_worked_with_weekday_hours()
    {
        Add(Cn(9, 26, 15), TimeSpan.FromHours(1)).ShouldBe(Cn(9, 27, 10));
        CnSupport.IsWorkingTime(Cn(9, 27, 17)).ShouldBeTrue();
        CnSupport.IsWorkingTime(Cn(10, 4, 10)).ShouldBeFalse();
    }

    [TestCase(11, 23, 9, 0, true)]
    [TestCase(11, 23, 11, 59, true)]
    [TestCase(11, 23, 12, 0, false)]
    [TestCase(11, 23, 18, 0, false)]
    [TestCase(11, 22, 10, 0, false)]
    [TestCase(11, 21, 13, 59, true)]
    [TestCase(10, 1, 10, 0, false)]
    public void Is_working_time(int month, int day, int hour, int minute, bool expected) =>
        CnSupport.IsWorkingTime(Cn(month, day, hour, minute)).ShouldBe(expected);

    [Test]
    public void Next_working_instant_is_the_instant_itself_inside_hours_and_the_next_opening_outside()
    {
        CnSupport.NextWorkingInstant(Cn(11, 23, 10, 15)).Instant.ShouldBe(Cn(11, 23, 10, 15));
        CnSupport.NextWorkingInstant(Cn(11, 23, 12, 15)).Instant.ShouldBe(Cn(11, 23, 13));
        CnSupport.NextWorkingInstant(Cn(11, 21, 14)).Instant.ShouldBe(Cn(11, 23, 9));
    }

    [Test]
    public void Working_time_between_counts_only_open_hours_and_is_signed()
    {
        CnSupport.WorkingTimeBetween(Cn(11, 23, 9), Cn(11, 24, 9)).ShouldBe(TimeSpan.FromHours(8));
        CnSupport.WorkingTimeBetween(Cn(11, 20, 17), Cn(11, 23, 10)).ShouldBe(TimeSpan.FromHours(1 + 4 + 1));
        CnSupport.WorkingTimeBetween(Cn(11, 24, 9), Cn(11, 23, 9)).ShouldBe(TimeSpan.FromHours(-8));
        CnSupport.WorkingTimeBetween(Cn(10, 1, 0), Cn(10, 8, 0)).ShouldBe(TimeSpan.Zero);
    }

    [Test]
    public void Sla_percentages_of_a_four_hour_target_fall_on_working_instants()
    {
        var start = Cn(11, 23, 10);
        var target = TimeSpan.FromHours(4);
        CnSupport.AddWorkingTime(start, target * 0.5).Instant.ShouldBe(Cn(11, 23, 12));
        CnSupport.AddWorkingTime(start, target * 0.75).Instant.ShouldBe(Cn(11, 23, 14));
        CnSupport.AddWorkingTime(start, target).Instant.ShouldBe(Cn(11, 23, 15));
        (CnSupport.WorkingTimeBetween(start, Cn(11, 23, 13, 30)) / target).ShouldBe(0.625);
    }

    [TestCase(11, 23, 10, 0, 2, 11, 25, 10, 0, Description = "same offset two days later")]
    [TestCase(11, 23, 12, 30, 1, 11, 24, 13, 0, Description = "lunch start keeps the afternoon offset")]
    [TestCase(11, 20, 14, 0, 1, 11, 21, 14, 0, Description = "a 4 h offset does not fit the short Saturday: its closing")]
    [TestCase(11, 20, 10, 0, 1, 11, 21, 11, 0, Description = "offset 1 h on Saturday's 10:00 opening")]
    [TestCase(9, 30, 10, 0, 1, 10, 8, 10, 0, Description = "holidays are no working days")]
    [TestCase(9, 25, 10, 0, 2, 9, 27, 10, 0, Description = "Fri → Sat → make-up Sunday")]
    [TestCase(11, 21, 18, 0, 1, 11, 24, 9, 0, Description = "after closing counts from Monday's opening")]
    public void Working_days_end_at_the_same_working_time_offset(int m, int d, int h, int min, int days, int em, int ed, int eh, int emin)
    {
        var result = CnSupport.AddWorkingDays(Cn(m, d, h, min), days);
        result.Error.ShouldBeNull();
        result.Instant.ShouldBe(Cn(em, ed, eh, emin));
    }

    [Test]
    public void Results_are_expressed_in_the_calendar_zone() =>
        CnSupport.AddWorkingTime(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(1)).Instant.Offset.ShouldBe(Shanghai);

    [Test]
    public void An_amount_beyond_the_horizon_is_a_failure_value_not_a_hang()
    {
        var result = CnSupport.AddWorkingTime(Cn(11, 23, 9), TimeSpan.FromDays(10_000));
        result.IsSuccess.ShouldBeFalse();
        result.Error.ShouldNotBeNull().ShouldContain("within 5 years");
        CnSupport.AddWorkingTime(Cn(11, 23, 9), TimeSpan.FromHours(-1)).Error.ShouldNotBeNull().ShouldContain("negative");
    }

    [Test]
    public void A_calendar_whose_only_working_day_is_always_a_holiday_fails_within_the_horizon()
    {
        var definition = CnSupportDefinition with
        {
            Name = "mondays-off",
            Week = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>> { ["monday"] = [["09:00", "10:00"]] },
            WorkingDays = [],
            Holidays = [.. Enumerable.Range(0, 6 * 53).Select(w => new CalendarHoliday(new DateOnly(2026, 11, 23).AddDays(7 * w).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))],
        };
        var calendar = Build(definition);
        calendar.NextWorkingInstant(Cn(11, 22, 9)).Error.ShouldNotBeNull().ShouldContain("within 5 years");
        calendar.AddWorkingDays(Cn(11, 22, 9), 1).IsSuccess.ShouldBeFalse();
    }

    [Test]
    public void Holidays_are_reported_by_name()
    {
        CnSupport.HolidayOn(new DateOnly(2026, 10, 3)).ShouldBe("National Day");
        CnSupport.HolidayOn(new DateOnly(2026, 10, 8)).ShouldBeNull();
    }
}
