using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class GatewayTests : EngineTest
{
    private static string ExclusiveModel(string id, bool withDefault) => Process(id,
        Start() + Gateway("exclusiveGateway", "gw", withDefault ? "default=\"gw_c\"" : "") +
        Task("a", $"{id}-a") + Task("b", $"{id}-b") + Task("c", $"{id}-c") + End("ea") + End("eb") + End("ec") +
        Flows("start->gw", "a->ea", "b->eb", "c->ec") +
        ConditionalFlow("gw", "a", "=x &gt; 5") + ConditionalFlow("gw", "b", "=x &gt; 1") +
        (withDefault ? Flows("gw->c") : ConditionalFlow("gw", "c", "=x = 0")));

    [Test]
    public async Task Exclusive_gateway_takes_the_first_flow_whose_condition_holds_in_model_order_else_the_default()
    {
        await DeployAsync(ExclusiveModel("xor", withDefault: true));

        var both = await StartAsync("xor", Vars("""{"x": 10}"""));
        var second = await StartAsync("xor", Vars("""{"x": 3}"""));
        var none = await StartAsync("xor", Vars("""{"x": 0}"""));

        (await ActiveElementsAsync(both)).ShouldBe(["a"], "x > 5 and x > 1 both hold: only the first is taken");
        (await ActiveElementsAsync(second)).ShouldBe(["b"]);
        (await ActiveElementsAsync(none)).ShouldBe(["c"], "no condition holds: the default flow");
        (await HistoryAsync(both, "SEQUENCE_FLOW_TAKEN")).ShouldBe(["start_gw", "gw_a"]);
    }

    [Test]
    public async Task Exclusive_gateway_without_a_match_or_default_raises_an_incident_that_a_new_variable_and_resolving_fix()
    {
        await DeployAsync(ExclusiveModel("xor-incident", withDefault: false));
        var key = await StartAsync("xor-incident", Vars("""{"x": 1}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CONDITION_ERROR");
        incident.ElementId.ShouldBe("gw");
        (await ActiveElementsAsync(key)).ShouldBe(["gw"]);

        (await Engine.SetVariablesAsync(key, Vars("""{"x": 7}"""), local: false, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await IncidentsAsync(key)).ShouldBeEmpty();
        (await ActiveElementsAsync(key)).ShouldBe(["a"]);
        (await CompleteJobsAsync("xor-incident-a")).ShouldBe(1);
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_condition_that_is_not_a_boolean_raises_an_incident()
    {
        await DeployAsync(Process("xor-nonbool", Start() + Gateway("exclusiveGateway", "gw", "default=\"gw_b\"") + End("a") + End("b") +
            ConditionalFlow("gw", "a", "=x") + Flows("start->gw", "gw->b")));
        var key = await StartAsync("xor-nonbool", Vars("""{"x": "yes"}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CONDITION_ERROR");
        incident.Message.ShouldContain("gw_a");
        (await StateAsync(key)).ShouldBe("ACTIVE");
    }

    [Test]
    public async Task Parallel_gateway_forks_to_every_flow_and_the_join_waits_for_all_of_them()
    {
        await DeployAsync(Process("and", Start() + Gateway("parallelGateway", "fork") + Task("a", "and-a") + Task("b", "and-b") +
            Gateway("parallelGateway", "join") + Task("after", "and-after") + End() +
            Flows("start->fork->a->join", "fork->b->join", "join->after->end")));
        var key = await StartAsync("and");

        (await ActiveElementsAsync(key)).ShouldBe(["a", "b"]);
        (await CompleteJobsAsync("and-a")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["b"], "the join waits for the second token");
        (await HistoryAsync(key)).ShouldNotContain("join");

        (await CompleteJobsAsync("and-b")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key)).Count(e => e == "join").ShouldBe(1, "the join fires once for both tokens");
        await CompleteJobsAsync("and-after");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Parallel_join_inside_a_loop_waits_for_a_full_set_of_tokens_each_round()
    {
        await DeployAsync(Process("and-loop", Start() + Gateway("exclusiveGateway", "merge") + Gateway("parallelGateway", "fork") +
            Task("a", "loop-a") + Task("b", "loop-b") + Gateway("parallelGateway", "join") +
            Gateway("exclusiveGateway", "again", "default=\"again_end\"") + End() +
            Flows("start->merge->fork->a->join", "fork->b->join", "join->again", "again->end") +
            ConditionalFlow("again", "merge", "=round &lt; 2")));
        var key = await StartAsync("and-loop", Vars("""{"round": 0}"""));

        for (var round = 1; round <= 2; round++)
        {
            (await ActiveElementsAsync(key)).ShouldBe(["a", "b"]);
            await CompleteJobsAsync("loop-a", Vars($$"""{"round": {{round}}}"""));
            (await ActiveElementsAsync(key)).ShouldBe(["b"]);
            await CompleteJobsAsync("loop-b");
        }

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).Count(e => e == "join").ShouldBe(2);
        (await HistoryAsync(key)).Count(e => e == "a").ShouldBe(2);
    }

    [Test]
    public async Task Inclusive_gateway_forks_to_the_flows_whose_conditions_hold_else_the_default()
    {
        await DeployAsync(Process("or", Start() + Gateway("inclusiveGateway", "fork", "default=\"fork_c\"") +
            Task("a", "or-a") + Task("b", "or-b") + Task("c", "or-c") + End("ea") + End("eb") + End("ec") +
            ConditionalFlow("fork", "a", "=wantA") + ConditionalFlow("fork", "b", "=wantB") + Flows("start->fork", "fork->c", "a->ea", "b->eb", "c->ec")));

        var both = await StartAsync("or", Vars("""{"wantA": true, "wantB": true}"""));
        var one = await StartAsync("or", Vars("""{"wantA": false, "wantB": true}"""));
        var none = await StartAsync("or", Vars("""{"wantA": false, "wantB": false}"""));

        (await ActiveElementsAsync(both)).ShouldBe(["a", "b"], "the default flow is not taken when a condition holds");
        (await ActiveElementsAsync(one)).ShouldBe(["b"]);
        (await ActiveElementsAsync(none)).ShouldBe(["c"]);
    }

    [Test]
    public async Task Inclusive_join_waits_only_for_tokens_that_can_still_arrive()
    {
        await DeployAsync(Process("or-join", Start() + Gateway("inclusiveGateway", "fork") +
            Task("a", "orj-a") + Task("b", "orj-b") + Gateway("exclusiveGateway", "skip", "default=\"skip_join\"") +
            Gateway("inclusiveGateway", "join") + Task("after", "orj-after") + End() + End("elsewhere") +
            ConditionalFlow("fork", "a", "=true") + ConditionalFlow("fork", "b", "=true") +
            ConditionalFlow("skip", "elsewhere", "=leave = true") +
            Flows("start->fork", "a->join", "b->skip", "skip->join", "join->after->end")));

        // Both tokens reach the join: it waits for the second.
        var together = await StartAsync("or-join");
        await CompleteJobsAsync("orj-a");
        (await ActiveElementsAsync(together)).ShouldBe(["b"], "the token in b can still reach the join");
        await CompleteJobsAsync("orj-b", Vars("""{"leave": false}"""));
        (await ActiveElementsAsync(together)).ShouldBe(["after"]);

        // One token ends elsewhere: the join fires for the token that did arrive.
        var apart = await StartAsync("or-join");
        await CompleteJobsAsync("orj-after");
        await CompleteJobsAsync("orj-a");
        (await ActiveElementsAsync(apart)).ShouldBe(["b"]);
        await CompleteJobsAsync("orj-b", Vars("""{"leave": true}"""));
        (await ActiveElementsAsync(apart)).ShouldBe(["after"], "b ended elsewhere; nothing more can arrive at the join");
        await CompleteJobsAsync("orj-after");
        (await StateAsync(apart)).ShouldBe("COMPLETED");
        (await StateAsync(together)).ShouldBe("COMPLETED");
        (await HistoryAsync(apart)).ShouldContain("elsewhere");
    }

    private static string EventGatewayModel(string id) => Process(id,
        Start() + Gateway("eventBasedGateway", "gw") +
        Catch("paid", MessageDef("m_paid")) + TimerCatch("timeout", "PT1H") + Catch("alarm", SignalDef("s_alarm")) +
        Task("ship", $"{id}-ship") + Task("remind", $"{id}-remind") + Task("stop", $"{id}-stop") + End("e1") + End("e2") + End("e3") +
        Flows("start->gw", "gw->paid->ship->e1", "gw->timeout->remind->e2", "gw->alarm->stop->e3"),
        MessageWithKey("m_paid", $"{id}-paid", "=orderId") + Signal("s_alarm", $"{id}-alarm"));

    [Test]
    public async Task Event_based_gateway_message_first_wins_and_the_timer_is_gone()
    {
        await DeployAsync(EventGatewayModel("ebg-msg"));
        var key = await StartAsync("ebg-msg", Vars("""{"orderId": "o-1"}"""));
        (await TimersAsync(key)).ShouldHaveSingleItem().DueAt.ShouldBe(Clock.GetUtcNow().AddHours(1).UtcDateTime);
        (await MessageSubscriptionsAsync(key)).ShouldBe(["ebg-msg-paid:o-1@paid"]);

        (await PublishAsync("ebg-msg-paid", "o-1", Vars("""{"amount": 5}"""))).Value!.CorrelatedProcessInstanceKeys.ShouldBe([key]);

        (await ActiveElementsAsync(key)).ShouldBe(["ship"]);
        (await TimersAsync(key)).ShouldBeEmpty();
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM signal_subscription WHERE process_instance_key = @key", new { key })).ShouldBe(0);
        (await VariablesAsync(key))["amount"]!.GetValue<decimal>().ShouldBe(5m);
        (await HistoryAsync(key)).ShouldBe(["start", "gw", "paid"]);
    }

    [Test]
    public async Task Event_based_gateway_timer_first_wins_and_the_message_no_longer_correlates()
    {
        await DeployAsync(EventGatewayModel("ebg-timer"));
        var key = await StartAsync("ebg-timer", Vars("""{"orderId": "o-2"}"""));

        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);

        (await ActiveElementsAsync(key)).ShouldBe(["remind"]);
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
        (await PublishAsync("ebg-timer-paid", "o-2")).Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();
        (await ActiveElementsAsync(key)).ShouldBe(["remind"]);
    }

    [Test]
    public async Task Event_based_gateway_continues_at_a_signal()
    {
        await DeployAsync(EventGatewayModel("ebg-signal"));
        var key = await StartAsync("ebg-signal", Vars("""{"orderId": "o-3"}"""));

        (await Engine.BroadcastSignalAsync("ebg-signal-alarm", null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["stop"]);
        (await TimersAsync(key)).ShouldBeEmpty();
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_model_that_loops_without_a_wait_state_is_refused_with_a_clear_message()
    {
        await DeployAsync(Process("spin", Start() + Gateway("exclusiveGateway", "gw", "default=\"gw_gw2\"") + Gateway("exclusiveGateway", "gw2", "default=\"gw2_gw\"") +
            End() + Flows("start->gw", "gw->gw2", "gw2->gw") + ConditionalFlow("gw", "end", "=false")));

        var result = await Engine.CreateInstanceAsync("spin", null, null, null, CancellationToken.None);

        result.Error.ShouldBe(Processes.Engine.Execution.CommandError.InvalidState);
        result.Message!.ShouldContain("loops");
        (await InstancesOfAsync("spin")).ShouldBeEmpty("the command's work is discarded");
    }

    [Test]
    public async Task An_inclusive_gateway_without_a_true_condition_or_default_raises_an_incident()
    {
        await DeployAsync(Process("or-none", Start() + Gateway("inclusiveGateway", "fork") + End("a") + End("b") +
            ConditionalFlow("fork", "a", "=x = 1") + ConditionalFlow("fork", "b", "=x = 2") + Flows("start->fork")));
        var key = await StartAsync("or-none", Vars("""{"x": 3}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CONDITION_ERROR");
        await Engine.SetVariablesAsync(key, Vars("""{"x": 2}"""), local: false, CancellationToken.None);
        await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldContain("b");
    }

    [Test]
    public async Task An_inclusive_join_fires_at_once_for_the_only_branch_the_fork_took()
    {
        await DeployAsync(Process("or-one", Start() + Gateway("inclusiveGateway", "fork") + Task("a", "or-one-a") + Task("b", "or-one-b") +
            Gateway("inclusiveGateway", "join") + End() +
            ConditionalFlow("fork", "a", "=true") + ConditionalFlow("fork", "b", "=false") + Flows("start->fork", "a->join", "b->join", "join->end")));
        var key = await StartAsync("or-one");

        (await ActiveElementsAsync(key)).ShouldBe(["a"]);
        await CompleteJobsAsync("or-one-a");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task An_event_based_gateway_in_a_loop_subscribes_afresh_each_round()
    {
        await DeployAsync(Process("ebg-loop", Start() + Gateway("exclusiveGateway", "merge") + Gateway("eventBasedGateway", "gw") +
            Catch("tick", MessageDef("m")) + TimerCatch("stop", "PT1H") + End() +
            Flows("start->merge->gw", "gw->tick->merge", "gw->stop->end"), MessageWithKey("m", "ebg-loop-tick", "=id")));
        var key = await StartAsync("ebg-loop", Vars("""{"id": "l"}"""));

        for (var i = 0; i < 3; i++)
        {
            (await PublishAsync("ebg-loop-tick", "l")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([key], $"round {i}");
            (await MessageSubscriptionsAsync(key)).ShouldBe(["ebg-loop-tick:l@tick"]);
            (await TimersAsync(key)).Count.ShouldBe(1, "the previous round's timer is gone, a new one waits");
        }
        Clock.Advance(TimeSpan.FromHours(1));
        await FireTimersAsync(key);
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).Count(e => e == "tick").ShouldBe(3);
    }
}
