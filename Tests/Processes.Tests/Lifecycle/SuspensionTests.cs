using Processes.Engine.Deployment;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Lifecycle;

/// <summary>
/// A suspended version starts nothing by any road: not by its message or signal start event, not by its timer start
/// event (which keeps its cycle), and not from a call activity (an incident naming the version, retried after a resume).
/// </summary>
public sealed class SuspensionTests : EngineTest
{
    private async Task<long> LatestKeyAsync(string processId) =>
        await CountAsync("SELECT max(process_definition_key) FROM process_definition WHERE bpmn_process_id = @processId", new { processId });

    private async Task SuspendAsync(string processId, bool suspended) =>
        (await new VersionSuspension(DataSource).SetAsync(Caller.System, await LatestKeyAsync(processId), suspended, null, CancellationToken.None)).ShouldBeTrue();

    [Test]
    public async Task A_message_start_event_of_a_suspended_version_starts_nothing_and_a_buffered_message_waits_for_nothing()
    {
        await DeployAsync(Process("sus-msg", StartWith("start", MessageDef("m")) + End() + Flows("start->end"), Message("m", "sus-msg-go")), "sus-msg.bpmn");
        await SuspendAsync("sus-msg", true);

        var published = await PublishAsync("sus-msg-go", "a");
        published.Ok.ShouldBeTrue();
        published.Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();
        (await InstancesOfAsync("sus-msg")).ShouldBeEmpty();

        await SuspendAsync("sus-msg", false);
        (await PublishAsync("sus-msg-go", "b")).Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        (await InstancesOfAsync("sus-msg")).Count.ShouldBe(1);
    }

    [Test]
    public async Task A_signal_start_event_of_a_suspended_version_starts_nothing()
    {
        await DeployAsync(Process("sus-sig", StartWith("start", SignalDef("s")) + End() + Flows("start->end"), Signal("s", "sus-sig-go")), "sus-sig.bpmn");
        await SuspendAsync("sus-sig", true);
        (await Engine.BroadcastSignalAsync("sus-sig-go", null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await InstancesOfAsync("sus-sig")).ShouldBeEmpty();

        await SuspendAsync("sus-sig", false);
        (await Engine.BroadcastSignalAsync("sus-sig-go", null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await InstancesOfAsync("sus-sig")).Count.ShouldBe(1);
    }

    [Test]
    public async Task A_timer_start_event_of_a_suspended_version_skips_its_firing_but_keeps_its_cycle()
    {
        await DeployAsync(Process("sus-timer", StartWith("start", TimerCycle("R3/PT1H")) + End() + Flows("start->end")), "sus-timer.bpmn");
        await SuspendAsync("sus-timer", true);
        const string StartTimers = """
            SELECT t.key FROM timer t JOIN process_definition d ON d.process_definition_key = t.process_definition_key
            WHERE t.process_instance_key IS NULL AND d.bpmn_process_id = 'sus-timer'
            """;
        var first = await CountAsync(StartTimers);

        Clock.Advance(TimeSpan.FromHours(1));
        (await Engine.TriggerTimerAsync(first, CancellationToken.None)).Value.ShouldBeTrue();
        (await InstancesOfAsync("sus-timer")).ShouldBeEmpty("a suspended version starts no instance");
        var second = await CountAsync(StartTimers);
        second.ShouldNotBe(0, "the cycle continues");
        second.ShouldNotBe(first);

        await SuspendAsync("sus-timer", false);
        Clock.Advance(TimeSpan.FromHours(1));
        (await Engine.TriggerTimerAsync(second, CancellationToken.None)).Value.ShouldBeTrue();
        (await InstancesOfAsync("sus-timer")).Count.ShouldBe(1);
    }

    [Test]
    public async Task A_call_activity_into_a_suspended_version_raises_an_incident_naming_it_and_a_retry_after_resume_continues()
    {
        await DeployAsync(Process("sus-child", Start() + End() + Flows("start->end")), "sus-child.bpmn");
        await DeployAsync(Process("sus-parent", Start() + CallActivity("call", "sus-child") + End() + Flows("start->call->end")), "sus-parent.bpmn");
        await SuspendAsync("sus-child", true);

        var parent = await StartAsync("sus-parent");
        var incident = (await IncidentsAsync(parent)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("call");
        incident.Type.ShouldBe("CALLED_ELEMENT_ERROR");
        incident.Message.ShouldContain("'sus-child' version 1 is suspended");
        (await InstancesOfAsync("sus-child")).ShouldBeEmpty();

        await SuspendAsync("sus-child", false);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StateAsync(parent)).ShouldBe("COMPLETED");
        (await InstancesOfAsync("sus-child")).Count.ShouldBe(1);
    }
}
