using System.Collections.Frozen;
using System.Globalization;

namespace Processes.Engine.Calendars;

/// <summary>One working interval of a day as wall-clock offsets from local midnight; end exclusive, up to 24:00.</summary>
internal readonly record struct TimeRange(TimeSpan Start, TimeSpan End);

/// <summary>What <see cref="CalendarValidator"/> distilled from a valid definition.</summary>
internal sealed record CalendarRules(
    TimeZoneInfo Zone,
    TimeRange[][] Week,
    TimeRange[] StandardDay,
    FrozenDictionary<DateOnly, string?> Holidays,
    FrozenSet<DateOnly> ExtraWorkingDays);

/// <summary>Checks a definition and reports every problem at once, each with its JSON field name.</summary>
internal static class CalendarValidator
{
    private static readonly string[] DayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    private static readonly DayOfWeek[] StandardDayOrder =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static (CalendarRules? Rules, IReadOnlyList<CalendarProblem> Problems) Validate(CalendarDefinition definition)
    {
        var problems = new List<CalendarProblem>();
        ValidateName(definition.Name, problems);
        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(definition.TimeZone))
        {
            problems.Add(new("timeZone", "a time zone is required, e.g. Asia/Shanghai"));
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(definition.TimeZone, out zone))
        {
            problems.Add(new("timeZone", $"\"{definition.TimeZone}\" is not a known IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)"));
        }

        var week = new TimeRange[7][];
        for (var i = 0; i < 7; i++)
        {
            week[i] = [];
        }
        foreach (var (day, intervals) in definition.Week ?? new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>())
        {
            var index = Array.IndexOf(DayNames, day);
            if (index < 0)
            {
                problems.Add(new($"week.{day}", "is not a weekday: use monday, tuesday, wednesday, thursday, friday, saturday or sunday"));
                continue;
            }
            week[index] = ReadDay($"week.{day}", intervals ?? [], problems);
        }
        var standardDay = StandardDayOrder.Select(d => week[(int)d]).FirstOrDefault(h => h.Length > 0);
        if (standardDay is null && !problems.Any(p => p.Field.StartsWith("week.", StringComparison.Ordinal)))
        {
            problems.Add(new("week", "the calendar has no working time: give at least one weekday working hours"));
        }

        var holidays = new Dictionary<DateOnly, string?>();
        var holidayList = definition.Holidays ?? [];
        for (var i = 0; i < holidayList.Count; i++)
        {
            var field = $"holidays[{i}].date";
            if (holidayList[i] is not { } holiday || !TryReadDate(holiday.Date, out var date))
            {
                problems.Add(new(field, $"\"{holidayList[i]?.Date}\" is not a date (expected yyyy-MM-dd)"));
            }
            else if (!holidays.TryAdd(date, holiday.Name))
            {
                problems.Add(new(field, $"{holiday.Date} is listed twice"));
            }
        }

        var extra = new HashSet<DateOnly>();
        var workingDays = definition.WorkingDays ?? [];
        for (var i = 0; i < workingDays.Count; i++)
        {
            var field = $"workingDays[{i}]";
            if (!TryReadDate(workingDays[i], out var date))
            {
                problems.Add(new(field, $"\"{workingDays[i]}\" is not a date (expected yyyy-MM-dd)"));
            }
            else if (holidays.ContainsKey(date))
            {
                problems.Add(new(field, $"{workingDays[i]} is also a holiday: a date is either worked or not"));
            }
            else if (!extra.Add(date))
            {
                problems.Add(new(field, $"{workingDays[i]} is listed twice"));
            }
        }

        if (problems.Count > 0 || zone is null || standardDay is null)
        {
            return (null, problems);
        }
        return (new CalendarRules(zone, week, standardDay, holidays.ToFrozenDictionary(), extra.ToFrozenSet()), problems);
    }

    private static void ValidateName(string? name, List<CalendarProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(new("name", "a name is required, e.g. cn-support"));
        }
        else if (name.Length > 100 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            // The name is a key in BPMN properties and in /api/calendars/{name}: keep it URL-safe.
            problems.Add(new("name", $"\"{name}\" must start with a letter or digit and contain only letters, digits, '-', '_' or '.' (at most 100)"));
        }
    }

    private static TimeRange[] ReadDay(string field, IReadOnlyList<IReadOnlyList<string>> intervals, List<CalendarProblem> problems)
    {
        var ranges = new List<(TimeRange Range, int Index)>();
        for (var i = 0; i < intervals.Count; i++)
        {
            var itemField = $"{field}[{i}]";
            var pair = intervals[i];
            if (pair is not { Count: 2 })
            {
                problems.Add(new(itemField, "an interval is two times: [\"09:00\",\"12:00\"]"));
                continue;
            }
            var startOk = TryReadTime(pair[0], out var start);
            var endOk = TryReadTime(pair[1], out var end);
            if (!startOk || !endOk || start == TimeSpan.FromHours(24))
            {
                problems.Add(new(itemField, $"[\"{pair[0]}\",\"{pair[1]}\"] is not an interval of HH:mm times (00:00 to 24:00)"));
            }
            else if (end <= start)
            {
                problems.Add(new(itemField, $"ends at {pair[1]}, not after its start {pair[0]} (split a night shift at 24:00)"));
            }
            else
            {
                ranges.Add((new TimeRange(start, end), i));
            }
        }
        var sorted = ranges.OrderBy(r => r.Range.Start).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Range.Start < sorted[i - 1].Range.End)
            {
                problems.Add(new($"{field}[{sorted[i].Index}]", $"overlaps {field}[{sorted[i - 1].Index}]"));
            }
        }
        return [.. sorted.Select(r => r.Range)];
    }

    private static bool TryReadTime(string? text, out TimeSpan time)
    {
        time = default;
        if (text == "24:00")
        {
            time = TimeSpan.FromHours(24);
            return true;
        }
        if (TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            time = parsed.ToTimeSpan();
            return true;
        }
        return false;
    }

    private static bool TryReadDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
