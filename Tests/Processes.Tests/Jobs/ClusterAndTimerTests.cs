using Tasks = System.Threading.Tasks.Task;
using Processes.Engine.Cluster;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

public sealed class ClusterAndTimerTests : LoopTest
{
    private static TimerSchedulerOptions FastScheduler(string node) => new()
    {
        NodeId = node,
        SafetyPollInterval = TimeSpan.FromMilliseconds(500),
        MessageCleanupInterval = TimeSpan.FromMilliseconds(200),
    };

    [Test]
    public async Task A_dead_nodes_job_leases_and_timer_claims_are_taken_over_by_a_live_node()
    {
        await DeployAsync(Process("cluster_dead", $"{Start()}{Task("task", "cluster-dead")}{TimerCatch("wait", "PT1H")}{End()}{Flows("start->task->wait->end")}"));
        var engine = RealEngine();
        var key = await StartAsync("cluster_dead");
        await ExecuteAsync("INSERT INTO engine_node (node_id, host_name, heartbeat_at) VALUES ('ghost', 'gone-host', now() - interval '1 hour')");
        (await engine.ActivateJobsAsync("cluster-dead", "ghost", TimeSpan.FromHours(1), 1, null, CancellationToken.None)).Count.ShouldBe(1);
        var other = await StartAsync("cluster_dead");
        (await engine.ActivateJobsAsync("cluster-dead", "external-worker", TimeSpan.FromHours(1), 1, null, CancellationToken.None)).Count.ShouldBe(1);
        await ExecuteAsync("INSERT INTO timer (key, element_id, process_definition_key, due_at, definition, created_at, claimed_by, claim_expires) VALUES (1, 'x', 1, now() + interval '1 day', 'PT1H', now(), 'ghost', now() + interval '1 hour')");

        var live = new ClusterMember(DataSource, new ClusterOptions { NodeId = "live", HeartbeatInterval = TimeSpan.FromSeconds(5) });
        var reaped = await live.HeartbeatAsync(CancellationToken.None);

        reaped.ShouldBe(new ReapResult(1, 1, 1));
        (await ScalarAsync<string>("SELECT state FROM job WHERE process_instance_key = @key", new { key })).ShouldBe("ACTIVATABLE");
        (await ScalarAsync<string>("SELECT state FROM job WHERE process_instance_key = @other", new { other })).ShouldBe("ACTIVATED", "leases of workers that are not nodes are left alone");
        (await ScalarAsync<string?>("SELECT claimed_by FROM timer WHERE key = 1")).ShouldBeNull();
        var nodes = await new JobQueries(DataSource, TimeProvider.System).NodesAsync(CancellationToken.None);
        nodes.Select(n => n.NodeId).ShouldBe(["live"]);
        await ExecuteAsync("DELETE FROM timer WHERE key = 1; DELETE FROM engine_node");
    }

    [Test]
    public async Task A_timer_that_fell_due_while_every_node_was_down_fires_once_at_start_up()
    {
        await DeployAsync(Process("timer_downtime", $"{Start()}{TimerCatch("wait", "PT1H")}{End()}{Flows("start->wait->end")}"));
        var engine = RealEngine();
        var key = await StartAsync("timer_downtime");
        // The hour passed while no node ran.
        await ExecuteAsync("UPDATE timer SET due_at = now() - interval '10 minutes' WHERE process_instance_key = @key", new { key });

        var scheduler = new TimerScheduler(engine, FastScheduler("node-a"));
        Run(scheduler.RunAsync);

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "the overdue timer fires at start-up");
        // Firing deleted the timer in the same transaction, so the history below is final: it fired once.
        (await ScalarAsync<long>("SELECT count(*) FROM timer WHERE process_instance_key = @key", new { key })).ShouldBe(0);
        (await HistoryAsync(key, "TIMER_FIRED")).ShouldBe(["wait"]);
    }

    [Test]
    public async Task A_timer_claimed_by_a_node_that_died_mid_firing_fires_once_when_the_claim_expires()
    {
        await DeployAsync(Process("timer_claim", $"{Start()}{TimerCatch("wait", "PT1H")}{End()}{Flows("start->wait->end")}"));
        var orphan = await StartOnClockAsync("timer_claim");
        var control = await StartOnClockAsync("timer_claim");
        Clock.Advance(TimeSpan.FromHours(1));
        // A node claimed the due timer and died before firing it; it is not a cluster member, so only the expiry frees it.
        await ExecuteAsync("UPDATE timer SET claimed_by = 'crashed', claim_expires = @expires WHERE process_instance_key = @orphan",
            new { orphan, expires = (Clock.GetUtcNow() + TimeSpan.FromSeconds(30)).UtcDateTime });
        var options = FastScheduler("node-a");
        options.ClaimTimeout = TimeSpan.FromSeconds(30);
        Run(new TimerScheduler(Engine, options).RunAsync);

        // The control timer fired in a claim round that also saw the orphan's claim: still the dead node's, so respected.
        await UntilAsync(async () => await StateAsync(control) == "COMPLETED", because: "the unclaimed due timer fires");
        (await ScalarAsync<string>("SELECT claimed_by FROM timer WHERE process_instance_key = @orphan", new { orphan })).ShouldBe("crashed");
        (await StateAsync(orphan)).ShouldBe("ACTIVE");

        Clock.Advance(TimeSpan.FromSeconds(31));
        await UntilAsync(async () => await StateAsync(orphan) == "COMPLETED", because: "the expired claim is taken over");
        (await HistoryAsync(orphan, "TIMER_FIRED")).ShouldBe(["wait"]);
    }

    [Test]
    public async Task A_new_timer_wakes_the_sleeping_scheduler_and_operators_can_fire_a_timer_now()
    {
        await DeployAsync(Process("timer_wake", $"{Start()}{TimerCatch("wait", "PT0.3S")}{TimerCatch("long", "P1D")}{End()}{Flows("start->wait->long->end")}"));
        var engine = RealEngine();
        var options = FastScheduler("node-a");
        options.SafetyPollInterval = TimeSpan.FromMinutes(10); // only the notification can wake it before the hang guard
        var scheduler = new TimerScheduler(engine, options);
        var since = await DatabaseNowAsync();
        Run(scheduler.RunAsync);
        await ListeningAsync("processes_timers", since);

        var key = await StartAsync("timer_wake");

        await UntilAsync(async () => (await HistoryAsync(key, "TIMER_FIRED")).Count == 1, seconds: 60, because: "LISTEN processes_timers wakes the scheduler");
        var page = await new JobQueries(DataSource, TimeProvider.System).TimersAsync(null, 10, CancellationToken.None);
        var day = page.Items.Single(t => t.ProcessInstanceKey == key);
        day.ElementId.ShouldBe("long");
        (await new JobOperations(engine).TriggerTimerNowAsync(day.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", seconds: 60, because: "triggered now and notified");
        (await new JobOperations(engine).TriggerTimerNowAsync(day.Key, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.NotFound);
    }

    [Test]
    public async Task Messages_past_their_time_to_live_and_old_job_metrics_are_deleted()
    {
        var engine = RealEngine();
        await ExecuteAsync("""
            INSERT INTO message (key, name, correlation_key, expires_at, published_at) VALUES
                (11, 'paid', 'o-1', now() - interval '1 second', now() - interval '1 minute'),
                (12, 'paid', 'o-2', now() + interval '1 hour', now());
            INSERT INTO job_metrics (minute, type, succeeded) VALUES (date_trunc('minute', now() - interval '8 days'), 'old', 1),
                (date_trunc('minute', now()), 'recent', 1);
            """);
        Run(new TimerScheduler(engine, FastScheduler("node-a")).RunAsync);
        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM message WHERE key IN (11, 12)") == 1);
        (await ScalarAsync<long>("SELECT key FROM message WHERE key IN (11, 12)")).ShouldBe(12);
        (await ScalarAsync<string>("SELECT string_agg(type, ',') FROM job_metrics WHERE type IN ('old', 'recent')")).ShouldBe("recent", "metrics older than 7 days go too");
    }
}
