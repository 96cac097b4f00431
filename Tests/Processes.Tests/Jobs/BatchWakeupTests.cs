using Processes.Engine.Batches;
using Processes.Engine.Cluster;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

/// <summary>
/// A new batch does not wait for the runner's idle pause: its commit wakes the runner of the node that created it (in
/// process) and of every other node (NOTIFY <c>processes_batches</c>). The runners here pause ten minutes when idle, so
/// only a wake-up runs the batch before the hang guard.
/// </summary>
public sealed class BatchWakeupTests : LoopTest
{
    private static readonly Caller Operator = new("wake-operator", new HashSet<CallerRole> { CallerRole.Operator }, []);

    private static string Waiting(string id) => Process(id, Start() + UserTask("review") + End() + Flows("start->review->end"));

    private static EngineNode Node(Engine.Execution.ProcessEngine engine, string id, bool listen)
    {
        var jobs = FastExecutor(id);
        jobs.MinPollInterval = jobs.MaxPollInterval = TimeSpan.FromMinutes(10);
        jobs.ListenForNotifications = listen;
        return new EngineNode(engine, [], new EngineNodeOptions { NodeId = id, Jobs = jobs, RunTimers = false });
    }

    private Task<long> CancelAllAsync(Engine.Execution.ProcessEngine engine, string process) =>
        new BatchOperations(engine).CancelInstancesAsync(Operator, Query.Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, process)),
            CancellationToken.None).ContinueWith(t => t.Result.Value, TaskScheduler.Default);

    private Task<string?> BatchStateAsync(long batch) =>
        ScalarAsync<string?>("SELECT state FROM batch_operation WHERE key = @batch", new { batch });

    [Test]
    [CancelAfter(120_000)]
    public async Task A_batch_created_on_another_node_is_run_at_once_through_the_notification()
    {
        await DeployAsync(Waiting("wake-other"));
        var node = Node(RealEngine(), "wake-b", listen: true);
        Run(node.RunAsync);
        await UntilAsync(() => System.Threading.Tasks.Task.FromResult(node.Listener.Listening), seconds: 60, because: "node B's listener connects");
        node.Listener.Channels.ShouldContain(Processes.Engine.Storage.BatchOperationStore.Channel);

        foreach (var round in new[] { 1, 2 })
        {
            var instance = await StartAsync("wake-other");
            // Node A only creates (it runs no runner): node B hears of the batch by the notification alone.
            var batch = await CancelAllAsync(RealEngine(), "wake-other");
            await UntilAsync(async () => await BatchStateAsync(batch) == "COMPLETED", seconds: 60,
                because: $"batch {round}: NOTIFY processes_batches wakes node B's idle runner");
            (await StateAsync(instance)).ShouldBe("TERMINATED");
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_batch_created_or_resumed_on_this_node_wakes_its_runner_without_listening()
    {
        await DeployAsync(Waiting("wake-here"));
        var engine = RealEngine();
        Run(Node(engine, "wake-a", listen: false).RunAsync);
        var batches = new BatchOperations(engine);

        var first = await StartAsync("wake-here");
        var batch = await CancelAllAsync(engine, "wake-here");
        await UntilAsync(async () => await BatchStateAsync(batch) == "COMPLETED", seconds: 60, because: "the commit sets the runner's wake-up");
        (await StateAsync(first)).ShouldBe("TERMINATED");

        var second = await StartAsync("wake-here");
        var suspended = (await batches.CancelInstancesAsync(Operator, Query.Where(new FieldCondition("processDefinitionId", FilterOperator.Eq, "wake-here")),
            CancellationToken.None)).Value;
        (await batches.SuspendAsync(Operator, suspended, CancellationToken.None)).Ok.ShouldBeTrue();
        (await batches.ResumeAsync(Operator, suspended, CancellationToken.None)).Ok.ShouldBeTrue();
        await UntilAsync(async () => await BatchStateAsync(suspended) == "COMPLETED", seconds: 60, because: "resuming sets the runner's wake-up too");
        (await StateAsync(second)).ShouldBe("TERMINATED");
    }
}
