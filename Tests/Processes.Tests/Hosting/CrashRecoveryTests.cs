using System.Globalization;
using Npgsql;
using Processes.Tests.Activities;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Hosting;

/// <summary>
/// A host killed with SIGKILL while it holds job leases (its handlers are inside outbound calls) and timer claims
/// (its firings are blocked on the instances' rows): a second host reaps the dead node and finishes every instance
/// exactly once. Leases and claims last five minutes here, so only the reaping of the dead node can free them in
/// time. Each step waits for a signal (requests seen, rows claimed, node reaped), never for a fixed time.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class CrashRecoveryTests : HostNodeTest
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);
    [Test]
    public async Task Instances_whose_host_was_killed_holding_leases_and_timer_claims_finish_exactly_once_on_another_host()
    {
        const int Calls = 4;
        const int Timers = 4;
        await using var gateway = await FakeServer.StartAsync();
        // The first host's calls hang until the host dies; afterwards the gateway answers at once.
        var hanging = true;
        gateway.Respond = _ => Volatile.Read(ref hanging) ? new FakeAnswer(200, "{}", Delay: TimeSpan.FromMinutes(10)) : new FakeAnswer(200, """{"ok": true}""");
        await DeployAsync(Process("crash_call", $"{Start()}{Task("call", "http")}{End()}{Flows("start->call->end")}"));
        await DeployAsync(Process("crash_timer", $"{Start()}{TimerCatch("wait", "P1D")}{End()}{Flows("start->wait->end")}"));
        var settings = Settings(gateway.BaseUrl);

        var first = StartHost("crash-first", settings);
        await first.WaitReadyAsync(HangGuard);
        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM engine_node WHERE node_id = 'crash-first'") == 1,
            HangGuard.TotalSeconds, "the first host joins the cluster");

        var calls = new List<long>();
        for (var i = 0; i < Calls; i++)
        {
            calls.Add(await StartAsync("crash_call", Vars($$"""{"httpUrl": "{{gateway.BaseUrl}}pay/{{i}}", "httpMethod": "POST"}""")));
        }
        await UntilAsync(() => System.Threading.Tasks.Task.FromResult(gateway.Requests.Count == Calls), HangGuard.TotalSeconds, "the first host's handlers are inside their calls");
        (await ScalarAsync<long>("SELECT count(*) FROM job WHERE state = 'ACTIVATED' AND worker = 'crash-first'")).ShouldBe(Calls);

        var timers = new List<long>();
        for (var i = 0; i < Timers; i++)
        {
            timers.Add(await StartAsync("crash_timer"));
        }
        // The instance rows stay locked, so the first host's firings block after their claims committed.
        await using var blocker = await DataSource.OpenConnectionAsync();
        await using (var lockRows = await blocker.BeginTransactionAsync())
        {
            await using (var select = new NpgsqlCommand("SELECT key FROM process_instance WHERE key = ANY(@keys) FOR UPDATE", blocker, lockRows))
            {
                select.Parameters.AddWithValue("keys", timers.ToArray());
                await select.ExecuteNonQueryAsync();
            }
            await ExecuteAsync("UPDATE timer SET due_at = now() WHERE process_instance_key = ANY(@timers)", new { timers = timers.ToArray() });
            await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM timer WHERE claimed_by = 'crash-first'") == Timers,
                HangGuard.TotalSeconds, "the first host claims the due timers");

            await first.KillAsync();
            await lockRows.RollbackAsync();
        }
        (await ScalarAsync<long>("SELECT count(*) FROM job WHERE state = 'ACTIVATED' AND worker = 'crash-first'")).ShouldBe(Calls, "SIGKILL hands nothing back");
        (await ScalarAsync<long>("SELECT count(*) FROM timer WHERE claimed_by = 'crash-first'")).ShouldBe(Timers, "SIGKILL hands nothing back");
        (await ScalarAsync<long>("SELECT count(*) FROM execution_history WHERE event = 'TIMER_FIRED'")).ShouldBe(0, "the blocked firings never committed");
        Volatile.Write(ref hanging, false);

        var second = StartHost("crash-second", settings);
        await second.WaitReadyAsync(HangGuard);
        var all = calls.Concat(timers).ToArray();
        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM process_instance WHERE key = ANY(@all) AND state = 'COMPLETED'",
            new { all }) == all.Length, HangGuard.TotalSeconds, "the second host finishes every instance");

        (await ScalarAsync<long>("SELECT count(*) FROM engine_node WHERE node_id = 'crash-first'")).ShouldBe(0, "the dead node was reaped");
        foreach (var key in calls)
        {
            (await HistoryAsync(key)).Count(e => e == "call").ShouldBe(1, $"instance {key}: the call completes once");
            (await HistoryAsync(key)).Count(e => e == "end").ShouldBe(1, $"instance {key}: the instance ends once");
            (await ScalarAsync<string>("SELECT string_agg(details->>'worker', ',') FROM execution_history WHERE process_instance_key = @key AND event = 'JOB_COMPLETED'",
                new { key })).ShouldBe("crash-second");
        }
        foreach (var key in timers)
        {
            (await HistoryAsync(key, "TIMER_FIRED")).ShouldBe(["wait"], $"instance {key}: the timer fires once");
            (await HistoryAsync(key)).Count(e => e == "end").ShouldBe(1, $"instance {key}: the instance ends once");
        }
        // At least once towards the gateway: each job was called by the dead host and once more by the live one, with
        // the job key as Idempotency-Key so the gateway can tell.
        var perJob = gateway.Requests.GroupBy(r => r.Header("Idempotency-Key")).ToDictionary(g => g.Key ?? "", g => g.Count());
        perJob.Count.ShouldBe(Calls);
        perJob.Values.ShouldAllBe(n => n == 2);

        await second.StopAsync();
        (await ScalarAsync<long>("SELECT count(*) FROM engine_node")).ShouldBe(0, "a graceful stop leaves the cluster");
    }

    private static Dictionary<string, string> Settings(Uri gateway) => new()
    {
        ["Processes__Activities__Http__AllowedHosts__0"] = $"127.0.0.1:{gateway.Port.ToString(CultureInfo.InvariantCulture)}",
        // One attempt that waits as long as the gateway holds it: the dead host's call is never retried in-process.
        ["Processes__Activities__Http__Retry__Timeout"] = "00:10:00",
        ["Processes__Activities__Http__Retry__MaxRetries"] = "0",
        // Leases and claims outlast the test: only reaping the dead node frees them in time.
        ["Processes__Engine__Jobs__LeaseTimeout"] = "00:05:00",
        ["Processes__Engine__Timers__ClaimTimeout"] = "00:05:00",
        ["Processes__Engine__Timers__SafetyPollInterval"] = "00:00:00.500",
        // A node silent for three seconds is dead; generous next to a heartbeat a second, even on a loaded machine.
        ["Processes__Engine__Cluster__HeartbeatInterval"] = "00:00:01",
        ["Processes__Engine__Cluster__DeadAfterMissedHeartbeats"] = "3",
    };
}
