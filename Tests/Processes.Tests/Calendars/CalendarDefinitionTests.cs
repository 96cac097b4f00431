using Processes.Engine.Calendars;
using static Processes.Tests.Calendars.TestCalendars;

namespace Processes.Tests.Calendars;

public sealed class CalendarDefinitionTests
{
    private const string Documented = """
        {
          "name": "cn-support",
          "timeZone": "Asia/Shanghai",
          "week": {
            "monday": [["09:00","12:00"],["13:00","18:00"]],
            "saturday": [["10:00","14:00"]]
          },
          "holidays": [{ "date": "2026-10-01", "name": "National Day" }, { "date": "2026-10-02" }],
          "workingDays": ["2026-09-27"]
        }
        """;

    private static IReadOnlyList<CalendarProblem> Problems(CalendarDefinition definition) => BusinessCalendar.Create(definition).Problems;

    private static CalendarDefinition WithWeek(params (string Day, string[][] Hours)[] days) => CnSupportDefinition with
    {
        Week = days.ToDictionary(d => d.Day, d => (IReadOnlyList<IReadOnlyList<string>>)d.Hours),
    };

    [Test]
    public void The_documented_json_shape_reads_and_round_trips()
    {
        var read = CalendarJson.Read(Documented);
        read.Problems.ShouldBeEmpty();
        var definition = read.Definition!;
        definition.Name.ShouldBe("cn-support");
        definition.Week["monday"][1].ShouldBe(["13:00", "18:00"]);
        definition.Holidays[0].ShouldBe(new CalendarHoliday("2026-10-01", "National Day"));
        definition.Holidays[1].Name.ShouldBeNull();
        definition.WorkingDays.ShouldBe(["2026-09-27"]);
        BusinessCalendar.Create(definition).IsValid.ShouldBeTrue();

        var again = CalendarJson.Read(CalendarJson.Serialize(definition)).Definition!;
        CalendarJson.Serialize(again).ShouldBe(CalendarJson.Serialize(definition));
        CalendarJson.Serialize(definition).ShouldContain("\"timeZone\":\"Asia/Shanghai\"");
    }

    [TestCase("{\"name\":\"x\",\"timeZone\":\"UTC\",\"weeks\":{}}", "$.weeks")]
    [TestCase("{\"name\":\"x\",\"timeZone\":\"UTC\",\"week\":{\"monday\":\"09:00\"}}", "$.week.monday")]
    [TestCase("{\"timeZone\":\"UTC\"}", "$")]
    [TestCase("not json", "$")]
    public void Malformed_json_is_a_problem_with_its_path(string json, string field)
    {
        var read = CalendarJson.Read(json);
        read.Definition.ShouldBeNull();
        read.Problems.ShouldHaveSingleItem().Field.ShouldBe(field);
    }

    [Test]
    public void A_calendar_without_working_time_is_rejected_not_looped_over()
    {
        var problem = Problems(WithWeek()).ShouldHaveSingleItem();
        problem.Field.ShouldBe("week");
        problem.Message.ShouldContain("no working time");
    }

    [Test]
    public void Every_problem_is_reported_with_its_field()
    {
        var definition = CnSupportDefinition with
        {
            Name = " ",
            TimeZone = "Asia/Atlantis",
            Week = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>
            {
                ["monday"] = [["09:00", "12:00"], ["11:00", "13:00"]],
                ["tuesday"] = [["18:00", "09:00"]],
                ["wednesday"] = [["9am", "5pm"]],
                ["thursday"] = [["09:00"]],
                ["funday"] = [["09:00", "10:00"]],
            },
            Holidays = [new CalendarHoliday("2026-02-30"), new CalendarHoliday("2026-10-01"), new CalendarHoliday("2026-10-01")],
            WorkingDays = ["2026-10-01", "27.09.2026"],
        };
        var fields = Problems(definition).Select(p => p.Field).ToList();
        fields.ShouldBe(
        [
            "name", "timeZone", "week.monday[1]", "week.tuesday[0]", "week.wednesday[0]", "week.thursday[0]", "week.funday",
            "holidays[0].date", "holidays[2].date", "workingDays[0]", "workingDays[1]",
        ], ignoreOrder: true);
        Problems(definition).Single(p => p.Field == "week.monday[1]").Message.ShouldBe("overlaps week.monday[0]");
        Problems(definition).Single(p => p.Field == "timeZone").Message.ShouldContain("Asia/Atlantis");
    }

    [TestCase("cn-support", true)]
    [TestCase("de_support.v2", true)]
    [TestCase("-leading-dash", false)]
    [TestCase("has space", false)]
    [TestCase("slash/name", false)]
    [TestCase("", false)]
    public void Names_are_url_safe(string name, bool valid) =>
        BusinessCalendar.Create(CnSupportDefinition with { Name = name }).IsValid.ShouldBe(valid);

    [Test]
    public void Touching_intervals_and_a_day_ending_at_midnight_are_valid()
    {
        var calendar = Build(WithWeek(("friday", [["00:00", "12:00"], ["12:00", "24:00"]])));
        calendar.WorkingTimeBetween(Cn(11, 20, 0), Cn(11, 21, 0)).ShouldBe(TimeSpan.FromHours(24));
    }
}
