using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>Incidents instead of exceptions: each failure stops its element, and resolving retries exactly what failed.</summary>
public sealed class IncidentTests : EngineTest
{
    [Test]
    public async Task A_failing_input_mapping_raises_an_incident_and_resolving_after_a_fix_activates_the_element()
    {
        // FEEL turns most errors into null; exceeding the evaluator's collection limit is a real evaluation failure.
        await DeployAsync(Process("inc-input", Start() + Task("work", "inc-input-work", Io(Input("=for i in 1..n return i", "numbers"))) + End() + Flows("start->work->end")));
        var key = await StartAsync("inc-input", Vars("""{"n": 200000}"""));
        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("IO_MAPPING_ERROR");
        (await ActivateAsync("inc-input-work")).ShouldBeEmpty();

        await Engine.SetVariablesAsync(key, Vars("""{"n": 2}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        var job = (await ActivateAsync("inc-input-work")).ShouldHaveSingleItem();
        job.Variables["numbers"]!.ToJsonString().ShouldBe("[1,2]");
    }

    [Test]
    public async Task A_failing_output_mapping_after_a_job_completed_raises_an_incident_and_resolving_completes_the_element()
    {
        await DeployAsync(Process("inc-output", Start() + Task("work", "inc-output-work", Io(outputs: Output("=for i in 1..n return i", "numbers"))) +
            Task("after", "inc-output-after") + End() + Flows("start->work->after->end")));
        var key = await StartAsync("inc-output");

        await CompleteJobsAsync("inc-output-work", Vars("""{"n": 200000}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("IO_MAPPING_ERROR");
        (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        var work = await ElementKeyAsync(key, "work");
        await Engine.SetVariablesAsync(work, Vars("""{"n": 3}"""), local: true, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await VariablesAsync(key))["numbers"]!.ToJsonString().ShouldBe("[1,2,3]");
    }

    [Test]
    public async Task A_job_type_that_is_not_a_string_raises_an_incident_that_resolving_after_a_fix_retries()
    {
        await DeployAsync(Process("inc-type", Start() + Task("work", "=workType") + End() + Flows("start->work->end")));
        var key = await StartAsync("inc-type", Vars("""{"workType": {"a": 1}}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("EXTRACT_VALUE_ERROR");
        await Engine.SetVariablesAsync(key, Vars("""{"workType": "inc-type-work"}"""), local: false, CancellationToken.None);
        await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None);

        (await CompleteJobsAsync("inc-type-work")).ShouldBe(1);
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Candidate_groups_that_are_not_strings_raise_an_incident_not_an_exception()
    {
        await DeployAsync(Process("inc-groups", Start() +
            UserTask("review", "<zeebe:assignmentDefinition candidateGroups=\"=[1, 2]\" />") + End() + Flows("start->review->end")));
        var key = await StartAsync("inc-groups");

        (await IncidentsAsync(key)).ShouldHaveSingleItem().Type.ShouldBe("EXTRACT_VALUE_ERROR");
        (await OpenTasksAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task Variables_set_locally_on_an_element_stay_in_its_scope()
    {
        await DeployAsync(Process("inc-local", Start() +
            SubProcess("sub", Start("s_start") + Task("inner", "inc-local-inner") + End("s_end") + Flows("s_start->inner->s_end")) +
            End() + Flows("start->sub->end")));
        var key = await StartAsync("inc-local");
        var sub = await ElementKeyAsync(key, "sub");

        (await Engine.SetVariablesAsync(sub, Vars("""{"scoped": 1}"""), local: true, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.SetVariablesAsync(sub, Vars("""{"global": 2}"""), local: false, CancellationToken.None)).Ok.ShouldBeTrue();

        var job = (await ActivateAsync("inc-local-inner")).ShouldHaveSingleItem();
        job.Variables["scoped"]!.GetValue<int>().ShouldBe(1);
        var variables = await VariablesAsync(key);
        variables.ContainsKey("scoped").ShouldBeFalse();
        variables["global"]!.GetValue<int>().ShouldBe(2);
        (await Engine.SetVariablesAsync(999_999_999, Vars("""{"x": 1}"""), local: true, CancellationToken.None)).Error
            .ShouldBe(Processes.Engine.Execution.CommandError.NotFound);
    }

    [Test]
    public async Task A_link_throw_continues_at_the_link_catch_of_the_same_name()
    {
        await DeployAsync(Process("link", Start() + Throw("go", "<bpmn:linkEventDefinition name=\"jump\" />") +
            Catch("land", "<bpmn:linkEventDefinition name=\"jump\" />") + Task("after", "link-after") + End() + Flows("start->go", "land->after->end")));
        var key = await StartAsync("link");

        (await ActiveElementsAsync(key)).ShouldBe(["after"]);
        (await HistoryAsync(key)).ShouldBe(["start", "go", "land"]);
    }

    [Test]
    public async Task A_boundary_subscription_that_cannot_open_stops_the_activation_and_resolving_activates_it_once()
    {
        await DeployAsync(Process("inc-boundary", Start() + Task("work", "inc-boundary-work") + Boundary("cancel", "work", MessageDef("m")) +
            End() + End("cancelled") + Flows("start->work->end", "cancel->cancelled"), MessageWithKey("m", "inc-boundary-msg", "=order.id")));
        var key = await StartAsync("inc-boundary", Vars("""{"order": {}}"""));

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("EXTRACT_VALUE_ERROR");
        incident.ElementId.ShouldBe("work");
        (await ActivateAsync("inc-boundary-work")).ShouldBeEmpty("the task is not active while its boundary event cannot subscribe");

        await Engine.SetVariablesAsync(key, Vars("""{"order": {"id": "o-9"}}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await MessageSubscriptionsAsync(key)).ShouldBe(["inc-boundary-msg:o-9@cancel"]);
        (await CountAsync("SELECT count(*) FROM job WHERE process_instance_key = @key", new { key })).ShouldBe(1);
        (await HistoryAsync(key, "ELEMENT_ACTIVATED")).Count(e => e == "work").ShouldBe(1);
        await CompleteJobsAsync("inc-boundary-work");
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task An_instance_can_start_at_a_chosen_element_also_inside_a_subprocess()
    {
        await DeployAsync(Process("start-at", Start() + Task("first", "start-at-first") + Task("second", "start-at-second") + End() +
            SubProcess("sub", Start("s_start") + Task("inner", "start-at-inner") + End("s_end") + Flows("s_start->inner->s_end")) +
            Flows("start->first->second->sub->end")));

        var result = await Engine.CreateInstanceAsync("start-at", null, null, null, CancellationToken.None, startElementId: "second");
        result.Ok.ShouldBeTrue(result.Message);
        (await ActiveElementsAsync(result.Value!.ProcessInstanceKey)).ShouldBe(["second"]);

        var nested = await Engine.CreateInstanceAsync("start-at", null, null, null, CancellationToken.None, startElementId: "inner");
        nested.Ok.ShouldBeTrue(nested.Message);
        var key = nested.Value!.ProcessInstanceKey;
        (await ActiveElementsAsync(key)).ShouldBe(["inner", "sub"], "an element inside a subprocess starts inside it");
        await CompleteJobsAsync("start-at-inner");
        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldBe(["inner", "s_end", "sub", "end", "start-at"]);
    }

    [Test]
    public async Task A_triggered_boundary_event_whose_input_mapping_failed_completes_once_the_incident_is_resolved()
    {
        await DeployAsync(Process("inc-trigger", Start() + Task("work", "inc-trigger-work") +
            "<bpmn:boundaryEvent id=\"cancel\" attachedToRef=\"work\"><bpmn:extensionElements>" + Io(Input("=for i in 1..n return i", "numbers")) +
            "</bpmn:extensionElements>" + MessageDef("m") + "</bpmn:boundaryEvent>" +
            End() + End("cancelled") + Flows("start->work->end", "cancel->cancelled"), MessageWithKey("m", "inc-trigger-msg", "=id")));
        var key = await StartAsync("inc-trigger", Vars("""{"id": "t", "n": 200000}"""));

        await PublishAsync("inc-trigger-msg", "t");
        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("cancel");

        await Engine.SetVariablesAsync(key, Vars("""{"n": 1}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("COMPLETED", "the message already happened: the boundary event does not wait for another");
        (await MessageSubscriptionsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_process_started_at_a_message_start_event_keeps_its_start_across_an_activation_incident()
    {
        await DeployAsync(Process("inc-start", Start("plain") + StartWith("byMessage", MessageDef("go")) +
            Task("plainWork", "inc-start-plain") + Task("messageWork", "inc-start-message") + End("e1") + End("e2") +
            Flows("plain->plainWork->e1", "byMessage->messageWork->e2") +
            EventSubProcess("onCancel", StartWith("cancelStart", MessageDef("cancel")) + End("cancelled") + Flows("cancelStart->cancelled")),
            Message("go", "inc-start-go") + MessageWithKey("cancel", "inc-start-cancel", "=ref")));

        var key = (await PublishAsync("inc-start-go", "")).Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem("the event subprocess cannot subscribe without ref");

        await Engine.SetVariablesAsync(key, Vars("""{"ref": "r"}"""), local: false, CancellationToken.None);
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await ActiveElementsAsync(key)).ShouldBe(["messageWork"], "the instance still starts where the message started it");
    }
}
