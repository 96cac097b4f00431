using Dapper;
using Processes.Engine.Queries;
using Processes.Engine.Retention;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// execution_history by month (migration 0090): rows land in their month or in the default partition, a month created
/// later takes its rows out of the default, and retention drops whole months only where every instance may go.
/// </summary>
public sealed class HistoryPartitionTests : EngineTest
{
    private InstancePurge _purge = null!;
    private CaseQueries _cases = null!;
    private ElementInstanceHistoryQueries _elements = null!;

    [OneTimeSetUp]
    public async Task DeployModels()
    {
        _purge = new InstancePurge(DataSource);
        _cases = new CaseQueries(DataSource, new InstanceQueries(DataSource, VariableMasking.None), VariableMasking.None);
        _elements = new ElementInstanceHistoryQueries(DataSource);
        await DeployAsync(Process("monthly", Start() + Task("work", "monthly-work") + End() + Flows("start->work->end")));
        await DeployAsync(Process("monthly_long", Start() + Task("work", "monthly-long-work") + End() + Flows("start->work->end")), "long.bpmn");
    }

    [Test]
    public async Task The_table_is_partitioned_by_month_with_a_default_and_the_months_ahead_exist()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string>("SELECT pg_get_partkeydef('execution_history'::regclass)")).ShouldBe("RANGE (at)");
        var parts = (await connection.QueryAsync<string>(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'execution_history'::regclass")).ToList();
        parts.ShouldContain("execution_history_default");
        var now = DateTimeOffset.UtcNow;
        for (var n = 0; n <= InstancePurge.HistoryMonthsAhead; n++)
        {
            parts.ShouldContain(HistoryPartitions.NameOf(HistoryPartitions.MonthOf(now).AddMonths(n)), "the migration creates the current month and the next two");
        }
        // Every index the queries use is on each month (the attach builds them for a month created later).
        var indexes = (await connection.QueryAsync<string>(
            "SELECT indexname FROM pg_indexes WHERE tablename = @t", new { t = HistoryPartitions.NameOf(HistoryPartitions.MonthOf(now)) })).ToList();
        indexes.Count.ShouldBe(5, string.Join(", ", indexes));
    }

    [Test]
    public async Task A_row_of_a_month_without_partition_lands_in_the_default_and_moves_when_its_month_is_created()
    {
        Clock.Set(new DateTimeOffset(2031, 7, 14, 9, 0, 0, TimeSpan.Zero));
        var instance = await StartAsync("monthly");
        await CompleteJobsAsync("monthly-work");
        (await PartitionsOfAsync(instance)).ShouldBe(["execution_history_default"]);

        (await _purge.EnsureHistoryPartitionsAsync(Clock.GetUtcNow(), CancellationToken.None)).ShouldBe(3);
        (await _purge.EnsureHistoryPartitionsAsync(Clock.GetUtcNow(), CancellationToken.None)).ShouldBe(0, "a second round finds them");

        (await PartitionsOfAsync(instance)).ShouldBe(["execution_history_y2031m07"]);
        (await HistoryAsync(instance)).ShouldContain("work");
        var page = await _cases.HistoryAsync(Caller.System, instance, false, new PageRequest(100), null, CancellationToken.None);
        page!.Items.Count.ShouldBeGreaterThan(5);
    }

    [Test]
    public async Task Retention_drops_the_months_whose_instances_all_ended_before_the_cutoff_and_deletes_rows_in_mixed_months()
    {
        var january = new DateTimeOffset(2025, 1, 10, 9, 0, 0, TimeSpan.Zero);
        await _purge.EnsureHistoryPartitionsAsync(january, CancellationToken.None);            // January to March
        await _purge.EnsureHistoryPartitionsAsync(january.AddMonths(3), CancellationToken.None); // April to June

        Clock.Set(january);
        var oldInJanuary = await StartAsync("monthly");
        await CompleteJobsAsync("monthly-work");
        var longRunning = await StartAsync("monthly_long"); // waits on its job until the end of the test
        Clock.Set(january.AddMonths(1));
        var february = await StartAsync("monthly");
        await CompleteJobsAsync("monthly-work");
        Clock.Set(january.AddMonths(2));
        var marchToApril = await StartAsync("monthly");
        Clock.Set(january.AddMonths(3));
        await CompleteJobsAsync("monthly-work");
        Clock.Set(january.AddMonths(5));
        var june = await StartAsync("monthly");
        await CompleteJobsAsync("monthly-work");
        var cutoff = new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.Zero);

        // Two hosts at once: each month is dropped by one of them, and neither fails.
        var rounds = await System.Threading.Tasks.Task.WhenAll(_purge.DropHistoryPartitionsAsync(cutoff, CancellationToken.None), _purge.DropHistoryPartitionsAsync(cutoff, CancellationToken.None));
        var dropped = rounds.SelectMany(r => r).ToList();
        var again = await _purge.DropHistoryPartitionsAsync(cutoff, CancellationToken.None);
        dropped.AddRange(again);
        string.Join(", ", dropped.Order(StringComparer.Ordinal)).ShouldBe("execution_history_y2025m02, execution_history_y2025m03, execution_history_y2025m04",
            "January holds a live instance; May and June end after the cut-off");

        while (await _purge.PurgeBatchAsync(cutoff, 100, CancellationToken.None) > 0)
        {
        }
        foreach (var gone in new[] { oldInJanuary, february, marchToApril })
        {
            (await StateAsync(gone)).ShouldBe("MISSING");
            (await CountAsync("SELECT count(*) FROM execution_history WHERE process_instance_key = @gone", new { gone })).ShouldBe(0);
        }
        (await PartitionsOfAsync(longRunning)).ShouldBe(["execution_history_y2025m01"]);
        (await StateAsync(june)).ShouldBe("COMPLETED");
        (await HistoryAsync(june)).ShouldContain("work");

        // The live instance's history is whole in the case view and Camunda's element-instance search, and it goes on.
        var history = await _cases.HistoryAsync(Caller.System, longRunning, false, new PageRequest(100), null, CancellationToken.None);
        history!.Items.Select(h => h.Event).ShouldContain("PROCESS_INSTANCE_CREATED");
        var elements = await _elements.SearchAsync(Caller.System,
            Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, longRunning)), CancellationToken.None);
        elements.Items.Select(e => $"{e.ElementId}:{e.State}").Order(StringComparer.Ordinal).ShouldBe(["start:COMPLETED", "work:ACTIVE"]);
        (await CompleteJobsAsync("monthly-long-work")).ShouldBe(1);
        (await StateAsync(longRunning)).ShouldBe("COMPLETED");
        (await PartitionsOfAsync(longRunning)).ShouldBe(["execution_history_y2025m01", "execution_history_y2025m06"]);
    }

    [Test]
    public async Task The_case_view_bounded_by_start_and_end_still_shows_rows_another_hosts_clock_put_just_outside_them()
    {
        // The case view reads the months from the instance's start to its end (a day's margin each side): a row of another
        // host whose clock is off (an SLA round) may carry a time just before the start or after the end, here in the
        // months before and after.
        var start = new DateTimeOffset(2032, 4, 1, 0, 30, 0, TimeSpan.Zero);
        var end = new DateTimeOffset(2032, 4, 30, 23, 30, 0, TimeSpan.Zero);
        await _purge.EnsureHistoryPartitionsAsync(start.AddMonths(-1), CancellationToken.None);
        Clock.Set(start);
        var instance = await StartAsync("monthly");
        Clock.Set(end);
        await CompleteJobsAsync("monthly-work");
        (await StateAsync(instance)).ShouldBe("COMPLETED");
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO execution_history (process_instance_key, element_id, element_type, event, details, at)
                VALUES (@instance, 'work', 'serviceTask', 'SKEWED_BEFORE', '{}', @before), (@instance, 'work', 'serviceTask', 'SKEWED_AFTER', '{}', @after)
                """, new { instance, before = start.AddMinutes(-45).UtcDateTime, after = end.AddMinutes(45).UtcDateTime });
        }
        (await PartitionsOfAsync(instance)).ShouldBe(["execution_history_y2032m03", "execution_history_y2032m04", "execution_history_y2032m05"]);

        var page = await _cases.HistoryAsync(Caller.System, instance, false, new PageRequest(100), null, CancellationToken.None);
        var events = page!.Items.Select(h => h.Event).ToList();
        events.ShouldContain("SKEWED_BEFORE");
        events.ShouldContain("PROCESS_INSTANCE_CREATED");
        events.ShouldContain("PROCESS_INSTANCE_COMPLETED");
        events.ShouldContain("SKEWED_AFTER");
    }

    private async Task<List<string>> PartitionsOfAsync(long instance)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>(
            "SELECT DISTINCT tableoid::regclass::text FROM execution_history WHERE process_instance_key = @instance ORDER BY 1", new { instance })];
    }
}
