using Processes.Tests.Hosting;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Hangfire;

/// <summary>
/// Issue 14: a host process SIGKILLed after it handed a timer to Hangfire (the job id is on the timer row, the job
/// waits in Hangfire's schema). After other hosts start, the timer fires exactly once — through the Hangfire job
/// another host's server runs, or the engine's backstop, whichever comes first; the command is idempotent. Several
/// hosts starting together keep one of each recurring maintenance job.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class HangfireKillTests : HostNodeTest
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(150);
    [Test]
    public async Task A_timer_handed_to_hangfire_by_a_killed_host_fires_once_after_other_hosts_start()
    {
        await DeployAsync(Process("hf_kill", $"{Start()}{TimerCatch("wait", "PT12S")}{End()}{Flows("start->wait->end")}"));
        var first = StartHost("hf-kill-first");
        await first.WaitReadyAsync(HangGuard);

        var instance = await StartAsync("hf_kill");
        await UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM timer WHERE process_instance_key = @instance AND external_job IS NOT NULL",
            new { instance }) == 1, HangGuard.TotalSeconds, "the first host hands the timer to Hangfire");
        await first.KillAsync();
        (await ScalarAsync<long>("SELECT count(*) FROM execution_history WHERE process_instance_key = @instance AND event = 'TIMER_FIRED'", new { instance }))
            .ShouldBe(0, "killed before the timer was due");

        var second = StartHost("hf-kill-second");
        var third = StartHost("hf-kill-third");
        await System.Threading.Tasks.Task.WhenAll(second.WaitReadyAsync(HangGuard), third.WaitReadyAsync(HangGuard));
        await UntilAsync(async () => await StateAsync(instance) == "COMPLETED", HangGuard.TotalSeconds, "the timer fires after the restart");

        (await HistoryAsync(instance, "TIMER_FIRED")).ShouldBe(["wait"], "the timer fires exactly once");
        (await HistoryAsync(instance)).Count(e => e == "end").ShouldBe(1);
        (await ScalarAsync<long>("SELECT count(*) FROM timer WHERE process_instance_key = @instance", new { instance })).ShouldBe(0);
        // Hangfire keeps recurring jobs by id: three hosts started, one of each maintenance job.
        (await ScalarAsync<string>("SELECT string_agg(value, ',' ORDER BY value) FROM hangfire.set WHERE key = 'recurring-jobs'"))
            .ShouldBe("message-buffer-cleanup,retention-purge,settlement-statements");

        await second.StopAsync();
        await third.StopAsync();
    }

    private HostNode StartHost(string nodeId) => StartHost(nodeId, new Dictionary<string, string>
        {
            ["Processes__Hangfire__Enabled"] = "true",
            ["Processes__Hangfire__Handover__MinimumLead"] = "00:00:02",
            ["Processes__Hangfire__Handover__NotBefore"] = "00:00:00.500",
            ["Processes__Hangfire__Handover__PollInterval"] = "00:00:00.200",
            // The backstop takes a timer Hangfire has not fired 5 s after it was due.
            ["Processes__Engine__Timers__HandoverGrace"] = "00:00:05",
            ["Processes__Engine__Timers__SafetyPollInterval"] = "00:00:00.500",
            ["Processes__Engine__Timers__ClaimTimeout"] = "00:00:10",
            ["Processes__Engine__Cluster__HeartbeatInterval"] = "00:00:01",
            ["Processes__Engine__Cluster__DeadAfterMissedHeartbeats"] = "3",
        });
}
