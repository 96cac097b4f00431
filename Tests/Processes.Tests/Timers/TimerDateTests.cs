using System.Globalization;
using Processes.Engine.Timers;

namespace Processes.Tests.Timers;

public sealed class TimerDateTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [TestCase("2026-12-01T09:00:00Z", "2026-12-01T09:00:00+00:00")]
    [TestCase("2026-12-01T09:00:00+08:00", "2026-12-01T01:00:00+00:00")]
    [TestCase("2026-12-01T09:00:00.250+08:00", "2026-12-01T01:00:00.25+00:00")]
    [TestCase("2026-12-01T09:00:00@Asia/Shanghai", "2026-12-01T01:00:00+00:00")]
    [TestCase("2026-12-01T09:00:00+08:00[Asia/Shanghai]", "2026-12-01T01:00:00+00:00")]
    [TestCase("2026-12-01T09:00:00[Asia/Shanghai]", "2026-12-01T01:00:00+00:00")]
    [TestCase("2026-12-01T09:00", "2026-12-01T08:00:00+00:00", Description = "local: read in the default zone (Berlin, winter)")]
    [TestCase("2026-07-01T09:00:00", "2026-07-01T07:00:00+00:00", Description = "local: read in the default zone (Berlin, summer)")]
    [TestCase("2026-03-29T02:30:00", "2026-03-29T01:30:00+00:00", Description = "in the DST gap: moved forward to 03:30 CEST")]
    [TestCase("2026-10-25T02:30:00", "2026-10-25T00:30:00+00:00", Description = "in the DST overlap: the earlier instant")]
    public void Dates_are_read_as_zeebe_reads_them(string text, string expected)
    {
        var schedule = TimerSchedule.Parse(TimerKind.TimeDate, text, new TimerParseOptions { DefaultZone = Berlin });
        schedule.Error.ShouldBeNull();
        var due = schedule.Schedule!.FirstDue(DateTimeOffset.UnixEpoch).Due!.Value;
        due.ShouldBe(new TimerDue(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), 1));
        schedule.Schedule.Next(due, due.At).IsExhausted.ShouldBeTrue();
    }

    [TestCase("tomorrow", "is not an ISO 8601 date-time")]
    [TestCase("2026-13-01T09:00:00Z", "is not an ISO 8601 date-time")]
    [TestCase("2026-12-01", "is not an ISO 8601 date-time")]
    [TestCase("2026-12-01T09:00:00@Asia/Atlantis", "unknown time zone \"Asia/Atlantis\"")]
    [TestCase("  ", "the timeDate is empty")]
    public void Bad_dates_say_what_is_wrong(string text, string error) =>
        TimerSchedule.Parse(TimerKind.TimeDate, text).Error.ShouldNotBeNull().ShouldContain(error);

    [Test]
    public void A_date_in_the_past_is_still_due_so_the_scheduler_fires_it_at_once()
    {
        var now = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        TimerSchedule.Parse(TimerKind.TimeDate, "2026-12-01T09:00:00Z").Schedule!.FirstDue(now).Due!.Value.At.ShouldBeLessThan(now);
    }
}
