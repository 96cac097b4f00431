using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class ErrorAndEscalationTests : EngineTest
{
    [Test]
    public async Task A_job_error_is_caught_by_the_boundary_with_its_code_and_its_variables_arrive()
    {
        await DeployAsync(Process("err-code", Start() + Task("work", "err-code-work") +
            Boundary("onFraud", "work", ErrorDef("e_fraud")) + Boundary("onOther", "work", ErrorDef("e_other")) +
            Task("review", "err-code-review") + End() + End("e2") + End("e3") +
            Flows("start->work->end", "onFraud->review->e2", "onOther->e3"),
            Error("e_fraud", "FRAUD") + Error("e_other", "OTHER")));
        var key = await StartAsync("err-code");

        var job = (await ActivateAsync("err-code-work")).ShouldHaveSingleItem();
        (await Engine.ThrowJobErrorAsync(job.Key, "FRAUD", "card stolen", Vars("""{"score": 99}"""), CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["review"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
        (await HistoryAsync(key)).ShouldBe(["start", "onFraud"]);
        (await VariablesAsync(key))["score"]!.GetValue<int>().ShouldBe(99);
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.NotFound);
    }

    [Test]
    public async Task A_boundary_without_an_error_code_catches_every_error()
    {
        await DeployAsync(Process("err-all", Start() + Task("work", "err-all-work") + Boundary("any", "work", ErrorDef()) + End() + End("caught") +
            Flows("start->work->end", "any->caught")));
        var key = await StartAsync("err-all");

        var job = (await ActivateAsync("err-all-work")).ShouldHaveSingleItem();
        await Engine.ThrowJobErrorAsync(job.Key, "WHATEVER", null, null, CancellationToken.None);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("caught");
    }

    [Test]
    public async Task An_error_end_event_in_a_subprocess_is_caught_by_the_subprocess_boundary()
    {
        await DeployAsync(Process("err-sub", Start() +
            SubProcess("sub", Start("s_start") + EndWith("fail", ErrorDef("e")) + Flows("s_start->fail")) +
            Boundary("caught", "sub", ErrorDef("e")) + End() + End("handled") + Flows("start->sub->end", "caught->handled"),
            Error("e", "SUB_FAILED")));
        var key = await StartAsync("err-sub");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldBe(["start", "s_start", "caught", "handled", "err-sub"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["fail", "sub"]);
    }

    [Test]
    public async Task An_interrupting_error_event_subprocess_takes_over_the_process()
    {
        await DeployAsync(Process("err-esp", Start() + Gateway("parallelGateway", "fork") + Task("work", "err-esp-work") + Task("other", "err-esp-other") +
            End("e1") + End("e2") + Flows("start->fork->work->e1", "fork->other->e2") +
            EventSubProcess("onError", StartWith("errStart", ErrorDef("e")) + Task("cleanup", "err-esp-cleanup") + End("errEnd") +
                Flows("errStart->cleanup->errEnd")),
            Error("e", "BROKEN")));
        var key = await StartAsync("err-esp");

        var job = (await ActivateAsync("err-esp-work")).ShouldHaveSingleItem();
        await Engine.ThrowJobErrorAsync(job.Key, "BROKEN", null, null, CancellationToken.None);

        (await ActiveElementsAsync(key)).ShouldBe(["cleanup", "onError"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work", "other"], ignoreOrder: true);
        (await ActivateAsync("err-esp-other")).ShouldBeEmpty();
        await CompleteJobsAsync("err-esp-cleanup");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task An_uncaught_job_error_raises_an_unhandled_error_incident()
    {
        await DeployAsync(Process("err-none", Start() + Task("work", "err-none-work") + End() + Flows("start->work->end")));
        var key = await StartAsync("err-none");

        var job = (await ActivateAsync("err-none-work")).ShouldHaveSingleItem();
        await Engine.ThrowJobErrorAsync(job.Key, "NOBODY", "no catch", null, CancellationToken.None);

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("UNHANDLED_ERROR_EVENT");
        incident.ElementId.ShouldBe("work");
        incident.Message.ShouldContain("NOBODY");
        (await StateAsync(key)).ShouldBe("ACTIVE");
    }

    [Test]
    public async Task An_error_thrown_in_a_called_child_is_caught_on_the_call_activity_and_the_child_is_terminated()
    {
        await DeployAsync(Process("err-child", Start() + Task("work", "err-child-work") + End() + Flows("start->work->end")), "child.bpmn");
        await DeployAsync(Process("err-parent", Start() + CallActivity("call", "err-child") + Boundary("caught", "call", ErrorDef("e")) +
            End() + End("handled") + Flows("start->call->end", "caught->handled"), Error("e", "CHILD_FAILED")));
        var parent = await StartAsync("err-parent");
        var child = (await InstancesOfAsync("err-child")).ShouldHaveSingleItem();

        var job = (await ActivateAsync("err-child-work")).ShouldHaveSingleItem();
        job.ProcessInstanceKey.ShouldBe(child);
        (await Engine.ThrowJobErrorAsync(job.Key, "CHILD_FAILED", null, null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(parent)).ShouldBe("COMPLETED");
        (await StateAsync(child)).ShouldBe("TERMINATED");
        (await HistoryAsync(parent)).ShouldContain("handled");
    }

    private static string EscalationModel(string id, bool interrupting) => Process(id, Start() +
        SubProcess("sub", Start("s_start") + Throw("raise", EscalationDef("esc")) + Task("inner", $"{id}-inner") + End("s_end") +
            Flows("s_start->raise->inner->s_end")) +
        Boundary("escalated", "sub", EscalationDef("esc"), interrupting) + Task("notify", $"{id}-notify") + End() + End("e2") +
        Flows("start->sub->end", "escalated->notify->e2"),
        Escalation("esc", "LATE"));

    [Test]
    public async Task A_non_interrupting_escalation_boundary_lets_both_paths_continue()
    {
        await DeployAsync(EscalationModel("esc-non", interrupting: false));
        var key = await StartAsync("esc-non");

        (await ActiveElementsAsync(key)).ShouldBe(["inner", "notify", "sub"]);
        await CompleteJobsAsync("esc-non-inner");
        await CompleteJobsAsync("esc-non-notify");
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("raise");
    }

    [Test]
    public async Task An_interrupting_escalation_boundary_cancels_the_subprocess()
    {
        await DeployAsync(EscalationModel("esc-int", interrupting: true));
        var key = await StartAsync("esc-int");

        (await ActiveElementsAsync(key)).ShouldBe(["notify"]);
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["raise", "sub"]);
        await CompleteJobsAsync("esc-int-notify");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task An_uncaught_escalation_is_no_failure_and_the_flow_continues()
    {
        await DeployAsync(Process("esc-none", Start() + Throw("raise", EscalationDef("esc")) + End() + Flows("start->raise->end"), Escalation("esc", "NOONE")));
        var key = await StartAsync("esc-none");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await IncidentsAsync(key)).ShouldBeEmpty();
        (await HistoryAsync(key, "ESCALATION_THROWN")).ShouldBe(["raise"]);
    }

    [Test]
    public async Task An_error_from_a_called_child_is_caught_by_an_error_event_subprocess_of_the_parent()
    {
        await DeployAsync(Process("err-child2", Start() + EndWith("fail", ErrorDef("e")) + Flows("start->fail"), Error("e", "CHILD_DOWN")), "child2.bpmn");
        await DeployAsync(Process("err-parent2", Start() + CallActivity("call", "err-child2") + End() + Flows("start->call->end") +
            EventSubProcess("onError", StartWith("errStart", ErrorDef("e")) + Task("recover", "err-parent2-recover") + End("errEnd") + Flows("errStart->recover->errEnd")),
            Error("e", "CHILD_DOWN")));
        var parent = await StartAsync("err-parent2");

        var child = (await InstancesOfAsync("err-child2")).ShouldHaveSingleItem();
        (await StateAsync(child)).ShouldBe("TERMINATED");
        (await ActiveElementsAsync(parent)).ShouldBe(["onError", "recover"]);
        (await HistoryAsync(parent, "ELEMENT_TERMINATED")).ShouldBe(["call"]);
    }

    [Test]
    public async Task An_error_end_event_in_a_called_child_without_a_catch_raises_an_incident_in_the_child()
    {
        await DeployAsync(Process("err-child3", Start() + EndWith("fail", ErrorDef("e")) + Flows("start->fail"), Error("e", "NOBODY_CATCHES")), "child3.bpmn");
        await DeployAsync(Process("err-parent3", Start() + CallActivity("call", "err-child3") + End() + Flows("start->call->end")));
        var parent = await StartAsync("err-parent3");

        var child = (await InstancesOfAsync("err-child3")).ShouldHaveSingleItem();
        var incident = (await IncidentsAsync(child)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("UNHANDLED_ERROR_EVENT");
        incident.ElementId.ShouldBe("fail");
        (await StateAsync(parent)).ShouldBe("ACTIVE");
    }

    [Test]
    public async Task An_escalation_from_a_called_child_reaches_a_non_interrupting_boundary_on_the_call_activity()
    {
        await DeployAsync(Process("esc-child", Start() + Throw("raise", EscalationDef("esc")) + Task("work", "esc-child-work") + End() +
            Flows("start->raise->work->end"), Escalation("esc", "HELP")), "esc-child.bpmn");
        await DeployAsync(Process("esc-parent", Start() + CallActivity("call", "esc-child") + Boundary("helped", "call", EscalationDef("esc"), interrupting: false) +
            Task("help", "esc-parent-help") + End() + End("e2") + Flows("start->call->end", "helped->help->e2"), Escalation("esc", "HELP")));
        var parent = await StartAsync("esc-parent");

        (await ActiveElementsAsync(parent)).ShouldBe(["call", "help"]);
        await CompleteJobsAsync("esc-child-work");
        await CompleteJobsAsync("esc-parent-help");
        (await StateAsync(parent)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_job_error_in_a_multi_instance_inner_instance_is_caught_on_the_body()
    {
        await DeployAsync(Process("err-mi", Start() + MultiTask("each", "err-mi-each", Loop("=items", "item")) + Boundary("caught", "each", ErrorDef("e")) +
            End() + End("handled") + Flows("start->each->end", "caught->handled"), Error("e", "ITEM_BAD")));
        var key = await StartAsync("err-mi", Vars("""{"items": [1, 2]}"""));

        var jobs = await ActivateAsync("err-mi-each");
        await Engine.ThrowJobErrorAsync(jobs[0].Key, "ITEM_BAD", null, null, CancellationToken.None);

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).Count(e => e == "each").ShouldBe(3, "both inner instances and the body");
    }

    [Test]
    public async Task A_non_interrupting_escalation_event_subprocess_catches_an_escalation_end_event_of_a_subprocess()
    {
        await DeployAsync(Process("esc-esp", Start() + Gateway("parallelGateway", "fork") + Task("work", "esc-esp-work") + End("e1") +
            SubProcess("sub", Start("s_start") + EndWith("raise", EscalationDef("esc")) + Flows("s_start->raise")) + End("e2") +
            Flows("start->fork->work->e1", "fork->sub->e2") +
            EventSubProcess("onEsc", StartWith("escStart", EscalationDef("esc"), interrupting: false) + Task("handle", "esc-esp-handle") + End("escEnd") +
                Flows("escStart->handle->escEnd")),
            Escalation("esc", "MORE")));
        var key = await StartAsync("esc-esp");

        (await ActiveElementsAsync(key)).ShouldBe(["handle", "onEsc", "work"]);
        (await HistoryAsync(key)).ShouldContain("sub", "the non-interrupting catch lets the end event complete its subprocess");
        await CompleteJobsAsync("esc-esp-handle");
        await CompleteJobsAsync("esc-esp-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_boundary_with_the_matching_code_takes_precedence_over_a_catch_all_one()
    {
        await DeployAsync(Process("err-precedence", Start() + Task("work", "err-precedence-work") +
            Boundary("any", "work", ErrorDef()) + Boundary("exact", "work", ErrorDef("e")) +
            End() + End("byAny") + End("byExact") + Flows("start->work->end", "any->byAny", "exact->byExact"), Error("e", "EXACT")));
        var key = await StartAsync("err-precedence");

        var job = (await ActivateAsync("err-precedence-work")).ShouldHaveSingleItem();
        await Engine.ThrowJobErrorAsync(job.Key, "EXACT", null, null, CancellationToken.None);

        (await HistoryAsync(key)).ShouldContain("byExact");
        (await HistoryAsync(key)).ShouldNotContain("byAny");
    }

    [Test]
    public async Task An_error_end_event_evaluates_its_error_code_expression()
    {
        await DeployAsync(Process("err-expr", Start() +
            SubProcess("sub", Start("s_start") + EndWith("fail", ErrorDef("thrown")) + Flows("s_start->fail")) +
            Boundary("caught", "sub", ErrorDef("expected")) + End() + End("handled") + Flows("start->sub->end", "caught->handled"),
            "<bpmn:error id=\"thrown\" errorCode=\"=reason\" />" + Error("expected", "OUT_OF_STOCK")));
        var key = await StartAsync("err-expr", Vars("""{"reason": "OUT_OF_STOCK"}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("handled");
    }
}
