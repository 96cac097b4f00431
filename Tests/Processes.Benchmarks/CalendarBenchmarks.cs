using Processes.Engine.Calendars;

namespace Processes.Benchmarks;

/// <summary>
/// Working-time arithmetic next to plain instant arithmetic: what a timer or an SLA view pays for counting
/// only working hours. Pure CPU, no database.
/// </summary>
internal sealed class CalendarBenchmarks : IBenchmarkSuite
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(2);

    public string Name => "calendars";

    public string Description => "AddWorkingTime for 4 working hours and 10 working days, against DateTimeOffset.Add";

    public Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var calendar = BusinessCalendar.Create(new CalendarDefinition
        {
            Name = "bench",
            TimeZone = "Asia/Shanghai",
            Week = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }
                .ToDictionary(d => d, _ => (IReadOnlyList<IReadOnlyList<string>>)[["09:00", "12:00"], ["13:00", "18:00"]]),
            Holidays = [.. Enumerable.Range(1, 7).Select(d => new CalendarHoliday($"2026-10-0{d}", "National Day"))],
        }).Calendar!;
        // Starts spread over a fortnight so weekends and the holiday week are crossed in proportion.
        var starts = Enumerable.Range(0, 1024).Select(i => new DateTimeOffset(2026, 9, 21, 0, 0, 0, TimeSpan.FromHours(8)).AddMinutes(i * 19)).ToArray();
        var fourHours = TimeSpan.FromHours(4);
        var tenDays = TimeSpan.FromHours(8 * 10);
        var sink = DateTimeOffset.MinValue;
        var i = 0;

        var baseline = Measure.Throughput(() => sink = starts[i++ & 1023].Add(fourHours), Duration);
        var fourHourRate = Measure.Throughput(() => sink = calendar.AddWorkingTime(starts[i++ & 1023], fourHours).Instant, Duration);
        var tenDayRate = Measure.Throughput(() => sink = calendar.AddWorkingTime(starts[i++ & 1023], tenDays).Instant, Duration);
        var days = Measure.Throughput(() => sink = calendar.AddWorkingDays(starts[i++ & 1023], 10).Instant, Duration);
        var between = Measure.Throughput(() => _ = calendar.WorkingTimeBetween(starts[i & 1023], starts[i++ & 1023].AddDays(14)), Duration);

        output.WriteLine($"baseline DateTimeOffset.Add:             {baseline,14:N0} /s");
        output.WriteLine($"AddWorkingTime 4 working hours:          {fourHourRate,14:N0} /s  ({baseline / fourHourRate:N0}x slower than baseline)");
        output.WriteLine($"AddWorkingTime 10 working days (80 h):   {tenDayRate,14:N0} /s  ({baseline / tenDayRate:N0}x slower than baseline)");
        output.WriteLine($"AddWorkingDays 10:                       {days,14:N0} /s");
        output.WriteLine($"WorkingTimeBetween over 14 days:         {between,14:N0} /s");
        GC.KeepAlive(sink);
        return Task.CompletedTask;
    }
}
