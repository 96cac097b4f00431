using Dapper;
using Processes.Engine.Storage;
using Processes.Engine.Timers;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

/// <summary>
/// Timers fired in groups (many per transaction): a burst due at one instant fires every timer exactly once across two
/// nodes, timers of one instance see each other's effects as separate commands would, and the grouping keeps an
/// instance's timers together. Correctness only — how fast a burst fires is the `jobs` benchmark's figure.
/// </summary>
public sealed class TimerBurstTests : LoopTest
{
    private const int Instances = 150;
    private const int Branches = 4;

    private static TimerSchedulerOptions Node(string id) => new()
    {
        NodeId = id,
        BatchSize = 40,
        FireGroupSize = 8,
        Concurrency = 3,
        SafetyPollInterval = TimeSpan.FromMilliseconds(300),
    };

    [Test]
    [CancelAfter(300_000)]
    public async Task A_burst_of_timers_due_at_one_instant_fires_each_exactly_once_across_two_nodes()
    {
        var branches = string.Concat(Enumerable.Range(0, Branches).Select(b => $"{TimerCatch($"t{b}", "PT1H")}{End($"e{b}")}{Flows($"fork->t{b}->e{b}")}"));
        await DeployAsync(Process("burst", $"{Start()}{Gateway("parallelGateway", "fork")}{Flows("start->fork")}{branches}"));
        var keys = new List<long>();
        for (var i = 0; i < Instances; i++)
        {
            keys.Add(await StartAsync("burst"));
        }
        // The opening minute of a business calendar: every timer due at the same instant.
        await ExecuteAsync("UPDATE timer SET due_at = now() - interval '1 second'");
        var nodes = new[] { "burst-1", "burst-2" }.Select(id => new TimerScheduler(RealEngine(), Node(id))).ToArray();
        foreach (var node in nodes)
        {
            Run(node.RunAsync);
        }

        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'burst' AND state = 'COMPLETED'") == Instances,
            seconds: 240, because: "every timer of the burst fires (a hang guard, not a speed check)");
        await using var connection = await DataSource.OpenConnectionAsync();
        var firings = (await connection.QueryAsync<(long Timer, long Count)>("""
            SELECT (h.details->>'timerKey')::bigint, count(*) FROM execution_history h
            WHERE h.event = 'TIMER_FIRED' AND h.process_instance_key = ANY(@keys) GROUP BY 1
            """, new { keys = keys.ToArray() })).ToList();
        firings.Count.ShouldBe(Instances * Branches);
        firings.ShouldAllBe(f => f.Count == 1, "no timer fired twice");
        (nodes[0].Fired + nodes[1].Fired).ShouldBe(Instances * Branches, "each firing counted once, by the node that committed it");
        (await ScalarAsync<long>("SELECT count(*) FROM timer")).ShouldBe(0);
        (await ScalarAsync<long>("SELECT count(*) FROM execution_history WHERE event = 'ELEMENT_COMPLETED' AND element_id LIKE 'e%' AND process_instance_key = ANY(@keys)",
            new { keys = keys.ToArray() })).ShouldBe(Instances * Branches, "each branch ended once");
    }

    [Test]
    public async Task Two_interrupting_timers_of_one_task_in_one_group_fire_the_first_only()
    {
        await DeployAsync(Process("race", $"""
            {Start()}{UserTask("work")}{End()}
            {Boundary("first", "work", TimerDuration("PT1H"))}{End("by_first")}
            {Boundary("second", "work", TimerDuration("PT2H"))}{End("by_second")}
            {Flows("start->work->end", "first->by_first", "second->by_second")}
            """));
        var instance = await StartAsync("race");
        // Both due, the first one earlier: one group fires them in due order.
        await ExecuteAsync("UPDATE timer SET due_at = now() - CASE element_id WHEN 'first' THEN interval '2 seconds' ELSE interval '1 second' END");
        var scheduler = new TimerScheduler(RealEngine(), Node("race-node"));

        (await scheduler.FireDueAsync(CancellationToken.None)).ShouldBe(2);

        (await StateAsync(instance)).ShouldBe("COMPLETED");
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.QueryAsync<string>("SELECT details->>'elementId' FROM execution_history WHERE event = 'TIMER_FIRED' AND process_instance_key = @instance",
            new { instance })).ShouldBe(["first"], "the second timer's task had already left");
        (await HistoryAsync(instance, "ELEMENT_COMPLETED")).ShouldContain("by_first");
        (await HistoryAsync(instance, "ELEMENT_COMPLETED")).ShouldNotContain("by_second");
        scheduler.Fired.ShouldBe(1);
        (await ScalarAsync<long>("SELECT count(*) FROM timer")).ShouldBe(0);
    }

    [Test]
    public void Groups_keep_an_instances_timers_together_in_due_order()
    {
        var at = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
        ClaimedTimer[] claimed =
        [
            new(1, 100, at), new(2, 200, at.AddTicks(1)), new(3, 100, at.AddTicks(2)), new(4, null, at.AddTicks(3)),
            new(5, 300, at.AddTicks(4)), new(6, 200, at.AddTicks(5)), new(7, 400, at.AddTicks(6)),
        ];

        var groups = TimerScheduler.Groups(claimed, 3);

        groups.SelectMany(g => g).Order().ShouldBe([1, 2, 3, 4, 5, 6, 7]);
        groups.ShouldAllBe(g => g.Count <= 3);
        groups.Single(g => g.Contains(1)).ShouldContain(3, "instance 100's timers fire in one transaction");
        groups.Single(g => g.Contains(2)).ShouldContain(6, "instance 200's timers fire in one transaction");
        TimerScheduler.Groups(claimed, 1).Select(g => g.Single()).ShouldBe([1, 2, 3, 4, 5, 6, 7], "a group size of 1: one command per timer, in due order");
    }
}
