using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class MultiInstanceTests : EngineTest
{
    [Test]
    public async Task Parallel_multi_instance_runs_one_inner_instance_per_item_and_collects_the_outputs_in_order()
    {
        await DeployAsync(Process("mi-par", Start() +
            MultiTask("each", "mi-par-each", Loop("=items", "item", "results", "=doubled")) + End() + Flows("start->each->end")));
        var key = await StartAsync("mi-par", Vars("""{"items": [1, 2, 3]}"""));

        var jobs = await ActivateAsync("mi-par-each");
        jobs.Count.ShouldBe(3);
        jobs.Select(j => j.Variables["item"]!.GetValue<int>()).ShouldBe([1, 2, 3], ignoreOrder: true);
        jobs.Select(j => j.Variables["loopCounter"]!.GetValue<int>()).ShouldBe([1, 2, 3], ignoreOrder: true);
        foreach (var job in jobs.OrderByDescending(j => j.Variables["loopCounter"]!.GetValue<int>()))
        {
            var item = job.Variables["item"]!.GetValue<int>();
            (await Engine.CompleteJobAsync(job.Key, Vars($$"""{"doubled": {{item * 2}}}"""), CancellationToken.None)).Ok.ShouldBeTrue();
        }

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["results"]!.ToJsonString().ShouldBe("[2,4,6]");
        (await HistoryAsync(key)).Count(e => e == "each").ShouldBe(4, "three inner instances and the body");
    }

    [Test]
    public async Task Sequential_multi_instance_runs_the_items_one_after_another()
    {
        await DeployAsync(Process("mi-seq", Start() +
            MultiTask("each", "mi-seq-each", Loop("=items", "item", "results", "=item + &quot;!&quot;", sequential: true)) + End() + Flows("start->each->end")));
        var key = await StartAsync("mi-seq", Vars("""{"items": ["a", "b"]}"""));

        var seen = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            var job = (await ActivateAsync("mi-seq-each")).ShouldHaveSingleItem($"only one at a time (round {i})");
            job.Variables["loopCounter"]!.GetValue<int>().ShouldBe(i);
            seen.Add(job.Variables["item"]!.GetValue<string>());
            await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None);
        }

        seen.ShouldBe(["a", "b"]);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["results"]!.ToJsonString().ShouldBe("""["a!","b!"]""");
    }

    [Test]
    public async Task A_completion_condition_ends_the_body_and_terminates_the_remaining_instances()
    {
        await DeployAsync(Process("mi-cond", Start() +
            MultiTask("each", "mi-cond-each", Loop("=items", "item", completionCondition: "=numberOfCompletedInstances &gt;= 2")) +
            Task("after", "mi-cond-after") + End() + Flows("start->each->after->end")));
        var key = await StartAsync("mi-cond", Vars("""{"items": [1, 2, 3, 4]}"""));

        var jobs = await ActivateAsync("mi-cond-each");
        jobs.Count.ShouldBe(4);
        (await Engine.CompleteJobAsync(jobs[0].Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActiveElementsAsync(key)).Count(e => e == "each").ShouldBe(4, "the body and three inner instances");
        (await Engine.CompleteJobAsync(jobs[1].Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["each", "each"]);
        (await Engine.CompleteJobAsync(jobs[2].Key, null, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.NotFound);
    }

    [Test]
    public async Task An_empty_collection_completes_the_body_at_once()
    {
        await DeployAsync(Process("mi-empty", Start() +
            MultiTask("each", "mi-empty-each", Loop("=items", "item", "results", "=item")) + End() + Flows("start->each->end")));
        var key = await StartAsync("mi-empty", Vars("""{"items": []}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["results"]!.ToJsonString().ShouldBe("[]");
    }

    [Test]
    public async Task A_multi_instance_subprocess_gives_each_inner_instance_its_own_item()
    {
        await DeployAsync(Process("mi-sub", Start() +
            "<bpmn:subProcess id=\"sub\">" + Start("s_start") + Task("inner", "mi-sub-inner") + End("s_end") + Flows("s_start->inner->s_end") +
            Loop("=customers", "customer", "greetings", "=greeting") + "</bpmn:subProcess>" +
            End() + Flows("start->sub->end")));
        var key = await StartAsync("mi-sub", Vars("""{"customers": ["x", "y"]}"""));

        var jobs = await ActivateAsync("mi-sub-inner");
        jobs.Count.ShouldBe(2);
        foreach (var job in jobs)
        {
            var customer = job.Variables["customer"]!.GetValue<string>();
            await Engine.CompleteJobAsync(job.Key, Vars($$"""{"greeting": "hi {{customer}}"}"""), CancellationToken.None);
        }

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["greetings"]!.ToJsonString().ShouldBe("""["hi x","hi y"]""");
    }

    [Test]
    public async Task A_multi_instance_user_task_creates_one_task_per_item()
    {
        await DeployAsync(Process("mi-user", Start() +
            "<bpmn:userTask id=\"approve\"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition assignee=\"=approver\" /></bpmn:extensionElements>" +
            Loop("=approvers", "approver") + "</bpmn:userTask>" + End() + Flows("start->approve->end")));
        var key = await StartAsync("mi-user", Vars("""{"approvers": ["ann", "bob"]}"""));

        var tasks = await OpenTasksAsync(key);
        tasks.Select(t => t.Assignee).ShouldBe(["ann", "bob"], ignoreOrder: true);
        foreach (var task in tasks)
        {
            (await Engine.CompleteUserTaskAsync(task.Key, null, null, task.Assignee, CancellationToken.None)).Ok.ShouldBeTrue();
        }

        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_timer_boundary_on_the_body_cancels_every_inner_instance()
    {
        await DeployAsync(Process("mi-timer", Start() +
            MultiTask("each", "mi-timer-each", Loop("=items", "item")) + Boundary("late", "each", TimerDuration("PT1H")) +
            End() + End("timedOut") + Flows("start->each->end", "late->timedOut")));
        var key = await StartAsync("mi-timer", Vars("""{"items": [1, 2, 3]}"""));
        (await TimersAsync(key)).ShouldHaveSingleItem("one timer, on the body, not one per inner instance");
        var jobs = await ActivateAsync("mi-timer-each");
        jobs.Count.ShouldBe(3);
        Clock.Advance(TimeSpan.FromHours(1));

        await FireTimersAsync(key);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("timedOut");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["each", "each", "each", "each"], "three inner instances and the body");
        (await Engine.CompleteJobAsync(jobs[0].Key, null, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.NotFound);
    }

    [Test]
    public async Task An_input_collection_that_is_not_a_list_raises_an_incident_that_resolving_after_a_fix_retries()
    {
        await DeployAsync(Process("mi-bad", Start() + MultiTask("each", "mi-bad-each", Loop("=items", "item")) + End() + Flows("start->each->end")));
        var key = await StartAsync("mi-bad", Vars("""{"items": "not a list"}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("EXTRACT_VALUE_ERROR");
        await Engine.SetVariablesAsync(key, Vars("""{"items": [1, 2]}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await CompleteJobsAsync("mi-bad-each")).ShouldBe(2);
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_terminate_end_event_in_a_multi_instance_subprocess_ends_only_its_inner_instance()
    {
        await DeployAsync(Process("mi-term", Start() +
            "<bpmn:subProcess id=\"sub\">" + Start("s_start") + Gateway("exclusiveGateway", "skip", "default=\"skip_inner\"") +
            Task("inner", "mi-term-inner") + End("s_end") + EndWith("kill", TerminateDef()) +
            Flows("s_start->skip", "skip->inner->s_end") + ConditionalFlow("skip", "kill", "=item = 2") +
            Loop("=items", "item") + "</bpmn:subProcess>" + Task("after", "mi-term-after") + End() + Flows("start->sub->after->end")));
        var key = await StartAsync("mi-term", Vars("""{"items": [1, 2, 3]}"""));

        (await CompleteJobsAsync("mi-term-inner")).ShouldBe(2, "item 2 went to the terminate end event");
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
    }

    [Test]
    public async Task A_completion_condition_that_fails_raises_an_incident_and_resolving_re_evaluates_it_without_restarting_the_body()
    {
        await DeployAsync(Process("mi-cond-bad", Start() +
            MultiTask("each", "mi-cond-bad-each", Loop("=items", "item", completionCondition: "=enough")) +
            Task("after", "mi-cond-bad-after") + End() + Flows("start->each->after->end")));
        var key = await StartAsync("mi-cond-bad", Vars("""{"items": [1, 2, 3]}"""));
        var jobs = await ActivateAsync("mi-cond-bad-each");
        jobs.Count.ShouldBe(3);

        await Engine.CompleteJobAsync(jobs[0].Key, null, CancellationToken.None);

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CONDITION_ERROR");
        await Engine.SetVariablesAsync(key, Vars("""{"enough": true}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["after"], "the condition now holds: the body completes and the other two end");
        (await HistoryAsync(key, "ELEMENT_ACTIVATED")).Count(e => e == "each").ShouldBe(4, "the body and its three inner instances, once");
    }

    [Test]
    public async Task A_multi_instance_script_task_whose_instances_complete_at_once_runs_every_item()
    {
        await DeployAsync(Process("mi-script", Start() +
            "<bpmn:scriptTask id=\"each\"><bpmn:extensionElements><zeebe:script expression=\"=item * 10\" resultVariable=\"scaled\" /></bpmn:extensionElements>" +
            Loop("=items", "item", "results", "=scaled") + "</bpmn:scriptTask>" +
            Task("after", "mi-script-after") + End() + Flows("start->each->after->end")));
        await DeployAsync(Process("mi-script-seq", Start() +
            "<bpmn:scriptTask id=\"each\"><bpmn:extensionElements><zeebe:script expression=\"=item * 10\" resultVariable=\"scaled\" /></bpmn:extensionElements>" +
            Loop("=items", "item", "results", "=scaled", sequential: true) + "</bpmn:scriptTask>" +
            Task("after", "mi-script-after") + End() + Flows("start->each->after->end")), "seq.bpmn");
        foreach (var processId in new[] { "mi-script", "mi-script-seq" })
        {
            var key = await StartAsync(processId, Vars("""{"items": [1, 2, 3]}"""));

            (await ActiveElementsAsync(key)).ShouldBe(["after"]);
            (await HistoryAsync(key)).Count(e => e == "each").ShouldBe(4, "three inner instances and the body, each completed once");
            (await VariablesAsync(key))["results"]!.ToJsonString().ShouldBe("[10,20,30]");
        }
    }

    [Test]
    public async Task A_completion_condition_met_while_instances_complete_at_once_stops_starting_items()
    {
        await DeployAsync(Process("mi-script-cond", Start() +
            "<bpmn:scriptTask id=\"each\"><bpmn:extensionElements><zeebe:script expression=\"=item * 10\" resultVariable=\"scaled\" /></bpmn:extensionElements>" +
            Loop("=items", "item", "results", "=scaled", completionCondition: "=numberOfCompletedInstances &gt;= 2") + "</bpmn:scriptTask>" +
            End() + Flows("start->each->end")));

        var key = await StartAsync("mi-script-cond", Vars("""{"items": [1, 2, 3, 4]}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_ACTIVATED")).Count(e => e == "each").ShouldBe(3, "the body and two inner instances");
        (await VariablesAsync(key))["results"]!.ToJsonString().ShouldBe("[10,20,null,null]");
    }
}
