using Processes.Engine.Calendars;
using Processes.Engine.Visibility;
using Processes.Tests.Calendars;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class TimerTests : EngineTest
{
    [Test]
    public async Task An_intermediate_timer_is_due_after_its_duration_and_continues_when_fired()
    {
        await DeployAsync(Process("timer-catch", Start() + TimerCatch("wait", "PT10M") + End() + Flows("start->wait->end")));
        var key = await StartAsync("timer-catch");

        var timer = (await TimersAsync(key)).ShouldHaveSingleItem();
        timer.ElementId.ShouldBe("wait");
        timer.DueAt.ShouldBe(Clock.GetUtcNow().AddMinutes(10).UtcDateTime);

        Clock.Advance(TimeSpan.FromMinutes(10));
        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "TIMER_FIRED")).ShouldBe(["wait"]);
    }

    [Test]
    public async Task A_fired_timer_cannot_fire_again()
    {
        await DeployAsync(Process("timer-once", Start() + TimerCatch("wait", "PT1M") + Task("after", "timer-once-after") + End() + Flows("start->wait->after->end")));
        var key = await StartAsync("timer-once");
        var timer = (await TimersAsync(key)).ShouldHaveSingleItem();

        (await Engine.TriggerTimerAsync(timer.Key, CancellationToken.None)).Value.ShouldBeTrue();
        (await Engine.TriggerTimerAsync(timer.Key, CancellationToken.None)).Value.ShouldBeFalse();

        (await HistoryAsync(key)).Count(e => e == "wait").ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task An_interrupting_timer_boundary_cancels_the_task_and_its_job()
    {
        await DeployAsync(Process("timer-boundary", Start() + Task("work", "timer-boundary-work") + Boundary("late", "work", TimerDuration("PT1H")) +
            End() + End("escalated") + Flows("start->work->end", "late->escalated")));
        var key = await StartAsync("timer-boundary");
        (await TimersAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("late");

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
        (await ActivateAsync("timer-boundary-work")).ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key", new { key })).ShouldBe(0);
    }

    [Test]
    public async Task A_completed_task_removes_its_boundary_timer()
    {
        await DeployAsync(Process("timer-gone", Start() + Task("work", "timer-gone-work") + Boundary("late", "work", TimerDuration("PT1H")) +
            End() + End("escalated") + Flows("start->work->end", "late->escalated")));
        var key = await StartAsync("timer-gone");

        await CompleteJobsAsync("timer-gone-work");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await TimersAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_non_interrupting_cycle_boundary_fires_its_repetitions_while_the_task_stays()
    {
        await DeployAsync(Process("timer-cycle", Start() + Task("work", "timer-cycle-work") + Boundary("remind", "work", TimerCycle("R3/PT1H"), interrupting: false) +
            Task("nudge", "timer-cycle-nudge") + End() + End("e2") + Flows("start->work->end", "remind->nudge->e2")));
        var key = await StartAsync("timer-cycle");

        for (var i = 1; i <= 3; i++)
        {
            var timer = (await TimersAsync(key)).ShouldHaveSingleItem($"firing {i}");
            timer.DueAt.ShouldBe(new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc).AddHours(i));
            Clock.Advance(TimeSpan.FromHours(1));
            (await Engine.TriggerTimerAsync(timer.Key, CancellationToken.None)).Value.ShouldBeTrue();
        }

        (await TimersAsync(key)).ShouldBeEmpty("R3: three firings, then the cycle is over");
        (await HistoryAsync(key)).Count(e => e == "remind").ShouldBe(3);
        (await ActiveElementsAsync(key)).ShouldBe(["nudge", "nudge", "nudge", "work"]);
        await CompleteJobsAsync("timer-cycle-nudge");
        await CompleteJobsAsync("timer-cycle-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_timer_event_subprocess_interrupts_the_process()
    {
        await DeployAsync(Process("timer-esp", Start() + Task("work", "timer-esp-work") + End() + Flows("start->work->end") +
            EventSubProcess("expire", StartWith("expireStart", TimerDuration("PT30M")) + End("expired") + Flows("expireStart->expired"))));
        var key = await StartAsync("timer-esp");
        (await TimersAsync(key)).ShouldHaveSingleItem().ElementId.ShouldBe("expireStart");

        Clock.Advance(TimeSpan.FromMinutes(30));
        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
        (await HistoryAsync(key)).ShouldBe(["start", "expireStart", "expired", "expire", "timer-esp"]);
    }

    [Test]
    public async Task A_timer_start_event_creates_instances_on_its_cycle()
    {
        await DeployAsync(Process("timer-start", StartWith("tick", TimerCycle("R2/PT1M")) + Task("work", "timer-start-work") + End() + Flows("tick->work->end")));

        for (var i = 1; i <= 2; i++)
        {
            var timerKey = await CountAsync(StartTimersOf("timer-start", "t.key"));
            timerKey.ShouldNotBe(0, $"firing {i}");
            Clock.Advance(TimeSpan.FromMinutes(1));
            (await Engine.TriggerTimerAsync(timerKey, CancellationToken.None)).Value.ShouldBeTrue();
        }

        (await CountAsync(StartTimersOf("timer-start", "count(*)"))).ShouldBe(0);
        var instances = await InstancesOfAsync("timer-start");
        instances.Count.ShouldBe(2);
        foreach (var key in instances)
        {
            (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        }
    }

    /// <summary>SQL selecting <paramref name="what"/> from the start-event timers of one process (other fixtures' processes have timers too).</summary>
    private static string StartTimersOf(string bpmnProcessId, string what) => $"""
        SELECT {what} FROM timer t JOIN process_definition d ON d.process_definition_key = t.process_definition_key
        WHERE t.process_instance_key IS NULL AND d.bpmn_process_id = '{bpmnProcessId}'
        """;

    [Test]
    public async Task A_timer_bound_to_a_business_calendar_is_due_in_working_time()
    {
        var saved = await new CalendarStore(DataSource).SaveAsync(TenantIds.Default, TestCalendars.CnSupportDefinition with { Name = "engine-cn" }, null, CancellationToken.None);
        saved.Status.ShouldBe(CalendarSaveStatus.Saved);
        await DeployAsync(Process("timer-calendar", Start() +
            """<bpmn:intermediateCatchEvent id="wait"><bpmn:extensionElements><zeebe:properties><zeebe:property name="businessCalendar" value="engine-cn" /></zeebe:properties></bpmn:extensionElements>""" +
            TimerDuration("PT2H") + "</bpmn:intermediateCatchEvent>" + End() + Flows("start->wait->end")));

        // Monday 23 Nov 2026 09:00 UTC is 17:00 in Shanghai: one working hour left today, the second on Tuesday from 09:00.
        var key = await StartAsync("timer-calendar");

        (await TimersAsync(key)).ShouldHaveSingleItem().DueAt.ShouldBe(new DateTime(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc));
    }

    [Test]
    public async Task An_interrupting_timer_boundary_on_a_user_task_cancels_the_task()
    {
        await DeployAsync(Process("timer-user", Start() + UserTask("review") + Boundary("late", "review", TimerDuration("P1D")) +
            End() + End("escalated") + Flows("start->review->end", "late->escalated")));
        var key = await StartAsync("timer-user");
        var task = (await OpenTasksAsync(key)).ShouldHaveSingleItem();

        Clock.Advance(TimeSpan.FromDays(1));
        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = task.Key })).ShouldBe(1);
    }

    [Test]
    public async Task Deploying_a_new_version_replaces_the_timer_start_event()
    {
        await DeployAsync(Process("timer-start-v", StartWith("tick", TimerCycle("R/PT1H")) + Task("one", "timer-start-v-one") + End() + Flows("tick->one->end")));
        await DeployAsync(Process("timer-start-v", StartWith("tick", TimerCycle("R/PT1H")) + Task("two", "timer-start-v-two") + End() + Flows("tick->two->end")));

        (await CountAsync(StartTimersOf("timer-start-v", "count(*)"))).ShouldBe(1);
        var timerKey = await CountAsync(StartTimersOf("timer-start-v", "t.key"));
        Clock.Advance(TimeSpan.FromHours(1));
        await Engine.TriggerTimerAsync(timerKey, CancellationToken.None);

        var key = (await InstancesOfAsync("timer-start-v")).ShouldHaveSingleItem();
        (await ActiveElementsAsync(key)).ShouldBe(["two"]);
    }

    [Test]
    public async Task Timer_times_come_from_feel_durations_dates_and_strings()
    {
        await DeployAsync(Process("timer-feel", Start() + Gateway("parallelGateway", "fork") +
            TimerCatch("byDuration", "=duration(wait)") + Catch("byDate", TimerDate("=date and time(deadline)")) + TimerCatch("byString", "=wait") +
            End("e1") + End("e2") + End("e3") + Flows("start->fork->byDuration->e1", "fork->byDate->e2", "fork->byString->e3")));
        var key = await StartAsync("timer-feel", Vars("""{"wait": "PT45M", "deadline": "2026-11-24T08:30:00Z"}"""));

        var timers = (await TimersAsync(key)).ToDictionary(t => t.ElementId, t => t.DueAt);
        timers["byDuration"].ShouldBe(StartTime.AddMinutes(45).UtcDateTime);
        timers["byString"].ShouldBe(StartTime.AddMinutes(45).UtcDateTime);
        timers["byDate"].ShouldBe(new DateTime(2026, 11, 24, 8, 30, 0, DateTimeKind.Utc));
    }

    [Test]
    public async Task A_timer_expression_that_is_not_a_time_raises_an_incident_that_resolving_after_a_fix_retries()
    {
        await DeployAsync(Process("timer-bad", Start() + TimerCatch("wait", "=wait") + End() + Flows("start->wait->end")));
        var key = await StartAsync("timer-bad", Vars("""{"wait": 5}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("EXTRACT_VALUE_ERROR");
        (await TimersAsync(key)).ShouldBeEmpty();

        await Engine.SetVariablesAsync(key, Vars("""{"wait": "PT5M"}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await TimersAsync(key)).ShouldHaveSingleItem().DueAt.ShouldBe(StartTime.AddMinutes(5).UtcDateTime);
    }

    [Test]
    public async Task A_process_without_a_none_start_event_cannot_be_started_by_command()
    {
        await DeployAsync(Process("timer-only", StartWith("tick", TimerCycle("R/PT1H")) + End() + Flows("tick->end")));

        var result = await Engine.CreateInstanceAsync("timer-only", null, null, null, CancellationToken.None);

        result.Ok.ShouldBeFalse();
        result.Error.ShouldBe(Processes.Engine.Execution.CommandError.InvalidState);
        result.Message!.ShouldContain("none start event");
        (await InstancesOfAsync("timer-only")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_timer_boundary_on_a_call_activity_terminates_the_child()
    {
        await DeployAsync(Process("timer-child", Start() + Task("work", "timer-child-work") + End() + Flows("start->work->end")), "child.bpmn");
        await DeployAsync(Process("timer-parent", Start() + CallActivity("call", "timer-child") + Boundary("late", "call", TimerDuration("PT1H")) +
            End() + End("timedOut") + Flows("start->call->end", "late->timedOut")));
        var parent = await StartAsync("timer-parent");
        var child = (await InstancesOfAsync("timer-child")).ShouldHaveSingleItem();

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(parent);

        (await StateAsync(parent)).ShouldBe("COMPLETED");
        (await StateAsync(child)).ShouldBe("TERMINATED");
        (await ActivateAsync("timer-child-work")).ShouldBeEmpty();
    }
}
