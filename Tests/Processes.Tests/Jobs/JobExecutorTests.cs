using Tasks = System.Threading.Tasks.Task;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Processes.Engine.Cluster;
using Processes.Engine.Jobs;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Jobs;

public sealed class JobExecutorTests : LoopTest
{
    private static string OneTask(string id, string type, string retries = "3") =>
        Process(id, $"{Start()}{Task("task", type, attributes: "")}{End()}{Flows("start->task->end")}")
            .Replace($"type=\"{type}\" />", $"type=\"{type}\" retries=\"{retries}\" />", StringComparison.Ordinal);

    [Test]
    public async Task A_handler_completes_its_job_with_variables_and_the_instance_moves_on()
    {
        await DeployAsync(OneTask("exec_complete", "exec-complete"));
        var engine = RealEngine();
        var handler = new DelegateJobHandler("exec-complete", (job, _) =>
            Tasks.FromResult(JobOutcome.Complete(new JsonObject { ["doubled"] = job.Variables["n"]!.GetValue<int>() * 2 })));
        var executor = new JobExecutor(engine, new JobHandlerRegistry([handler]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartAsync("exec_complete", Vars("""{"n": 21}"""));

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "the job runs and completes");
        (await VariablesAsync(key))["doubled"]!.GetValue<int>().ShouldBe(42);
        executor.Completed.ShouldBe(1);
    }

    [Test]
    public async Task A_new_job_wakes_an_idle_executor_through_its_notification()
    {
        await DeployAsync(OneTask("exec_wake", "exec-wake"));
        var engine = RealEngine();
        var handler = new DelegateJobHandler("exec-wake", (_, _) => Tasks.FromResult(JobOutcome.Complete()));
        var options = FastExecutor("node-a");
        options.MinPollInterval = options.MaxPollInterval = TimeSpan.FromMinutes(10); // only the notification can wake it before the hang guard
        var executor = new JobExecutor(engine, new JobHandlerRegistry([handler]), options);
        var since = await DatabaseNowAsync();
        Run(executor.RunAsync);
        await ListeningAsync("processes_jobs", since);

        var key = await StartAsync("exec_wake");

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", seconds: 60, because: "LISTEN processes_jobs wakes the executor");
    }

    [Test]
    public async Task A_handler_exception_is_a_retryable_failure_with_exponential_back_off()
    {
        await DeployAsync(OneTask("exec_throw", "exec-throw"));
        var handler = new DelegateJobHandler("exec-throw", (_, _) => throw new InvalidOperationException("SMS gateway said 503"));
        var executor = new JobExecutor(Engine, new JobHandlerRegistry([handler]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartOnClockAsync("exec_throw");

        await UntilAsync(async () => (await JobRowAsync(key)).Retries == 2, because: "the first failure is reported");
        var (state, retries, message, due) = await JobRowAsync(key);
        state.ShouldBe("ACTIVATABLE");
        message.ShouldBe("SMS gateway said 503");
        due.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromMinutes(10), "first failure: the base back-off (10 min in these tests)");
        Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        (await Engine.ActivateJobsAsync("exec-throw", "probe", TimeSpan.FromMinutes(1), 1, null, CancellationToken.None))
            .ShouldBeEmpty("a second before its back-off ends the job is not due");

        // The second failure waits twice as long.
        Clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(async () => (await JobRowAsync(key)).Retries == 1, because: "at the end of its back-off the job runs and fails again");
        (await JobRowAsync(key)).DueAt.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromMinutes(20));
        executor.Invocations.ShouldBe(2);
        (await IncidentsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task An_operators_stored_back_off_for_a_type_wins_over_the_configuration()
    {
        await DeployAsync(OneTask("exec_stored_backoff", "exec-stored"));
        (await JobTypeBackOffs.SetAsync(DataSource, "exec-stored", new RetryBackOff(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3), 0), CancellationToken.None))
            .Ok.ShouldBeTrue();
        (await JobTypeBackOffs.SetAsync(DataSource, "exec-stored", new RetryBackOff(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1)), CancellationToken.None))
            .Error.ShouldBe(Processes.Engine.Execution.CommandError.InvalidArgument);
        var handler = new DelegateJobHandler("exec-stored", (_, _) => Tasks.FromResult(JobOutcome.Fail("try later")));
        var executor = new JobExecutor(Engine, new JobHandlerRegistry([handler]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartOnClockAsync("exec_stored_backoff");

        await UntilAsync(async () => (await JobRowAsync(key)).Retries == 2, because: "the failure is reported");
        (await JobRowAsync(key)).DueAt.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromMinutes(3), "the stored 3 min, not the configured 10 min");
        (await JobTypeBackOffs.SetAsync(DataSource, "exec-stored", null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await JobTypeBackOffs.LoadAsync(DataSource, CancellationToken.None)).ContainsKey("exec-stored").ShouldBeFalse();
    }

    [Test]
    public async Task A_non_retryable_failure_raises_an_incident_and_an_operator_retry_runs_the_job_again()
    {
        await DeployAsync(OneTask("exec_fatal", "exec-fatal"));
        var engine = RealEngine();
        var attempts = 0;
        var handler = new DelegateJobHandler("exec-fatal", (_, _) => Tasks.FromResult(Interlocked.Increment(ref attempts) == 1
            ? JobOutcome.Fail("refund account is closed", retryable: false)
            : JobOutcome.Complete()));
        var executor = new JobExecutor(engine, new JobHandlerRegistry([handler]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartAsync("exec_fatal");

        await UntilAsync(async () => (await IncidentsAsync(key)).Count == 1);
        var incident = (await IncidentsAsync(key)).Single();
        incident.Type.ShouldBe("JOB_NO_RETRIES");
        incident.Message.ShouldBe("refund account is closed");
        var queries = new JobQueries(DataSource, TimeProvider.System);
        var failed = (await queries.JobsAsync(JobView.Failed, "exec-fatal", null, 10, CancellationToken.None)).Items.Single();
        failed.Retries.ShouldBe(0);
        failed.IncidentKey.ShouldBe(incident.Key);

        var operations = new JobOperations(engine);
        (await operations.DeleteJobAsync(failed.Key, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.InvalidState);
        var retried = await operations.RetryJobAsync(failed.Key, 2, CancellationToken.None);
        retried.Ok.ShouldBeTrue(retried.Message);

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "the retried job runs again and completes");
        attempts.ShouldBe(2);
        (await IncidentsAsync(key)).ShouldBeEmpty();
        await UntilAsync(async () => (await queries.PerMinuteAsync(TimeSpan.FromHours(1), "exec-fatal", CancellationToken.None))
            .Sum(m => m.Succeeded * 100 + m.Failed) == 101, because: "one failure and one success are counted per minute");
    }

    [Test]
    public async Task A_bpmn_error_outcome_is_caught_by_the_error_boundary()
    {
        await DeployAsync(Process("exec_bpmn_error",
            $"""
            {Start()}{Task("task", "exec-error")}{End()}
            <bpmn:boundaryEvent id="caught" attachedToRef="task"><bpmn:errorEventDefinition errorRef="err_rejected" /></bpmn:boundaryEvent>
            {End("rejected_end")}
            {Flows("start->task->end", "caught->rejected_end")}
            """, root: """<bpmn:error id="err_rejected" name="Rejected" errorCode="REFUND_REJECTED" />"""));
        var engine = RealEngine();
        var handler = new DelegateJobHandler("exec-error", (_, _) =>
            Tasks.FromResult(JobOutcome.BpmnError("REFUND_REJECTED", "over the limit", new JsonObject { ["reason"] = "limit" })));
        var executor = new JobExecutor(engine, new JobHandlerRegistry([handler]), FastExecutor("node-a"));
        Run(executor.RunAsync);

        var key = await StartAsync("exec_bpmn_error");

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED");
        (await HistoryAsync(key)).ShouldContain("rejected_end");
        (await HistoryAsync(key)).ShouldNotContain("end");
        (await IncidentsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_job_whose_worker_crashed_runs_again_exactly_once_when_the_lease_expires()
    {
        await DeployAsync(OneTask("exec_crash", "exec-crash"));
        var key = await StartOnClockAsync("exec_crash");
        // The crashed node: it took the job with a one-minute lease and died without a word.
        var taken = await Engine.ActivateJobsAsync("exec-crash", "crashed-node", TimeSpan.FromMinutes(1), 10, null, CancellationToken.None);
        taken.Count.ShouldBe(1);

        var runs = new ConcurrentDictionary<long, int>();
        var handler = new DelegateJobHandler("exec-crash", (job, _) =>
        {
            runs.AddOrUpdate(job.Key, 1, (_, n) => n + 1);
            return Tasks.FromResult(JobOutcome.Complete());
        });
        var executor = new JobExecutor(Engine, new JobHandlerRegistry([handler]), FastExecutor("node-b"));
        Run(executor.RunAsync);

        Clock.Advance(TimeSpan.FromSeconds(59));
        (await Engine.RecoverExpiredLeasesAsync(CancellationToken.None)).ShouldBe(0, "59 s into a one-minute lease it still holds");
        (await JobStateAsync(key)).ShouldBe(("ACTIVATED", "crashed-node"));
        Clock.Advance(TimeSpan.FromSeconds(2));

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "node b recovers the expired lease and runs the job");
        // The completion deleted the job, so no later run is possible: the count is final.
        runs.ShouldBe(new Dictionary<long, int> { [taken[0].Key] = 1 });
        (await Engine.CompleteJobAsync(taken[0].Key, null, CancellationToken.None)).Ok.ShouldBeFalse("the crashed node's late completion finds no job");
    }

    [Test]
    public async Task A_handler_running_longer_than_its_lease_keeps_the_job_by_renewing_the_lease()
    {
        await DeployAsync(OneTask("exec_long", "exec-long"));
        var runs = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateJobHandler("exec-long", async (_, ct) =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            return JobOutcome.Complete();
        });
        var options = FastExecutor("node-a");
        options.LeaseTimeout = TimeSpan.FromSeconds(1);
        var other = FastExecutor("node-b");
        other.LeaseTimeout = TimeSpan.FromSeconds(1);
        Run(new JobExecutor(Engine, new JobHandlerRegistry([handler]), options).RunAsync);
        Run(new JobExecutor(Engine, new JobHandlerRegistry([handler]), other).RunAsync);

        var key = await StartOnClockAsync("exec_long");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var holder = (await JobStateAsync(key)).Worker;

        // Five times 0.9 s of a 1 s lease: without renewals the other node would recover the job from the second step on.
        for (var step = 0; step < 5; step++)
        {
            var deadline = await DeadlineAsync(key);
            Clock.Advance(TimeSpan.FromMilliseconds(900));
            await UntilAsync(async () => await DeadlineAsync(key) > deadline, 60, $"step {step}: the running node renews its lease");
            (await JobStateAsync(key)).ShouldBe(("ACTIVATED", holder));
        }
        release.SetResult();

        await UntilAsync(async () => await StateAsync(key) == "COMPLETED", because: "the one run completes");
        runs.ShouldBe(1, "renewed leases never expired, so no other node ran the job meanwhile");
    }

    [Test]
    public async Task Graceful_shutdown_lets_quick_handlers_finish_and_hands_back_the_leases_of_slow_ones()
    {
        await DeployAsync(OneTask("exec_shutdown", "exec-slow"));
        await DeployAsync(OneTask("exec_shutdown_quick", "exec-quick"));
        var engine = RealEngine();
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var quickRelease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new DelegateJobHandler("exec-slow", async (_, ct) =>
        {
            slowStarted.TrySetResult();
            await Tasks.Delay(Timeout.Infinite, ct);
            return JobOutcome.Complete();
        });
        var quick = new DelegateJobHandler("exec-quick", async (_, _) =>
        {
            await quickRelease.Task;
            return JobOutcome.Complete();
        });
        var options = FastExecutor("node-leaving");
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(500);
        var executor = new JobExecutor(engine, new JobHandlerRegistry([slow, quick]), options);
        var member = new ClusterMember(DataSource, new ClusterOptions { NodeId = "node-leaving", HeartbeatInterval = TimeSpan.FromMilliseconds(200) },
            () => (executor.RunningJobs, options.MaxConcurrency));
        var memberLoop = Run(member.RunAsync);
        var loop = Run(executor.RunAsync);
        var slowKey = await StartAsync("exec_shutdown");
        var quickKey = await StartAsync("exec_shutdown_quick");
        await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await UntilAsync(() => Tasks.FromResult(executor.RunningJobs == 2));
        await UntilAsync(async () => await ScalarAsync<int>("SELECT running_jobs FROM engine_node WHERE node_id = 'node-leaving'") == 2,
            because: "the heartbeat reports the load");

        // The stop is requested synchronously here; the quick handler then finishes inside the shutdown timeout.
        var stopping = StopAsync(loop);
        quickRelease.SetResult();
        await stopping;

        (await StateAsync(quickKey)).ShouldBe("COMPLETED", "a handler finishing within the shutdown timeout still reports");
        var (state, worker) = await JobStateAsync(slowKey);
        state.ShouldBe("ACTIVATABLE", "the slow job's lease is handed back for another node");
        worker.ShouldBeNull();
        await StopAsync(memberLoop);
        (await ScalarAsync<int>("SELECT count(*)::int FROM engine_node WHERE node_id = 'node-leaving'")).ShouldBe(0);
    }

    private async Task<(string State, string? Worker)> JobStateAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<(string, string?)>(connection,
            "SELECT state, worker FROM job WHERE process_instance_key = @processInstanceKey", new { processInstanceKey });
    }

    private async Task<DateTime> DeadlineAsync(long processInstanceKey) =>
        await ScalarAsync<DateTime>("SELECT deadline FROM job WHERE process_instance_key = @processInstanceKey", new { processInstanceKey });

    private async Task<(string State, int Retries, string? Message, DateTimeOffset DueAt)> JobRowAsync(long processInstanceKey)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var row = await Dapper.SqlMapper.QuerySingleAsync<(string, int, string?, DateTime)>(connection,
            "SELECT state, retries, error_message, due_at FROM job WHERE process_instance_key = @processInstanceKey", new { processInstanceKey });
        return (row.Item1, row.Item2, row.Item3, new DateTimeOffset(DateTime.SpecifyKind(row.Item4, DateTimeKind.Utc)));
    }
}
