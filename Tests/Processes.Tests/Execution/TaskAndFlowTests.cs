using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

public sealed class TaskAndFlowTests : EngineTest
{
    [Test]
    public async Task A_service_task_waits_for_its_job_and_the_instance_completes_after_it()
    {
        await DeployAsync(Process("straight", Start() + Task("work", "do-work") + End() + Flows("start->work->end")));
        var key = await StartAsync("straight", Vars("""{"orderId": "A-1"}"""));

        (await ActiveElementsAsync(key)).ShouldBe(["work"]);
        var job = (await ActivateAsync("do-work")).ShouldHaveSingleItem();
        job.Variables["orderId"]!.GetValue<string>().ShouldBe("A-1");
        (await Engine.CompleteJobAsync(job.Key, Vars("""{"done": true}"""), CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await HistoryAsync(key)).ShouldBe(["start", "work", "end", "straight"]);
        (await VariablesAsync(key))["done"]!.GetValue<bool>().ShouldBeTrue();
        (await ActiveElementsAsync(key)).ShouldBeEmpty();
    }

    [Test]
    public async Task Input_and_output_mappings_keep_task_variables_local_and_map_results_out()
    {
        await DeployAsync(Process("mapped", Start() +
            Task("work", "mapped-work", Io(Input("=order.total * 2", "doubled"), Output("=result + 1", "finalResult"))) +
            End() + Flows("start->work->end")));
        var key = await StartAsync("mapped", Vars("""{"order": {"total": 21}}"""));

        var job = (await ActivateAsync("mapped-work")).ShouldHaveSingleItem();
        job.Variables["doubled"]!.GetValue<decimal>().ShouldBe(42m);
        await Engine.CompleteJobAsync(job.Key, Vars("""{"result": 41}"""), CancellationToken.None);

        var variables = await VariablesAsync(key);
        variables["finalResult"]!.GetValue<decimal>().ShouldBe(42m);
        variables.ContainsKey("doubled").ShouldBeFalse("input mappings create local variables");
        variables.ContainsKey("result").ShouldBeFalse("with output mappings, job variables stay local");
    }

    [Test]
    public async Task A_model_whose_expression_does_not_parse_is_refused_at_deployment()
    {
        var xml = Process("badmap", Start() + Task("work", "badmap-work", Io(Input("=1 +", "n"))) + End() + Flows("start->work->end"));
        var result = await new Processes.Engine.Deployment.DeploymentService(DataSource, Definitions)
            .DeployAsync([new("badmap.bpmn", System.Text.Encoding.UTF8.GetBytes(xml))], CancellationToken.None);

        var rejected = result.ShouldBeOfType<Processes.Engine.Deployment.DeploymentResult.Rejected>();
        rejected.Errors.ShouldContain(p => p.Problem.ElementId == "work");
    }

    [Test]
    public async Task A_script_task_evaluates_feel_into_its_result_variable()
    {
        await DeployAsync(Process("script", Start() +
            """<bpmn:scriptTask id="sum"><bpmn:extensionElements><zeebe:script expression="=sum(items.price)" resultVariable="total" /></bpmn:extensionElements></bpmn:scriptTask>""" +
            End() + Flows("start->sum->end")));
        var key = await StartAsync("script", Vars("""{"items": [{"price": 10.5}, {"price": 4.5}]}"""));

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["total"]!.GetValue<decimal>().ShouldBe(15m);
    }

    [Test]
    public async Task Job_failure_backs_off_and_no_retries_left_raises_an_incident_that_resolving_retries()
    {
        await DeployAsync(Process("flaky", Start() + Task("work", "flaky-work") + End() + Flows("start->work->end")));
        var key = await StartAsync("flaky");

        var job = (await ActivateAsync("flaky-work")).ShouldHaveSingleItem();
        (await Engine.FailJobAsync(job.Key, 1, "timeout", TimeSpan.FromMinutes(1), null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await ActivateAsync("flaky-work")).ShouldBeEmpty("the back-off has not passed");
        Clock.Advance(TimeSpan.FromMinutes(2));
        job = (await ActivateAsync("flaky-work")).ShouldHaveSingleItem();
        job.Retries.ShouldBe(1);
        await Engine.FailJobAsync(job.Key, 0, "provider down", TimeSpan.Zero, null, CancellationToken.None);

        var incident = (await IncidentsAsync(key)).ShouldHaveSingleItem();
        incident.Type.ShouldBe("JOB_NO_RETRIES");
        incident.Message.ShouldBe("provider down");
        (await ActivateAsync("flaky-work")).ShouldBeEmpty();

        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await IncidentsAsync(key)).ShouldBeEmpty();
        (await CompleteJobsAsync("flaky-work")).ShouldBe(1);
        (await StateAsync(key)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task Business_key_is_unique_per_process()
    {
        await DeployAsync(Process("keyed", Start() + Task("work", "keyed-work") + End() + Flows("start->work->end")));
        await StartAsync("keyed", businessKey: "D-100");

        var second = await Engine.CreateInstanceAsync("keyed", null, null, "D-100", CancellationToken.None);

        second.Error.ShouldBe(Processes.Engine.Execution.CommandError.AlreadyExists);
        second.Message!.ShouldContain("D-100");
    }

    [Test]
    public async Task Cancelling_an_instance_terminates_its_elements_and_removes_its_jobs()
    {
        await DeployAsync(Process("cancel", Start() + Task("work", "cancel-work") + End() + Flows("start->work->end")));
        var key = await StartAsync("cancel");

        (await Engine.CancelInstanceAsync(key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("TERMINATED");
        (await ActivateAsync("cancel-work")).ShouldBeEmpty();
        (await HistoryAsync(key, "ELEMENT_TERMINATED")).ShouldBe(["work", "cancel"]);
        (await Engine.CancelInstanceAsync(key, CancellationToken.None)).Error.ShouldBe(Processes.Engine.Execution.CommandError.InvalidState);
    }

    [Test]
    public async Task Nested_mapping_targets_build_objects_and_outputs_merge_into_the_existing_variable()
    {
        await DeployAsync(Process("nested", Start() +
            Task("call", "nested-call", Io(
                Input("noAuth", "authentication.type") + Input("=token", "authentication.token") + Input("https://example.com", "url"),
                Output("=result", "order.status") + Output("=2", "summary.count"))) +
            End() + Flows("start->call->end")));
        var key = await StartAsync("nested", Vars("""{"token": "t-1", "order": {"id": 7, "status": "new"}}"""));

        var job = (await ActivateAsync("nested-call")).ShouldHaveSingleItem();
        job.Variables["authentication"]!.ToJsonString().ShouldBe("""{"type":"noAuth","token":"t-1"}""");
        job.Variables["url"]!.GetValue<string>().ShouldBe("https://example.com");
        await Engine.CompleteJobAsync(job.Key, Vars("""{"result": "shipped"}"""), CancellationToken.None);

        var variables = await VariablesAsync(key);
        variables["order"]!.ToJsonString().ShouldBe("""{"id":7,"status":"shipped"}""");
        variables["summary"]!.ToJsonString().ShouldBe("""{"count":2}""");
        variables.ContainsKey("authentication").ShouldBeFalse();
    }
}
