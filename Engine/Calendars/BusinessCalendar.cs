namespace Processes.Engine.Calendars;

/// <summary>An interval of working time as instants; start inclusive, end exclusive.</summary>
internal readonly record struct WorkingInterval(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Length => End - Start;
}

/// <summary>
/// Working hours in one time zone, with holidays and make-up working days: answers how much working time lies
/// between two instants and when a given amount of it has elapsed. Immutable and thread-safe; every question
/// takes its instants as arguments, so a controllable clock drives it in tests.
/// </summary>
/// <remarks>
/// All arithmetic runs on instants: each working interval's wall-clock bounds are resolved in the zone on its own
/// date, so a day that loses or gains an hour to DST is measured exactly. Searches look at most
/// <see cref="HorizonYears"/> years ahead and report a failure value beyond that rather than loop.
/// </remarks>
internal sealed class BusinessCalendar
{
    public const int HorizonYears = 5;

    private readonly CalendarRules _rules;

    private BusinessCalendar(CalendarDefinition definition, CalendarRules rules)
    {
        Definition = definition;
        _rules = rules;
    }

    public string Name => Definition.Name;

    public TimeZoneInfo TimeZone => _rules.Zone;

    public CalendarDefinition Definition { get; }

    /// <summary>The calendar, or every problem of the definition with its field name.</summary>
    public static CalendarBuildResult Create(CalendarDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var (rules, problems) = CalendarValidator.Validate(definition);
        return rules is null ? new CalendarBuildResult(null, problems) : new CalendarBuildResult(new BusinessCalendar(definition, rules), []);
    }

    /// <summary>Whether the local date is worked, and on which hours; holidays win over weekdays, make-up days over both.</summary>
    public IReadOnlyList<WorkingInterval> WorkingIntervalsOn(DateOnly date)
    {
        if (_rules.Holidays.ContainsKey(date))
        {
            return [];
        }
        var hours = _rules.ExtraWorkingDays.Contains(date) ? _rules.StandardDay : _rules.Week[(int)date.DayOfWeek];
        if (hours.Length == 0)
        {
            return [];
        }
        var midnight = date.ToDateTime(TimeOnly.MinValue);
        var intervals = new List<WorkingInterval>(hours.Length);
        foreach (var range in hours)
        {
            var start = ZonedTime.Resolve(midnight + range.Start, _rules.Zone);
            var end = ZonedTime.Resolve(midnight + range.End, _rules.Zone);
            // An interval lying wholly in a DST gap (02:00–03:00 on a spring-forward night) does not exist that day.
            if (end > start)
            {
                intervals.Add(new WorkingInterval(start, end));
            }
        }
        return intervals;
    }

    /// <summary>The holiday's name when <paramref name="date"/> is a holiday ("" when unnamed), otherwise null.</summary>
    public string? HolidayOn(DateOnly date) => _rules.Holidays.TryGetValue(date, out var name) ? name ?? "" : null;

    public bool IsWorkingTime(DateTimeOffset instant)
    {
        var date = ZonedTime.LocalDate(instant, _rules.Zone);
        return Contains(WorkingIntervalsOn(date), instant) || Contains(WorkingIntervalsOn(date.AddDays(-1)), instant);

        static bool Contains(IReadOnlyList<WorkingInterval> intervals, DateTimeOffset instant) =>
            intervals.Any(i => i.Start <= instant && instant < i.End);
    }

    /// <summary><paramref name="instant"/> itself when it is working time, otherwise the next opening.</summary>
    public InstantResult NextWorkingInstant(DateTimeOffset instant) => AddWorkingTime(instant, TimeSpan.Zero);

    /// <summary>
    /// The instant at which <paramref name="amount"/> of working time has elapsed after <paramref name="start"/>.
    /// A start outside working hours counts from the next opening; an amount used up exactly at a closing time
    /// ends there (12:00 before lunch, not 13:00). A zero amount gives the next working instant.
    /// </summary>
    public InstantResult AddWorkingTime(DateTimeOffset start, TimeSpan amount)
    {
        if (amount < TimeSpan.Zero)
        {
            return InstantResult.Fail($"working time to add must not be negative (was {amount})");
        }
        var remaining = amount;
        var date = ZonedTime.LocalDate(start, _rules.Zone).AddDays(-1);
        var last = date.AddYears(HorizonYears);
        for (; date <= last; date = date.AddDays(1))
        {
            foreach (var interval in WorkingIntervalsOn(date))
            {
                if (interval.End <= start)
                {
                    continue;
                }
                var from = interval.Start > start ? interval.Start : start;
                var available = interval.End - from;
                if (remaining <= available)
                {
                    return InstantResult.Ok(ZonedTime.ToZone(from + remaining, _rules.Zone));
                }
                remaining -= available;
            }
        }
        return InstantResult.Fail(
            $"calendar \"{Name}\" has not {amount} of working time within {HorizonYears} years after {start:O}");
    }

    /// <summary>
    /// Working time in [<paramref name="from"/>, <paramref name="to"/>): the measure for SLA percentages.
    /// Negative when <paramref name="to"/> lies before <paramref name="from"/>.
    /// </summary>
    public TimeSpan WorkingTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            return -WorkingTimeBetween(to, from);
        }
        var total = TimeSpan.Zero;
        var lastDate = ZonedTime.LocalDate(to, _rules.Zone);
        for (var date = ZonedTime.LocalDate(from, _rules.Zone).AddDays(-1); date <= lastDate; date = date.AddDays(1))
        {
            foreach (var interval in WorkingIntervalsOn(date))
            {
                var start = interval.Start > from ? interval.Start : from;
                var end = interval.End < to ? interval.End : to;
                if (end > start)
                {
                    total += end - start;
                }
            }
        }
        return total;
    }

    /// <summary>
    /// <paramref name="days"/> working days after <paramref name="start"/>, at the same working-time offset into
    /// the day: started 1 h after opening, due 1 h after opening on the n-th next working day. What support teams
    /// mean by "within 2 working days". A start outside hours counts from the next opening; when the target day is
    /// shorter than the offset (a half-day Saturday), the result is that day's closing time.
    /// </summary>
    public InstantResult AddWorkingDays(DateTimeOffset start, int days)
    {
        if (days < 0)
        {
            return InstantResult.Fail($"working days to add must not be negative (was {days})");
        }
        var anchor = NextWorkingInstant(start);
        if (!anchor.IsSuccess)
        {
            return anchor;
        }
        var anchorDate = ZonedTime.LocalDate(anchor.Instant, _rules.Zone);
        var offset = WorkingIntervalsOn(anchorDate)
            .Where(i => i.Start < anchor.Instant)
            .Aggregate(TimeSpan.Zero, (sum, i) => sum + ((i.End < anchor.Instant ? i.End : anchor.Instant) - i.Start));
        if (days == 0)
        {
            return InstantResult.Ok(anchor.Instant);
        }
        var last = anchorDate.AddYears(HorizonYears);
        var found = 0;
        for (var date = anchorDate.AddDays(1); date <= last; date = date.AddDays(1))
        {
            var intervals = WorkingIntervalsOn(date);
            if (intervals.Count == 0 || ++found < days)
            {
                continue;
            }
            var remaining = offset;
            foreach (var interval in intervals)
            {
                // Strictly less: an offset ending one interval continues at the next opening (13:00 after lunch).
                if (remaining < interval.Length)
                {
                    return InstantResult.Ok(ZonedTime.ToZone(interval.Start + remaining, _rules.Zone));
                }
                remaining -= interval.Length;
            }
            return InstantResult.Ok(ZonedTime.ToZone(intervals[^1].End, _rules.Zone));
        }
        return InstantResult.Fail($"calendar \"{Name}\" has not {days} working days within {HorizonYears} years after {start:O}");
    }

    public override string ToString() => $"{Name} ({_rules.Zone.Id})";
}

/// <summary>A calendar, or the problems that keep its definition from being one.</summary>
internal sealed record CalendarBuildResult(BusinessCalendar? Calendar, IReadOnlyList<CalendarProblem> Problems)
{
    public bool IsValid => Calendar is not null;
}
