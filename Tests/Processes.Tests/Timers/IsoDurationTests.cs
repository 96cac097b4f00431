using Processes.Engine.Timers;

namespace Processes.Tests.Timers;

public sealed class IsoDurationTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    [TestCase("PT4H", "2026-01-31T14:00:00+00:00")]
    [TestCase("PT90M", "2026-01-31T11:30:00+00:00")]
    [TestCase("PT0.5S", "2026-01-31T10:00:00.5000000+00:00")]
    [TestCase("P1DT2H30M", "2026-02-01T12:30:00+00:00")]
    [TestCase("P2W", "2026-02-14T10:00:00+00:00")]
    [TestCase("P1M", "2026-02-28T10:00:00+00:00")]
    [TestCase("P1Y", "2027-01-31T10:00:00+00:00")]
    [TestCase("P1Y1M1DT1H1M1S", "2027-03-01T11:01:01+00:00")]
    [TestCase("pt4h", "2026-01-31T14:00:00+00:00")]
    [TestCase(" PT4H ", "2026-01-31T14:00:00+00:00")]
    [TestCase("PT0S", "2026-01-31T10:00:00+00:00")]
    public void Durations_are_added_as_zeebe_does(string text, string expected)
    {
        var parsed = IsoDuration.Parse(text);
        parsed.Error.ShouldBeNull();
        parsed.Duration!.AddTo(Start, TimeZoneInfo.Utc).Instant.ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestCase("PT4X", "\"PT4X\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("4H", "\"4H\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("P", "\"P\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("PT", "\"PT\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("P1DT", "\"P1DT\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("P4H", "\"P4H\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("PT1H2D", "\"PT1H2D\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("", "\"\" is not an ISO 8601 duration (expected e.g. PT4H or P1DT2H)")]
    [TestCase("-PT4H", "\"-PT4H\" is negative: a timer duration must not be negative")]
    [TestCase("P-1D", "\"P-1D\" is negative: a timer duration must not be negative")]
    [TestCase("P5000Y", "\"P5000Y\" is longer than 1000 years")]
    public void Bad_durations_say_what_is_wrong(string text, string error)
    {
        var parsed = IsoDuration.Parse(text);
        parsed.Duration.ShouldBeNull();
        parsed.Error.ShouldBe(error);
    }

    [Test]
    public void A_day_is_a_wall_clock_day_and_24_hours_are_elapsed_time_across_dst()
    {
        var saturdayNoon = new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.FromHours(1));
        IsoDuration.Parse("P1D").Duration!.AddTo(saturdayNoon, Berlin).Instant
            .ShouldBe(new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.FromHours(2)));
        IsoDuration.Parse("PT24H").Duration!.AddTo(saturdayNoon, Berlin).Instant
            .ShouldBe(new DateTimeOffset(2026, 3, 29, 13, 0, 0, TimeSpan.FromHours(2)));
    }

    [Test]
    public void A_month_from_the_31st_in_a_zone_ends_on_the_last_day_of_the_next_month()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        // 31 Jan 2026 20:00 UTC is already 1 Feb in Shanghai: the month is added to the local date.
        var result = IsoDuration.Parse("P1M").Duration!.AddTo(new DateTimeOffset(2026, 1, 30, 20, 0, 0, TimeSpan.Zero), shanghai).Instant;
        result.ShouldBe(new DateTimeOffset(2026, 2, 28, 4, 0, 0, TimeSpan.FromHours(8)));
    }
}
