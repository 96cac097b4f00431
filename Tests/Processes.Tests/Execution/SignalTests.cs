using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class SignalTests : EngineTest
{
    [Test]
    public async Task A_broadcast_reaches_the_intermediate_catch_events_of_every_waiting_instance()
    {
        await DeployAsync(Process("sig-catch", Start() + Catch("wait", SignalDef("s")) + Task("after", "sig-catch-after") + End() +
            Flows("start->wait->after->end"), Signal("s", "sig-catch-go")));
        var first = await StartAsync("sig-catch");
        var second = await StartAsync("sig-catch");

        (await Engine.BroadcastSignalAsync("sig-catch-go", Vars("""{"reason": "go"}"""), CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(first)).ShouldBe(["after"]);
        (await ActiveElementsAsync(second)).ShouldBe(["after"]);
        (await VariablesAsync(second))["reason"]!.GetValue<string>().ShouldBe("go");
        (await CountAsync("SELECT count(*) FROM signal_subscription WHERE signal_name = 'sig-catch-go'")).ShouldBe(0);
        (await HistoryAsync(first, "SIGNAL_RECEIVED")).ShouldBe(["wait"]);
    }

    [Test]
    public async Task A_signal_boundary_event_interrupts_its_activity()
    {
        await DeployAsync(Process("sig-boundary", Start() + Task("work", "sig-boundary-work") + Boundary("stop", "work", SignalDef("s")) +
            End() + End("stopped") + Flows("start->work->end", "stop->stopped"), Signal("s", "sig-boundary-stop")));
        var key = await StartAsync("sig-boundary");

        await Engine.BroadcastSignalAsync("sig-boundary-stop", null, CancellationToken.None);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
        (await HistoryAsync(key)).ShouldBe(["start", "stop", "stopped", "sig-boundary"]);
        (await ActivateAsync("sig-boundary-work")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_signal_start_event_creates_an_instance()
    {
        await DeployAsync(Process("sig-start", StartWith("start", SignalDef("s")) + Task("handle", "sig-start-handle") + End() +
            Flows("start->handle->end"), Signal("s", "sig-start-go")));

        await Engine.BroadcastSignalAsync("sig-start-go", Vars("""{"n": 1}"""), CancellationToken.None);

        var key = (await InstancesOfAsync("sig-start")).ShouldHaveSingleItem();
        (await ActiveElementsAsync(key)).ShouldBe(["handle"]);
        (await VariablesAsync(key))["n"]!.GetValue<int>().ShouldBe(1);
    }

    [Test]
    public async Task A_signal_throw_event_in_one_process_reaches_catches_in_others()
    {
        await DeployAsync(Process("sig-listener", Start() + Catch("wait", SignalDef("s")) + End() + Flows("start->wait->end"), Signal("s", "sig-throw-go")));
        await DeployAsync(Process("sig-thrower", Start() + Throw("shout", SignalDef("s")) + End() + Flows("start->shout->end"), Signal("s", "sig-throw-go")),
            "thrower.bpmn");
        var listener = await StartAsync("sig-listener");

        var thrower = await StartAsync("sig-thrower");

        (await StateAsync(thrower)).ShouldBe("COMPLETED");
        (await StateAsync(listener)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_signal_end_event_reaches_a_boundary_in_the_same_instance()
    {
        await DeployAsync(Process("sig-self", Start() + Gateway("parallelGateway", "fork") + Task("work", "sig-self-work") +
            Boundary("heard", "work", SignalDef("s")) + EndWith("shout", SignalDef("s")) + End("e1") + End("e2") +
            Flows("start->fork->work->e1", "fork->shout", "heard->e2"), Signal("s", "sig-self-go")));

        var key = await StartAsync("sig-self");
        // The boundary subscription is opened in the same command that throws: Zeebe broadcasts after the
        // command, so the task's subscription, written by then, hears it.
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
    }

    [Test]
    public async Task A_non_interrupting_signal_boundary_and_signal_event_subprocess_run_alongside_the_task()
    {
        await DeployAsync(Process("sig-non", Start() + Task("work", "sig-non-work") + Boundary("ping", "work", SignalDef("s"), interrupting: false) +
            End() + End("pinged") + Flows("start->work->end", "ping->pinged") +
            EventSubProcess("onSignal", StartWith("sigStart", SignalDef("s"), interrupting: false) + Task("log", "sig-non-log") + End("logged") +
                Flows("sigStart->log->logged")),
            Signal("s", "sig-non-ping")));
        var key = await StartAsync("sig-non");

        await Engine.BroadcastSignalAsync("sig-non-ping", null, CancellationToken.None);
        await Engine.BroadcastSignalAsync("sig-non-ping", null, CancellationToken.None);

        (await HistoryAsync(key)).Count(e => e == "pinged").ShouldBe(2);
        (await ActiveElementsAsync(key)).ShouldBe(["log", "log", "onSignal", "onSignal", "work"]);
        await CompleteJobsAsync("sig-non-log");
        await CompleteJobsAsync("sig-non-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await CountAsync("SELECT count(*) FROM signal_subscription WHERE process_instance_key = @key", new { key })).ShouldBe(0);
    }

    [Test]
    public async Task A_signal_throw_event_sends_its_input_mappings_as_the_signal_variables()
    {
        await DeployAsync(Process("sig-vars-listener", Start() + Catch("wait", SignalDef("s")) + End() + Flows("start->wait->end"), Signal("s", "sig-vars-go")));
        await DeployAsync(Process("sig-vars-thrower", Start() +
            "<bpmn:intermediateThrowEvent id=\"shout\"><bpmn:extensionElements>" + Io(Input("=total * 2", "doubled")) + "</bpmn:extensionElements>" +
            SignalDef("s") + "</bpmn:intermediateThrowEvent>" + End() + Flows("start->shout->end"), Signal("s", "sig-vars-go")), "thrower.bpmn");
        var listener = await StartAsync("sig-vars-listener");

        await StartAsync("sig-vars-thrower", Vars("""{"total": 21}"""));

        (await StateAsync(listener)).ShouldBe("COMPLETED");
        (await VariablesAsync(listener))["doubled"]!.GetValue<decimal>().ShouldBe(42m);
    }
}
