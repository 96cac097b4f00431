using Processes.Engine.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class MessageTests : EngineTest
{
    private static string CatchModel(string id) => Process(id,
        Start() + MessageCatch("wait", "m") + Task("after", $"{id}-after") + End() + Flows("start->wait->after->end"),
        MessageWithKey("m", $"{id}-msg", "=order.id"));

    [Test]
    public async Task Intermediate_catch_subscribes_with_the_correlation_key_from_feel_and_its_variables_propagate()
    {
        await DeployAsync(CatchModel("msg-catch"));
        var key = await StartAsync("msg-catch", Vars("""{"order": {"id": "A-7"}}"""));

        (await MessageSubscriptionsAsync(key)).ShouldBe(["msg-catch-msg:A-7@wait"]);
        (await PublishAsync("msg-catch-msg", "other")).Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();
        (await ActiveElementsAsync(key)).ShouldBe(["wait"]);

        var published = await PublishAsync("msg-catch-msg", "A-7", Vars("""{"paid": 12.5}"""));

        published.Value!.CorrelatedProcessInstanceKeys.ShouldBe([key]);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
        (await VariablesAsync(key))["paid"]!.GetValue<decimal>().ShouldBe(12.5m);
        (await HistoryAsync(key, "MESSAGE_CORRELATED")).ShouldHaveSingleItem().ShouldBe("wait");
    }

    [Test]
    public async Task A_receive_task_waits_for_its_message()
    {
        await DeployAsync(Process("receiving", Start() + ReceiveTask("receive", "m") + End() + Flows("start->receive->end"),
            MessageWithKey("m", "receive-msg", "=ref")));
        var key = await StartAsync("receiving", Vars("""{"ref": "r1"}"""));
        (await ActiveElementsAsync(key)).ShouldBe(["receive"]);

        await PublishAsync("receive-msg", "r1", Vars("""{"answer": "yes"}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["answer"]!.GetValue<string>().ShouldBe("yes");
        (await HistoryAsync(key)).ShouldBe(["start", "receive", "end", "receiving"]);
    }

    [Test]
    public async Task A_buffered_message_correlates_when_the_catch_is_reached_within_its_time_to_live()
    {
        await DeployAsync(Process("buffered", Start() + Task("first", "buffered-first") + MessageCatch("wait", "m") + End() +
            Flows("start->first->wait->end"), MessageWithKey("m", "buffered-msg", "=ref")));
        var key = await StartAsync("buffered", Vars("""{"ref": "b1"}"""));

        var published = await PublishAsync("buffered-msg", "b1", Vars("""{"early": true}"""), TimeSpan.FromMinutes(10));
        published.Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();

        Clock.Advance(TimeSpan.FromMinutes(5));
        await CompleteJobsAsync("buffered-first");

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["early"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Test]
    public async Task A_buffered_message_past_its_time_to_live_does_not_correlate()
    {
        await DeployAsync(Process("expired", Start() + Task("first", "expired-first") + MessageCatch("wait", "m") + End() +
            Flows("start->first->wait->end"), MessageWithKey("m", "expired-msg", "=ref")));
        var key = await StartAsync("expired", Vars("""{"ref": "e1"}"""));
        await PublishAsync("expired-msg", "e1", null, TimeSpan.FromMinutes(1));

        Clock.Advance(TimeSpan.FromMinutes(2));
        await CompleteJobsAsync("expired-first");

        (await ActiveElementsAsync(key)).ShouldBe(["wait"]);
        (await MessageSubscriptionsAsync(key)).ShouldBe(["expired-msg:e1@wait"]);
    }

    [Test]
    public async Task A_message_id_is_refused_while_a_message_with_it_is_buffered()
    {
        (await PublishAsync("dedup-msg", "k", null, TimeSpan.FromHours(1), "id-1")).Ok.ShouldBeTrue();

        var again = await PublishAsync("dedup-msg", "k", null, TimeSpan.FromHours(1), "id-1");

        again.Error.ShouldBe(CommandError.AlreadyExists);
        (await PublishAsync("dedup-msg", "k", null, TimeSpan.FromHours(1), "id-2")).Ok.ShouldBeTrue();
    }

    [Test]
    public async Task A_message_correlates_once_per_process_to_the_oldest_waiting_instance()
    {
        // Zeebe: a message is correlated at most once per BPMN process id; with several subscriptions of the same
        // process waiting, one (here the oldest) gets it.
        await DeployAsync(CatchModel("msg-once"));
        var first = await StartAsync("msg-once", Vars("""{"order": {"id": "same"}}"""));
        var second = await StartAsync("msg-once", Vars("""{"order": {"id": "same"}}"""));

        (await PublishAsync("msg-once-msg", "same")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([first]);

        (await ActiveElementsAsync(first)).ShouldBe(["after"]);
        (await ActiveElementsAsync(second)).ShouldBe(["wait"]);
        (await PublishAsync("msg-once-msg", "same")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([second]);
        (await ActiveElementsAsync(second)).ShouldBe(["after"]);
    }

    [Test]
    public async Task A_message_start_event_creates_an_instance_with_the_message_variables()
    {
        await DeployAsync(Process("msg-start", StartWith("start", MessageDef("m")) + Task("handle", "msg-start-handle") + End() +
            Flows("start->handle->end"), Message("m", "msg-start-order")));

        var published = await PublishAsync("msg-start-order", "", Vars("""{"orderId": "S-1"}"""));

        var key = published.Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        (await InstancesOfAsync("msg-start")).ShouldBe([key]);
        (await ActiveElementsAsync(key)).ShouldBe(["handle"]);
        (await VariablesAsync(key))["orderId"]!.GetValue<string>().ShouldBe("S-1");
    }

    [Test]
    public async Task Correlating_a_message_nothing_waits_for_is_not_found()
    {
        var result = await Engine.CorrelateMessageAsync("nobody-waits", "k", null, CancellationToken.None);

        result.Error.ShouldBe(CommandError.NotFound);
        result.Message!.ShouldContain("nobody-waits");
    }

    [Test]
    public async Task Correlating_a_message_reaches_a_waiting_instance()
    {
        await DeployAsync(CatchModel("msg-correlate"));
        var key = await StartAsync("msg-correlate", Vars("""{"order": {"id": "C-1"}}"""));

        var result = await Engine.CorrelateMessageAsync("msg-correlate-msg", "C-1", Vars("""{"via": "correlate"}"""), CancellationToken.None);

        result.Value!.CorrelatedProcessInstanceKeys.ShouldBe([key]);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await VariablesAsync(key))["via"]!.GetValue<string>().ShouldBe("correlate");
    }

    [Test]
    public async Task An_interrupting_message_boundary_cancels_the_task_and_a_non_interrupting_one_keeps_it()
    {
        await DeployAsync(Process("msg-boundary", Start() + Task("work", "msg-boundary-work") +
            Boundary("cancel", "work", MessageDef("m_cancel")) + Boundary("note", "work", MessageDef("m_note"), interrupting: false) +
            End() + End("cancelled") + End("noted") + Flows("start->work->end", "cancel->cancelled", "note->noted"),
            MessageWithKey("m_cancel", "msg-boundary-cancel", "=id") + MessageWithKey("m_note", "msg-boundary-note", "=id")));
        var key = await StartAsync("msg-boundary", Vars("""{"id": "b-1"}"""));
        (await MessageSubscriptionsAsync(key)).ShouldBe(["msg-boundary-cancel:b-1@cancel", "msg-boundary-note:b-1@note"]);

        await PublishAsync("msg-boundary-note", "b-1", Vars("""{"note": "hi"}"""));
        (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        (await HistoryAsync(key)).ShouldContain("noted");
        (await MessageSubscriptionsAsync(key)).ShouldBe(["msg-boundary-cancel:b-1@cancel", "msg-boundary-note:b-1@note"]);

        await PublishAsync("msg-boundary-cancel", "b-1");
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work"]);
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
        (await VariablesAsync(key))["note"]!.GetValue<string>().ShouldBe("hi");
    }

    [Test]
    public async Task A_buffered_message_correlates_to_only_one_instance_of_a_process()
    {
        await DeployAsync(Process("buffered-once", Start() + Task("first", "buffered-once-first") + MessageCatch("wait", "m") + End() +
            Flows("start->first->wait->end"), MessageWithKey("m", "buffered-once-msg", "=ref")));
        var a = await StartAsync("buffered-once", Vars("""{"ref": "same"}"""));
        var b = await StartAsync("buffered-once", Vars("""{"ref": "same"}"""));
        await PublishAsync("buffered-once-msg", "same", null, TimeSpan.FromHours(1));

        await CompleteJobsAsync("buffered-once-first");

        var states = new[] { await StateAsync(a), await StateAsync(b) };
        states.Count(s => s == "COMPLETED").ShouldBe(1, "the buffered message correlates once per process");
    }

    [Test]
    public async Task A_numeric_correlation_key_is_compared_as_text()
    {
        await DeployAsync(Process("msg-number", Start() + MessageCatch("wait", "m") + End() + Flows("start->wait->end"),
            MessageWithKey("m", "msg-number-msg", "=orderNo")));
        var key = await StartAsync("msg-number", Vars("""{"orderNo": 123}"""));

        (await MessageSubscriptionsAsync(key)).ShouldBe(["msg-number-msg:123@wait"]);
        await PublishAsync("msg-number-msg", "123");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_message_reaches_a_catch_inside_a_called_child_and_the_parent_moves_on()
    {
        await DeployAsync(Process("msg-child", Start() + MessageCatch("wait", "m") + End() + Flows("start->wait->end"),
            MessageWithKey("m", "msg-child-msg", "=ref")), "child.bpmn");
        await DeployAsync(Process("msg-parent", Start() + CallActivity("call", "msg-child") + End() + Flows("start->call->end")));
        var parent = await StartAsync("msg-parent", Vars("""{"ref": "p-1"}"""));

        await PublishAsync("msg-child-msg", "p-1", Vars("""{"reply": 42}"""));

        (await StateAsync(parent)).ShouldBe("COMPLETED");
        (await VariablesAsync(parent))["reply"]!.GetValue<int>().ShouldBe(42);
    }

    [Test]
    public async Task A_buffered_message_is_not_used_up_by_a_subscription_that_closed_in_the_same_command()
    {
        // Both buffered messages match the gateway's two catches; the first wins and closes the other subscription,
        // so the second message stays available to the next instance of the process.
        await DeployAsync(Process("buffered-ebg", Start() + Task("first", "buffered-ebg-first") + Gateway("eventBasedGateway", "gw") +
            Catch("a", MessageDef("m_a")) + Catch("b", MessageDef("m_b")) + End("ea") + End("eb") +
            Flows("start->first->gw", "gw->a->ea", "gw->b->eb"),
            MessageWithKey("m_a", "buffered-ebg-a", "=ref") + MessageWithKey("m_b", "buffered-ebg-b", "=ref")));
        var one = await StartAsync("buffered-ebg", Vars("""{"ref": "r"}"""));
        var two = await StartAsync("buffered-ebg", Vars("""{"ref": "r"}"""));
        await PublishAsync("buffered-ebg-a", "r", null, TimeSpan.FromHours(1));
        await PublishAsync("buffered-ebg-b", "r", null, TimeSpan.FromHours(1));

        var jobs = await ActivateAsync("buffered-ebg-first");
        await Engine.CompleteJobAsync(jobs.Single(j => j.ProcessInstanceKey == one).Key, null, CancellationToken.None);
        (await StateAsync(one)).ShouldBe("COMPLETED");
        (await HistoryAsync(one, "MESSAGE_CORRELATED")).Count.ShouldBe(1);

        await Engine.CompleteJobAsync(jobs.Single(j => j.ProcessInstanceKey == two).Key, null, CancellationToken.None);
        (await StateAsync(two)).ShouldBe("COMPLETED", "the message the first instance did not use is still buffered for this process");
    }

    [Test]
    public async Task A_message_start_event_starts_one_active_instance_per_correlation_key_and_a_buffered_one_starts_the_next()
    {
        // Camunda 8: while an instance that a message with key K started is active, another message with K does not
        // start a second one; buffered, it starts the next instance when the active one ends.
        await DeployAsync(Process("msg-start-key", StartWith("start", MessageDef("m")) + Task("handle", "msg-start-key-handle") + End() +
            Flows("start->handle->end"), Message("m", "msg-start-key-order")));

        var first = (await PublishAsync("msg-start-key-order", "k1", Vars("""{"n": 1}"""))).Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        (await PublishAsync("msg-start-key-order", "k1", Vars("""{"n": 2}"""), TimeSpan.FromHours(1))).Value!.CorrelatedProcessInstanceKeys
            .ShouldBeEmpty("an instance started with k1 is active");
        (await PublishAsync("msg-start-key-order", "k2")).Value!.CorrelatedProcessInstanceKeys.Count.ShouldBe(1, "another key starts its own instance");
        (await PublishAsync("msg-start-key-order", "")).Value!.CorrelatedProcessInstanceKeys.Count.ShouldBe(1);
        (await PublishAsync("msg-start-key-order", "")).Value!.CorrelatedProcessInstanceKeys.Count.ShouldBe(1, "an empty key always starts an instance");
        (await InstancesOfAsync("msg-start-key")).Count.ShouldBe(4);

        var job = (await ActivateAsync("msg-start-key-handle", 10)).Single(j => j.ProcessInstanceKey == first);
        await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None);

        (await StateAsync(first)).ShouldBe("COMPLETED");
        var instances = await InstancesOfAsync("msg-start-key");
        instances.Count.ShouldBe(5, "the buffered k1 message started the next instance when the first ended");
        (await VariablesAsync(instances.Last()))["n"]!.GetValue<int>().ShouldBe(2);
        (await PublishAsync("msg-start-key-order", "k1")).Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty("the second k1 instance is active");
    }

    [Test]
    public async Task Message_throw_events_and_message_end_events_are_done_by_job_workers()
    {
        await DeployAsync(Process("msg-throw", Start() +
            "<bpmn:intermediateThrowEvent id=\"notify\"><bpmn:extensionElements><zeebe:taskDefinition type=\"msg-throw-notify\" /></bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:intermediateThrowEvent>" +
            "<bpmn:endEvent id=\"reply\"><bpmn:extensionElements><zeebe:taskDefinition type=\"msg-throw-reply\" /></bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:endEvent>" +
            Flows("start->notify->reply")));
        var key = await StartAsync("msg-throw");

        (await CompleteJobsAsync("msg-throw-notify")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["reply"]);
        (await CompleteJobsAsync("msg-throw-reply")).ShouldBe(1);
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Deploying_a_new_version_moves_the_message_start_event_to_it()
    {
        string Model(string task) => Process("msg-start-v", StartWith("start", MessageDef("m")) + Task(task, $"msg-start-v-{task}") + End() +
            Flows($"start->{task}->end"), Message("m", "msg-start-v-go"));
        await DeployAsync(Model("one"));
        await DeployAsync(Model("two"));

        var key = (await PublishAsync("msg-start-v-go", "")).Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();

        (await ActiveElementsAsync(key)).ShouldBe(["two"]);
        (await CountAsync("SELECT count(*) FROM start_event_subscription WHERE bpmn_process_id = 'msg-start-v'")).ShouldBe(1);
    }

    [Test]
    public async Task A_message_id_can_be_used_again_once_its_message_expired()
    {
        (await PublishAsync("reuse-msg", "k", null, TimeSpan.FromMinutes(1), "id-1")).Ok.ShouldBeTrue();
        Clock.Advance(TimeSpan.FromMinutes(2));

        var again = await PublishAsync("reuse-msg", "k", Vars("""{"second": true}"""), TimeSpan.FromMinutes(1), "id-1");

        again.Ok.ShouldBeTrue(again.Message);
    }
}
