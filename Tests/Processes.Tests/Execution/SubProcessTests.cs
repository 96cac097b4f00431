using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class SubProcessTests : EngineTest
{
    [Test]
    public async Task An_embedded_subprocess_keeps_its_input_variables_local_and_completes_when_its_inside_is_done()
    {
        await DeployAsync(Process("sub-local", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "sub-local-inner") + End("s_end") + Flows("s_start->inner->s_end"),
                Io(Input("=order.total", "amount"))) +
            End() + Flows("start->sub->end")));
        var key = await StartAsync("sub-local", Vars("""{"order": {"total": 30}}"""));

        (await ActiveElementsAsync(key)).ShouldBe(["inner", "sub"]);
        var job = (await ActivateAsync("sub-local-inner")).ShouldHaveSingleItem();
        job.Variables["amount"]!.GetValue<decimal>().ShouldBe(30m);
        await Engine.CompleteJobAsync(job.Key, Vars("""{"amount": 31, "checked": true}"""), CancellationToken.None);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldBe(["start", "s_start", "inner", "s_end", "sub", "end", "sub-local"]);
        var variables = await VariablesAsync(key);
        variables.ContainsKey("amount").ShouldBeFalse("the input mapping made it local to the subprocess, where the job's update landed");
        variables["checked"]!.GetValue<bool>().ShouldBeTrue("a new name propagates to the process scope");
    }

    [Test]
    public async Task A_non_interrupting_message_event_subprocess_runs_alongside()
    {
        await DeployAsync(Process("esp-non", Start() + Task("work", "esp-non-work") + End() + Flows("start->work->end") +
            EventSubProcess("onUpdate", StartWith("updateStart", MessageDef("m"), interrupting: false) + Task("apply", "esp-non-apply") + End("updEnd") +
                Flows("updateStart->apply->updEnd")),
            MessageWithKey("m", "esp-non-update", "=id")));
        var key = await StartAsync("esp-non", Vars("""{"id": "u1"}"""));

        (await PublishAsync("esp-non-update", "u1", Vars("""{"change": 1}"""))).Value!.CorrelatedProcessInstanceKeys.ShouldBe([key]);
        (await ActiveElementsAsync(key)).ShouldBe(["apply", "onUpdate", "work"]);
        (await PublishAsync("esp-non-update", "u1")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([key], "a non-interrupting start keeps its subscription");
        (await ActiveElementsAsync(key)).Count(e => e == "onUpdate").ShouldBe(2);

        await CompleteJobsAsync("esp-non-apply");
        await CompleteJobsAsync("esp-non-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["change"]!.GetValue<int>().ShouldBe(1);
    }

    [Test]
    public async Task An_interrupting_message_event_subprocess_cancels_the_rest_of_its_scope()
    {
        await DeployAsync(Process("esp-int", Start() + Gateway("parallelGateway", "fork") + Task("a", "esp-int-a") + Task("b", "esp-int-b") +
            End("e1") + End("e2") + Flows("start->fork->a->e1", "fork->b->e2") +
            EventSubProcess("onCancel", StartWith("cancelStart", MessageDef("m")) + End("cancelled") + Flows("cancelStart->cancelled")),
            MessageWithKey("m", "esp-int-cancel", "=id")));
        var key = await StartAsync("esp-int", Vars("""{"id": "c1"}"""));

        await PublishAsync("esp-int-cancel", "c1");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["a", "b"], ignoreOrder: true);
        (await ActivateAsync("esp-int-a")).ShouldBeEmpty();
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_terminate_end_event_in_a_subprocess_ends_only_the_subprocess()
    {
        await DeployAsync(Process("term-sub", Start() + Gateway("parallelGateway", "fork") + Task("outer", "term-sub-outer") + End("e1") +
            SubProcess("sub", Start("s_start") + Gateway("parallelGateway", "s_fork") + Task("slow", "term-sub-slow") + EndWith("kill", TerminateDef()) +
                End("s_end") + Flows("s_start->s_fork->slow->s_end", "s_fork->kill")) +
            Task("after", "term-sub-after") + End("e2") + Flows("start->fork->outer->e1", "fork->sub->after->e2")));
        var key = await StartAsync("term-sub");

        (await ActiveElementsAsync(key)).ShouldBe(["after", "outer"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["slow"]);
        (await HistoryAsync(key)).ShouldContain("sub", "the subprocess completes after its terminate end event");
        await CompleteJobsAsync("term-sub-outer");
        await CompleteJobsAsync("term-sub-after");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_terminate_end_event_at_process_level_completes_the_instance_and_terminates_the_other_branches()
    {
        await DeployAsync(Process("term-proc", Start() + Gateway("parallelGateway", "fork") + Task("slow", "term-proc-slow") + Task("fast", "term-proc-fast") +
            End("e1") + EndWith("kill", TerminateDef()) + Flows("start->fork->slow->e1", "fork->fast->kill")));
        var key = await StartAsync("term-proc");

        await CompleteJobsAsync("term-proc-fast");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["slow"]);
        (await ActivateAsync("term-proc-slow")).ShouldBeEmpty();
        (await HistoryAsync(key)).Last().ShouldBe("term-proc");
    }

    [Test]
    public async Task An_interrupting_event_subprocess_inside_a_subprocess_replaces_its_content_and_the_subprocess_then_completes()
    {
        await DeployAsync(Process("esp-inner", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "esp-inner-work") + End("s_end") + Flows("s_start->inner->s_end") +
                EventSubProcess("onStop", StartWith("stopStart", MessageDef("m")) + End("stopEnd") + Flows("stopStart->stopEnd"))) +
            Task("after", "esp-inner-after") + End() + Flows("start->sub->after->end"),
            MessageWithKey("m", "esp-inner-stop", "=id")));
        var key = await StartAsync("esp-inner", Vars("""{"id": "x"}"""));

        await PublishAsync("esp-inner-stop", "x");

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["inner"]);
        (await HistoryAsync(key)).ShouldContain("sub");
    }

    [Test]
    public async Task A_timer_boundary_on_a_subprocess_cancels_everything_inside()
    {
        await DeployAsync(Process("sub-timer", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "sub-timer-inner") + End("s_end") + Flows("s_start->inner->s_end")) +
            Boundary("late", "sub", TimerDuration("PT1H")) + End() + End("timedOut") + Flows("start->sub->end", "late->timedOut")));
        var key = await StartAsync("sub-timer");

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["inner", "sub"]);
        (await ActivateAsync("sub-timer-inner")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_non_interrupting_timer_event_subprocess_fires_on_its_cycle_and_its_subscriptions_end_with_the_process()
    {
        await DeployAsync(Process("esp-cycle", Start() + Task("work", "esp-cycle-work") + End() + Flows("start->work->end") +
            EventSubProcess("remind", StartWith("tick", TimerCycle("R/PT10M"), interrupting: false) + End("reminded") + Flows("tick->reminded")) +
            EventSubProcess("onMsg", StartWith("msgStart", MessageDef("m"), interrupting: false) + End("msgEnd") + Flows("msgStart->msgEnd")),
            MessageWithKey("m", "esp-cycle-msg", "=id")));
        var key = await StartAsync("esp-cycle", Vars("""{"id": "c"}"""));

        for (var i = 0; i < 2; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(10));
            await FireTimersAsync(key);
        }
        (await HistoryAsync(key)).Count(e => e == "remind").ShouldBe(2);
        (await ActiveElementsAsync(key)).ShouldBe(["work"]);

        await CompleteJobsAsync("esp-cycle-work");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await TimersAsync(key)).ShouldBeEmpty();
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task Cancelling_an_instance_removes_its_timers_and_subscriptions()
    {
        await DeployAsync(Process("cancel-subs", Start() + Task("work", "cancel-subs-work") + Boundary("late", "work", TimerDuration("PT1H")) +
            Boundary("msg", "work", MessageDef("m")) + End() + End("e2") + End("e3") + Flows("start->work->end", "late->e2", "msg->e3"),
            MessageWithKey("m", "cancel-subs-msg", "=id")));
        var key = await StartAsync("cancel-subs", Vars("""{"id": "c"}"""));

        await Engine.CancelInstanceAsync(key, CancellationToken.None);

        (await TimersAsync(key)).ShouldBeEmpty();
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key", new { key })).ShouldBe(0);
    }

    [Test]
    public async Task An_interrupting_event_subprocess_inside_a_subprocess_keeps_the_subprocess_boundary_events()
    {
        await DeployAsync(Process("esp-keeps-boundary", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "ekb-inner") + End("s_end") + Flows("s_start->inner->s_end") +
                EventSubProcess("onStop", StartWith("stopStart", MessageDef("m")) + Task("cleanup", "ekb-cleanup") + End("stopEnd") +
                    Flows("stopStart->cleanup->stopEnd"))) +
            Boundary("late", "sub", TimerDuration("PT1H")) + End() + End("timedOut") + Flows("start->sub->end", "late->timedOut"),
            MessageWithKey("m", "ekb-stop", "=id")));
        var key = await StartAsync("esp-keeps-boundary", Vars("""{"id": "k"}"""));

        await PublishAsync("ekb-stop", "k");
        (await ActiveElementsAsync(key)).ShouldBe(["cleanup", "onStop", "sub"]);
        (await TimersAsync(key)).ShouldHaveSingleItem("the subprocess is still active: its boundary timer stays")
            .ElementId.ShouldBe("late");
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty("the interrupted scope's event subprocess start is closed");

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("timedOut");
    }

    [Test]
    public async Task A_non_interrupting_timer_boundary_on_a_subprocess_fires_once_and_the_subprocess_continues()
    {
        await DeployAsync(Process("sub-remind", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "sub-remind-inner") + End("s_end") + Flows("s_start->inner->s_end")) +
            Boundary("remind", "sub", TimerDuration("PT1H"), interrupting: false) + Task("nudge", "sub-remind-nudge") + End() + End("e2") +
            Flows("start->sub->end", "remind->nudge->e2")));
        var key = await StartAsync("sub-remind");

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);

        (await ActiveElementsAsync(key)).ShouldBe(["inner", "nudge", "sub"]);
        (await TimersAsync(key)).ShouldBeEmpty("a duration fires once");
        await CompleteJobsAsync("sub-remind-inner");
        await CompleteJobsAsync("sub-remind-nudge");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }
}
