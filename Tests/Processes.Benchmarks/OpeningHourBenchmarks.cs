using System.Diagnostics;
using System.Globalization;
using Dapper;
using Processes.Engine.Calendars;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Timers;
using static Processes.Benchmarks.EngineBench;

namespace Processes.Benchmarks;

/// <summary>
/// The opening-hour burst (issue 15): business calendars push every SLA timer that falls outside working hours to the
/// opening, so 10,000 working-time timers started over a weekend all fall due at one opening minute (P1D from Saturday:
/// Tuesday 09:00:00 Berlin). The engine runs on a manual clock: the timers are created on Saturday, the clock jumps to
/// the opening, and the suite prints how long one node (8 groups at once) takes to fire them all. Target: within 5 s.
/// </summary>
internal sealed class OpeningHourBenchmarks : IBenchmarkSuite
{
    private const int Instances = 1_000;
    private const int TimersPerInstance = 10;

    public string Name => "opening";

    public string Description => "10,000 business-calendar timers landing on the same 09:00:00 opening (manual clock): time to fire them all";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken, statements: true);
        using var roundTrips = new ProfileBenchmarks.RoundTripCounter();
        var dataSource = database.DataSource;
        var calendar = CalendarJson.Read("""
            {"name": "bench-office", "timeZone": "Europe/Berlin",
             "week": {"monday": [["09:00","18:00"]], "tuesday": [["09:00","18:00"]], "wednesday": [["09:00","18:00"]],
                      "thursday": [["09:00","18:00"]], "friday": [["09:00","18:00"]]}}
            """).Definition ?? throw new InvalidOperationException("The benchmark calendar does not read.");
        await new CalendarStore(dataSource).SaveAsync(Engine.Visibility.TenantIds.Default, calendar, null, cancellationToken);

        // Ten working-time branches per instance: P1D counts one working day from the next opening, so a timer started
        // on Saturday is due at an opening, the same one for all.
        var branches = string.Concat(Enumerable.Range(0, TimersPerInstance).Select(b =>
            $"<bpmn:intermediateCatchEvent id=\"t{b}\"><bpmn:extensionElements><zeebe:properties><zeebe:property name=\"businessCalendar\" value=\"bench-office\" /></zeebe:properties></bpmn:extensionElements>" +
            $"<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>" +
            $"<bpmn:endEvent id=\"e{b}\" />{Flow("fork", $"t{b}")}{Flow($"t{b}", $"e{b}")}"));
        await DeployAsync(dataSource, Process("bench_opening",
            $"<bpmn:startEvent id=\"start\" /><bpmn:parallelGateway id=\"fork\" />{Flow("start", "fork")}{branches}"), cancellationToken);
        var clock = new BenchClock(new DateTimeOffset(2026, 12, 5, 11, 0, 0, TimeSpan.Zero)); // a Saturday
        var engine = new ProcessEngine(dataSource, new ProcessDefinitions(dataSource), clock);
        await StartManyAsync(engine, "bench_opening", Instances, 8, _ => null, cancellationToken);

        DateTime first, last;
        long total;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            (first, last, total) = await connection.QuerySingleAsync<(DateTime, DateTime, long)>("SELECT min(due_at), max(due_at), count(*) FROM timer");
        }
        await output.WriteLineAsync(Line($"  {total:N0} timers created on Saturday 11:00 UTC, due {first:yyyy-MM-dd HH:mm:ss} – {last:yyyy-MM-dd HH:mm:ss} UTC ({(first == last ? "all the same instant" : "NOT one instant")})"));

        using var stop = new CancellationTokenSource();
        var scheduler = new TimerScheduler(engine, new TimerSchedulerOptions
        {
            NodeId = "bench-opening", Concurrency = 8, SafetyPollInterval = TimeSpan.FromMilliseconds(100),
        });
        var loop = Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // the scheduler idles: nothing is due on Saturday
        var before = await CommitsAsync(dataSource, cancellationToken);
        // Where the time goes (as the profile suite measures it): CPU of both sides, round trips, the costliest statements.
        var sample = await ProfileBenchmarks.Sample.TakeAsync(database, roundTrips, System.Diagnostics.Process.GetCurrentProcess(), cancellationToken);
        var watch = Stopwatch.StartNew();
        clock.Set(new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)));
        // Watched in process: polling count(*) over the growing history cost PostgreSQL more than the firing itself
        // (1.1 of 1.7 ms statement time per timer in the first profile); the database is checked once at the end.
        var deadline = Stopwatch.StartNew();
        while (scheduler.Fired < total && deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(20, cancellationToken);
        }
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await loop;
        await sample.ReportAsync(output, "timer of the burst", (int)total, cancellationToken);
        await WaitUntilAsync(dataSource, "SELECT count(*) FROM execution_history WHERE event = 'TIMER_FIRED'", total, TimeSpan.FromSeconds(10), cancellationToken);
        var commits = await CommitsAsync(dataSource, cancellationToken) - before;
        await output.WriteLineAsync(Line(
            $"  opening-hour burst, 1 node x 8 groups: all {total:N0} fired in {elapsed.TotalSeconds:0.0} s ({total / elapsed.TotalSeconds:N0} timers/s; target ≤ 5 s: {(elapsed.TotalSeconds <= 5 ? "met" : "missed")})   {commits.Per(total, "timer")}"));
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The benchmark's clock: stands still until the suite moves it.</summary>
    private sealed class BenchClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);
    }
}
