using Processes.Engine.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class CallActivityTests : EngineTest
{
    private async Task DeployChildAsync(string id) =>
        await DeployAsync(Process(id, Start() + Task("work", $"{id}-work") + End() + Flows("start->work->end")), $"{id}.bpmn");

    [Test]
    public async Task The_child_gets_all_parent_variables_and_hands_its_variables_back()
    {
        await DeployChildAsync("ca-child");
        await DeployAsync(Process("ca-parent", Start() + CallActivity("call", "ca-child") + Task("after", "ca-parent-after") + End() + Flows("start->call->after->end")));
        var parent = await StartAsync("ca-parent", Vars("""{"customer": "Ann", "amount": 3}"""));

        var child = (await InstancesOfAsync("ca-child")).ShouldHaveSingleItem();
        (await ActiveElementsAsync(parent)).ShouldBe(["call"]);
        var childVariables = await VariablesAsync(child);
        childVariables["customer"]!.GetValue<string>().ShouldBe("Ann");
        childVariables["amount"]!.GetValue<int>().ShouldBe(3);

        await CompleteJobsAsync("ca-child-work", Vars("""{"approved": true, "amount": 4}"""));

        (await StateAsync(child)).ShouldBe("COMPLETED");
        (await ActiveElementsAsync(parent)).ShouldBe(["after"]);
        var variables = await VariablesAsync(parent);
        variables["approved"]!.GetValue<bool>().ShouldBeTrue();
        variables["amount"]!.GetValue<int>().ShouldBe(4);
    }

    [Test]
    public async Task Without_parent_propagation_the_child_gets_only_the_inputs_and_output_mappings_decide_what_returns()
    {
        await DeployChildAsync("ca-child2");
        await DeployAsync(Process("ca-parent2", Start() +
            CallActivity("call", "ca-child2", "propagateAllParentVariables=\"false\" propagateAllChildVariables=\"false\"",
                Io(Input("=customer", "who"), Output("=result", "childResult"))) +
            Task("after", "ca-parent2-after") + End() + Flows("start->call->after->end")));
        var parent = await StartAsync("ca-parent2", Vars("""{"customer": "Bo", "secret": 1}"""));

        var child = (await InstancesOfAsync("ca-child2")).ShouldHaveSingleItem();
        var childVariables = await VariablesAsync(child);
        childVariables["who"]!.GetValue<string>().ShouldBe("Bo");
        childVariables.ContainsKey("secret").ShouldBeFalse();
        childVariables.ContainsKey("customer").ShouldBeFalse();

        await CompleteJobsAsync("ca-child2-work", Vars("""{"result": "ok", "noise": 5}"""));

        var variables = await VariablesAsync(parent);
        variables["childResult"]!.GetValue<string>().ShouldBe("ok");
        variables.ContainsKey("noise").ShouldBeFalse();
        variables.ContainsKey("result").ShouldBeFalse();
        (await ActiveElementsAsync(parent)).ShouldBe(["after"]);
    }

    [Test]
    public async Task Calling_a_process_that_is_not_deployed_raises_an_incident()
    {
        await DeployAsync(Process("ca-missing", Start() + CallActivity("call", "ca-nowhere") + End() + Flows("start->call->end")));
        var key = await StartAsync("ca-missing");

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CALLED_ELEMENT_ERROR");
        incident.ElementId.ShouldBe("call");
        incident.Message.ShouldContain("ca-nowhere");

        await DeployChildAsync("ca-nowhere");
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await InstancesOfAsync("ca-nowhere")).ShouldHaveSingleItem();
        await CompleteJobsAsync("ca-nowhere-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Cancelling_the_parent_cancels_the_child_and_a_child_cannot_be_cancelled_directly()
    {
        await DeployChildAsync("ca-child3");
        await DeployAsync(Process("ca-parent3", Start() + CallActivity("call", "ca-child3") + End() + Flows("start->call->end")));
        var parent = await StartAsync("ca-parent3");
        var child = (await InstancesOfAsync("ca-child3")).ShouldHaveSingleItem();

        var direct = await Engine.CancelInstanceAsync(child, CancellationToken.None);
        direct.Error.ShouldBe(CommandError.InvalidState);
        (await StateAsync(child)).ShouldBe("ACTIVE");

        (await Engine.CancelInstanceAsync(parent, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(parent)).ShouldBe("TERMINATED");
        (await StateAsync(child)).ShouldBe("TERMINATED");
        (await ActivateAsync("ca-child3-work")).ShouldBeEmpty();
    }

    [Test]
    public async Task Three_levels_complete_upwards_in_one_command_and_cancel_downwards()
    {
        await DeployChildAsync("ca-leaf");
        await DeployAsync(Process("ca-middle", Start() + CallActivity("call", "ca-leaf") + End() + Flows("start->call->end")), "ca-middle.bpmn");
        await DeployAsync(Process("ca-top", Start() + CallActivity("call", "ca-middle") + End() + Flows("start->call->end")));

        var completing = await StartAsync("ca-top");
        await CompleteJobsAsync("ca-leaf-work", Vars("""{"fromLeaf": 1}"""));
        (await StateAsync(completing)).ShouldBe("COMPLETED");
        (await VariablesAsync(completing))["fromLeaf"]!.GetValue<int>().ShouldBe(1);

        var cancelled = await StartAsync("ca-top");
        (await Engine.CancelInstanceAsync(cancelled, CancellationToken.None)).Ok.ShouldBeTrue();
        var middle = (await InstancesOfAsync("ca-middle")).Last();
        var leaf = (await InstancesOfAsync("ca-leaf")).Last();
        (await StateAsync(middle)).ShouldBe("TERMINATED");
        (await StateAsync(leaf)).ShouldBe("TERMINATED");
        (await ActivateAsync("ca-leaf-work")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_parallel_multi_instance_call_activity_starts_one_child_per_item()
    {
        await DeployChildAsync("ca-mi-child");
        await DeployAsync(Process("ca-mi", Start() +
            "<bpmn:callActivity id=\"call\"><bpmn:extensionElements><zeebe:calledElement processId=\"ca-mi-child\" /></bpmn:extensionElements>" +
            Loop("=items", "item", "results", "=answer") + "</bpmn:callActivity>" + End() + Flows("start->call->end")));
        var key = await StartAsync("ca-mi", Vars("""{"items": ["a", "b", "c"]}"""));

        var jobs = await ActivateAsync("ca-mi-child-work");
        jobs.Select(j => j.Variables["item"]!.GetValue<string>()).ShouldBe(["a", "b", "c"], ignoreOrder: true);
        await System.Threading.Tasks.Task.WhenAll(jobs.Select(job => System.Threading.Tasks.Task.Run(() =>
            Engine.CompleteJobAsync(job.Key, Vars($$"""{"answer": "{{job.Variables["item"]!.GetValue<string>()}}!"}"""), CancellationToken.None))));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await InstancesOfAsync("ca-mi-child")).Count.ShouldBe(3);
    }

    [Test]
    public async Task Calling_a_process_without_a_none_start_event_raises_an_incident_on_the_call_activity()
    {
        await DeployAsync(Process("ca-msg-only", StartWith("start", MessageDef("m")) + End() + Flows("start->end"), Message("m", "ca-msg-only-go")), "msg-only.bpmn");
        await DeployAsync(Process("ca-caller", Start() + CallActivity("call", "ca-msg-only") + End() + Flows("start->call->end")));

        var key = await StartAsync("ca-caller");

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("CALLED_ELEMENT_ERROR");
        incident.ElementId.ShouldBe("call");
        (await InstancesOfAsync("ca-msg-only")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_child_that_completes_at_once_completes_the_call_activity_in_the_same_command()
    {
        await DeployAsync(Process("ca-instant", Start() +
            """<bpmn:scriptTask id="compute"><bpmn:extensionElements><zeebe:script expression="=x + 1" resultVariable="y" /></bpmn:extensionElements></bpmn:scriptTask>""" +
            End() + Flows("start->compute->end")), "instant.bpmn");
        await DeployAsync(Process("ca-instant-parent", Start() +
            "<bpmn:callActivity id=\"call\"><bpmn:extensionElements><zeebe:calledElement processId=\"ca-instant\" /></bpmn:extensionElements>" +
            Loop("=xs", "x", "ys", "=y") + "</bpmn:callActivity>" + End() + Flows("start->call->end")));

        var key = await StartAsync("ca-instant-parent", Vars("""{"xs": [1, 2, 3]}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["ys"]!.ToJsonString().ShouldBe("[2,3,4]");
        (await InstancesOfAsync("ca-instant")).Count.ShouldBe(3);
    }
}
