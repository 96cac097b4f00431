using Tasks = System.Threading.Tasks.Task;
using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Processes.Engine.Cluster;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

/// <summary>
/// Two engine nodes (engine + executor + scheduler + membership each, as <see cref="EngineNode"/>) on one database share
/// the work. This checks correctness only — both take part, nothing runs twice — with no deadline: how fast two nodes
/// go is the `jobs` benchmark's figure (1 and 2 executor nodes, printed next to a plain SKIP LOCKED dequeue).
/// </summary>
public sealed class TwoNodeTests : LoopTest
{
    private const int Instances = 400; // two timers and two jobs each: enough for both nodes to race on the same rows

    [Test]
    [CancelAfter(300_000)]
    public async Task Two_nodes_share_jobs_and_timers_and_run_none_twice()
    {
        await DeployAsync(Process("two_nodes", $"{Start()}{TimerCatch("wait", "PT0.5S")}{Task("task", "two-nodes")}{TimerCatch("wait2", "PT0.1S")}{Task("task2", "two-nodes")}{End()}{Flows("start->wait->task->wait2->task2->end")}"));
        var runs = new ConcurrentDictionary<long, int>();
        var handler = new DelegateJobHandler("two-nodes", (job, _) =>
        {
            runs.AddOrUpdate(job.Key, 1, (_, n) => n + 1);
            return Tasks.FromResult(JobOutcome.Complete());
        });
        var nodes = new[] { "node-1", "node-2" }.Select(id =>
        {
            var engine = RealEngine();
            var node = new EngineNode(engine, [handler], new EngineNodeOptions
            {
                NodeId = id,
                Jobs = FastExecutor("replaced by the node id"),
                Timers = new TimerSchedulerOptions { BatchSize = 100, SafetyPollInterval = TimeSpan.FromMilliseconds(500) },
                Cluster = new ClusterOptions { HeartbeatInterval = TimeSpan.FromSeconds(1) },
            });
            Run(node.RunAsync);
            return (Engine: engine, node.Executor, Scheduler: node.Timers);
        }).ToArray();

        var watch = Stopwatch.StartNew();
        var next = -1;
        await Tasks.WhenAll(Enumerable.Range(0, 6).Select(async worker =>
        {
            var engine = nodes[worker % 2].Engine;
            while (Interlocked.Increment(ref next) < Instances)
            {
                (await engine.CreateInstanceAsync("two_nodes", null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
            }
        }));
        var started = watch.Elapsed;
        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'two_nodes' AND state = 'COMPLETED'") == Instances,
            seconds: 240, because: "every instance passes its timer and its job (a hang guard, not a speed check)");
        TestContext.Out.WriteLine($"{Instances} instances started in {started.TotalSeconds:F1} s, all completed after {watch.Elapsed.TotalSeconds:F1} s; " +
            $"jobs per node {nodes[0].Executor.Completed}/{nodes[1].Executor.Completed}, timers per node {nodes[0].Scheduler.Fired}/{nodes[1].Scheduler.Fired}");

        runs.Count.ShouldBe(2 * Instances);
        runs.Values.ShouldAllBe(n => n == 1, "no job ran twice");
        await using var connection = await DataSource.OpenConnectionAsync();
        var firings = (await connection.QueryAsync<(long Timer, long Count)>("""
            SELECT (h.details->>'timerKey')::bigint, count(*) FROM execution_history h
            JOIN process_instance p ON p.key = h.process_instance_key AND p.bpmn_process_id = 'two_nodes'
            WHERE h.event = 'TIMER_FIRED' GROUP BY 1
            """)).ToList();
        firings.Count.ShouldBe(2 * Instances);
        firings.ShouldAllBe(f => f.Count == 1, "no timer fired twice");
        nodes.ShouldAllBe(n => n.Executor.Completed > 0 && n.Scheduler.Fired > 0, "both nodes took part");
        (nodes[0].Executor.Completed + nodes[1].Executor.Completed).ShouldBe(2 * Instances);
        (nodes[0].Scheduler.Fired + nodes[1].Scheduler.Fired).ShouldBe(2 * Instances);
        (await new JobQueries(DataSource, TimeProvider.System).NodesAsync(CancellationToken.None)).Select(n => n.NodeId).Order().ShouldBe(["node-1", "node-2"]);
    }
}
