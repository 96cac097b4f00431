using Dapper;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;

namespace Processes.Tests.Execution;

/// <summary>
/// The model trigger of SLA pauses: an element with the extension property <c>slaPause</c> (its value the reason)
/// pauses its case's SLA clock — the timers with <c>slaClock</c> — while it waits and resumes it when it leaves, in the
/// commands that enter and leave it. Without a running clock the pause is skipped (recorded) and the case goes on.
/// </summary>
public sealed class SlaPauseByModelTests : EngineTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:message id="Replied" name="customer-replied">
            <bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements>
          </bpmn:message>
          <bpmn:process id="pause-by-model" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:subProcess id="Handling">
              <bpmn:startEvent id="hs" />
              <bpmn:userTask id="Work"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
              <bpmn:intermediateCatchEvent id="AwaitCustomer">
                <bpmn:extensionElements><zeebe:properties><zeebe:property name="slaPause" value="waiting for the customer" /></zeebe:properties></bpmn:extensionElements>
                <bpmn:messageEventDefinition messageRef="Replied" />
              </bpmn:intermediateCatchEvent>
              <bpmn:userTask id="Finish"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
              <bpmn:endEvent id="he" />
              <bpmn:sequenceFlow id="h1" sourceRef="hs" targetRef="Work" />
              <bpmn:sequenceFlow id="h2" sourceRef="Work" targetRef="AwaitCustomer" />
              <bpmn:sequenceFlow id="h3" sourceRef="AwaitCustomer" targetRef="Finish" />
              <bpmn:sequenceFlow id="h4" sourceRef="Finish" targetRef="he" />
            </bpmn:subProcess>
            <bpmn:boundaryEvent id="Sla100" attachedToRef="Handling">
              <bpmn:extensionElements><zeebe:properties><zeebe:property name="slaClock" value="100" /></zeebe:properties></bpmn:extensionElements>
              <bpmn:timerEventDefinition><bpmn:timeDuration>PT8H</bpmn:timeDuration></bpmn:timerEventDefinition>
            </bpmn:boundaryEvent>
            <bpmn:endEvent id="done" />
            <bpmn:endEvent id="breached" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Handling" />
            <bpmn:sequenceFlow id="f2" sourceRef="Handling" targetRef="done" />
            <bpmn:sequenceFlow id="f3" sourceRef="Sla100" targetRef="breached" />
          </bpmn:process>
          <bpmn:process id="pause-without-clock" isExecutable="true">
            <bpmn:startEvent id="start2" />
            <bpmn:intermediateCatchEvent id="AwaitCustomer2">
              <bpmn:extensionElements><zeebe:properties><zeebe:property name="slaPause" value="waiting for the customer" /></zeebe:properties></bpmn:extensionElements>
              <bpmn:messageEventDefinition messageRef="Replied" />
            </bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="end2" />
            <bpmn:sequenceFlow id="g1" sourceRef="start2" targetRef="AwaitCustomer2" />
            <bpmn:sequenceFlow id="g2" sourceRef="AwaitCustomer2" targetRef="end2" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    [OneTimeSetUp]
    public async Task Deploy() => await DeployAsync(Model, "pause-by-model.bpmn");

    [Test]
    public async Task Waiting_at_the_element_pauses_the_clock_and_leaving_it_replans_the_remaining_budget()
    {
        var instance = await StartAsync("pause-by-model", Vars("""{"caseId": "C-1"}"""));
        (await TimersAsync(instance)).ShouldHaveSingleItem().DueAt.ShouldBe(StartTime.AddHours(8).UtcDateTime);

        // 10:00 the agent asks the customer and waits: one hour used, seven left; the timer is taken out.
        Clock.Set(StartTime.AddHours(1));
        var work = (await OpenTasksAsync(instance)).ShouldHaveSingleItem();
        (await Engine.CompleteUserTaskAsync(work.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await TimersAsync(instance)).ShouldBeEmpty();
        (await HistoryAsync(instance, "SLA_PAUSED")).ShouldBe(["Handling"], "on the element the timer watches");
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            var pause = await connection.QuerySingleAsync<(string Reason, string PausedBy, DateTime PausedAt)>(
                "SELECT reason, paused_by, paused_at FROM sla_pause WHERE process_instance_key = @instance", new { instance });
            pause.ShouldBe(("waiting for the customer", "model:AwaitCustomer", StartTime.AddHours(1).UtcDateTime));
        }

        // The customer answers at 15:00: the seven hours left count from then.
        Clock.Set(StartTime.AddHours(6));
        (await PublishAsync("customer-replied", "C-1")).Ok.ShouldBeTrue();
        (await OpenTasksAsync(instance)).Select(t => t.ElementId).ShouldBe(["Finish"]);
        (await TimersAsync(instance)).ShouldHaveSingleItem().DueAt.ShouldBe(StartTime.AddHours(6 + 7).UtcDateTime);
        (await HistoryAsync(instance, "SLA_TIMER_REPLANNED")).ShouldBe(["Handling"]);
        (await CountAsync("SELECT count(*) FROM sla_pause WHERE process_instance_key = @instance AND resumed_by = 'model:AwaitCustomer'", new { instance }))
            .ShouldBe(1);
    }

    [Test]
    public async Task Without_a_running_clock_the_pause_is_skipped_and_recorded_and_the_case_waits_on()
    {
        var instance = await StartAsync("pause-without-clock", Vars("""{"caseId": "C-2"}"""));
        (await ActiveElementsAsync(instance)).ShouldContain("AwaitCustomer2");
        (await HistoryAsync(instance, "SLA_PAUSE_SKIPPED")).ShouldBe(["AwaitCustomer2"]);
        (await CountAsync("SELECT count(*) FROM sla_pause WHERE process_instance_key = @instance", new { instance })).ShouldBe(0);
        (await PublishAsync("customer-replied", "C-2")).Ok.ShouldBeTrue();
        (await StateAsync(instance)).ShouldBe("COMPLETED");
    }

    [Test]
    public async Task A_manual_pause_while_waiting_is_refused_and_the_agents_resume_is_taken_back_by_the_model_when_it_leaves()
    {
        var instance = await StartAsync("pause-by-model", Vars("""{"caseId": "C-3"}"""));
        var work = (await OpenTasksAsync(instance)).ShouldHaveSingleItem();
        (await Engine.CompleteUserTaskAsync(work.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.PauseSlaAsync(Caller.System, instance, "again", null, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
        (await Engine.ResumeSlaAsync(Caller.System, instance, null, CancellationToken.None)).Ok.ShouldBeTrue("an agent may resume early");
        (await TimersAsync(instance)).ShouldHaveSingleItem();
        // Leaving the element resumes a clock that is not paused: nothing happens, the timer stays as re-planned.
        (await PublishAsync("customer-replied", "C-3")).Ok.ShouldBeTrue();
        (await TimersAsync(instance)).ShouldHaveSingleItem();
        (await HistoryAsync(instance, "SLA_PAUSE_SKIPPED")).ShouldBeEmpty();
    }
}
