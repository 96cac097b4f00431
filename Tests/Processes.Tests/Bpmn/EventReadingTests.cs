using Processes.Engine.Bpmn.Executable;
using static Processes.Tests.Bpmn.BpmnText;

namespace Processes.Tests.Bpmn;

public sealed class EventReadingTests
{
    private const string Messages = """
        <bpmn:message id="orderPlaced" name="order-placed">
          <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>
        </bpmn:message>
        <bpmn:message id="startMessage" name="start-order" />
        <bpmn:error id="paymentFailed" name="Payment failed" errorCode="PAYMENT_FAILED" />
        <bpmn:escalation id="late" name="Late" escalationCode="LATE" />
        <bpmn:signal id="alarm" name="=alarmName" />
        """;

    [Test]
    public void Start_events_of_every_kind_are_collected_on_the_process_scope()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="plain" />
            <bpmn:startEvent id="byMessage"><bpmn:messageEventDefinition messageRef="startMessage" /></bpmn:startEvent>
            <bpmn:startEvent id="byTimer"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
            <bpmn:startEvent id="bySignal"><bpmn:signalEventDefinition signalRef="alarm" /></bpmn:startEvent>
            <bpmn:endEvent id="end" />
            {Flow("f1", "plain", "end")}{Flow("f2", "byMessage", "end")}{Flow("f3", "byTimer", "end")}{Flow("f4", "bySignal", "end")}
            """, Messages));

        process.Scope.StartEvents.Select(e => e.Id).ShouldBe(["plain", "byMessage", "byTimer", "bySignal"]);
        process.Scope.NoneStartEvent!.Id.ShouldBe("plain");
        var message = process.Node<ExecutableEvent>("byMessage");
        message.EventKind.ShouldBe(EventDefinitionKind.Message);
        message.Message!.Name!.Text.ShouldBe("start-order");
        message.Message.CorrelationKey.ShouldBeNull();
        process.Node<ExecutableEvent>("byTimer").Timer.ShouldBe(new TimerDefinition(TimerKind.Cycle, ModelExpression.Literal("R/PT1H")));
        var signal = process.Node<ExecutableEvent>("bySignal").Signal!;
        signal.Name!.IsExpression.ShouldBeTrue();
        signal.Name.Text.ShouldBe("alarmName");
    }

    [Test]
    public void Boundary_events_are_attached_to_their_activity_with_interrupting_flag()
    {
        var process = ModelAssertions.ReadValid(Around(ServiceTask("x"), $"""
            <bpmn:boundaryEvent id="timeout" attachedToRef="x">
              <bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>
            </bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="reminder" attachedToRef="x" cancelActivity="false">
              <bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>
            </bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="failed" attachedToRef="x"><bpmn:errorEventDefinition errorRef="paymentFailed" /></bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="anyError" attachedToRef="x"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="cancelled" attachedToRef="x"><bpmn:messageEventDefinition messageRef="orderPlaced" /></bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="alarmed" attachedToRef="x"><bpmn:signalEventDefinition signalRef="alarm" /></bpmn:boundaryEvent>
            <bpmn:endEvent id="handled" />
            {Flow("b1", "timeout", "handled")}{Flow("b2", "reminder", "handled")}{Flow("b3", "failed", "handled")}
            {Flow("b4", "anyError", "handled")}{Flow("b5", "cancelled", "handled")}{Flow("b7", "alarmed", "handled")}
            """, Messages));

        var task = process.Node<ExecutableActivity>("x");
        task.BoundaryEvents.Select(b => b.Id).ShouldBe(["timeout", "reminder", "failed", "anyError", "cancelled", "alarmed"]);
        task.BoundaryEvents.ShouldAllBe(b => b.AttachedTo == task && b.Kind == ElementKind.BoundaryEvent);
        process.Node<ExecutableEvent>("timeout").IsInterrupting.ShouldBeTrue();
        process.Node<ExecutableEvent>("timeout").Timer!.Kind.ShouldBe(TimerKind.Duration);
        process.Node<ExecutableEvent>("reminder").IsInterrupting.ShouldBeFalse();
        process.Node<ExecutableEvent>("failed").Error.ShouldBe(new ErrorDefinition("paymentFailed", ModelExpression.Literal("PAYMENT_FAILED")));
        process.Node<ExecutableEvent>("anyError").Error.ShouldBe(new ErrorDefinition(null, null));
        process.Node<ExecutableEvent>("cancelled").Message!.CorrelationKey!.Text.ShouldBe("orderId");
        process.Node<ExecutableEvent>("alarmed").Signal!.SignalId.ShouldBe("alarm");
        process.Node<ExecutableEvent>("timeout").Outgoing.ShouldHaveSingleItem().Target.Id.ShouldBe("handled");
    }

    [Test]
    public void Escalation_boundary_on_a_subprocess_catches_escalations_from_inside()
    {
        var process = ModelAssertions.ReadValid(Around($"""
            <bpmn:subProcess id="x">
              <bpmn:startEvent id="inner" />
              <bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="late" /></bpmn:intermediateThrowEvent>
              {Flow("i1", "inner", "raise")}
            </bpmn:subProcess>
            <bpmn:boundaryEvent id="escalated" attachedToRef="x" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="late" /></bpmn:boundaryEvent>
            """, "", Messages));

        var boundary = process.Node<ExecutableEvent>("escalated");
        boundary.AttachedTo!.Id.ShouldBe("x");
        boundary.IsInterrupting.ShouldBeFalse();
        boundary.Escalation!.EscalationCode!.Text.ShouldBe("LATE");
        process.Node<ExecutableEvent>("raise").Escalation!.EscalationId.ShouldBe("late");
    }

    [Test]
    public void End_events_carry_their_result()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:parallelGateway id="fork" />
            <bpmn:endEvent id="plain" />
            <bpmn:endEvent id="error"><bpmn:errorEventDefinition errorRef="paymentFailed" /></bpmn:endEvent>
            <bpmn:endEvent id="escalation"><bpmn:escalationEventDefinition escalationRef="late" /></bpmn:endEvent>
            <bpmn:endEvent id="terminate"><bpmn:terminateEventDefinition /></bpmn:endEvent>
            <bpmn:endEvent id="message">
              <bpmn:extensionElements><zeebe:taskDefinition type="publish-order" /></bpmn:extensionElements>
              <bpmn:messageEventDefinition messageRef="orderPlaced" />
            </bpmn:endEvent>
            <bpmn:endEvent id="signal"><bpmn:signalEventDefinition signalRef="alarm" /></bpmn:endEvent>
            {Flow("f0", "start", "fork")}{Flow("f1", "fork", "plain")}{Flow("f2", "fork", "error")}{Flow("f3", "fork", "escalation")}
            {Flow("f4", "fork", "terminate")}{Flow("f5", "fork", "message")}{Flow("f6", "fork", "signal")}
            """, Messages));

        process.Node<ExecutableEvent>("plain").EventKind.ShouldBe(EventDefinitionKind.None);
        process.Node<ExecutableEvent>("error").Error!.ErrorCode!.Text.ShouldBe("PAYMENT_FAILED");
        process.Node<ExecutableEvent>("escalation").EventKind.ShouldBe(EventDefinitionKind.Escalation);
        process.Node<ExecutableEvent>("terminate").EventKind.ShouldBe(EventDefinitionKind.Terminate);
        process.Node<ExecutableEvent>("message").Job!.Type.Text.ShouldBe("publish-order");
        process.Node<ExecutableEvent>("signal").EventKind.ShouldBe(EventDefinitionKind.Signal);
        process.Node<ExecutableGateway>("fork").Outgoing.Length.ShouldBe(6);
    }

    [Test]
    public void Intermediate_events_and_links()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>2026-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="receive"><bpmn:messageEventDefinition messageRef="orderPlaced" /></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="hear"><bpmn:signalEventDefinition signalRef="alarm" /></bpmn:intermediateCatchEvent>
            <bpmn:intermediateThrowEvent id="milestone" />
            <bpmn:intermediateThrowEvent id="escalate"><bpmn:escalationEventDefinition escalationRef="late" /></bpmn:intermediateThrowEvent>
            <bpmn:intermediateThrowEvent id="shout"><bpmn:signalEventDefinition signalRef="alarm" /></bpmn:intermediateThrowEvent>
            <bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="B" /></bpmn:intermediateThrowEvent>
            <bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="B" /></bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="end" />
            {Flow("f1", "start", "wait")}{Flow("f2", "wait", "receive")}{Flow("f3", "receive", "hear")}{Flow("f4", "hear", "milestone")}
            {Flow("f5", "milestone", "escalate")}{Flow("f6", "escalate", "shout")}{Flow("f7", "shout", "jump")}{Flow("f8", "land", "end")}
            """, Messages));

        process.Node<ExecutableEvent>("wait").Timer!.Kind.ShouldBe(TimerKind.Date);
        process.Node<ExecutableEvent>("receive").Message!.Name!.Text.ShouldBe("order-placed");
        process.Node<ExecutableEvent>("milestone").EventKind.ShouldBe(EventDefinitionKind.None);
        process.Node<ExecutableEvent>("jump").Link!.Name.ShouldBe("B");
        process.Node<ExecutableEvent>("land").IsCatching.ShouldBeTrue();
    }

    [Test]
    public void Event_subprocess_has_its_own_scope_and_non_interrupting_start()
    {
        var process = ModelAssertions.ReadValid(Around(ServiceTask("x"), $"""
            <bpmn:subProcess id="onMessage" triggeredByEvent="true">
              <bpmn:startEvent id="esStart" isInterrupting="false"><bpmn:messageEventDefinition messageRef="orderPlaced" /></bpmn:startEvent>
              {ServiceTask("notify")}
              <bpmn:endEvent id="esEnd" />
              {Flow("e1", "esStart", "notify")}{Flow("e2", "notify", "esEnd")}
            </bpmn:subProcess>
            <bpmn:subProcess id="onError" triggeredByEvent="true">
              <bpmn:startEvent id="errStart"><bpmn:errorEventDefinition /></bpmn:startEvent>
            </bpmn:subProcess>
            """, Messages));

        process.Scope.EventSubProcesses.Select(s => s.Id).ShouldBe(["onMessage", "onError"]);
        var sub = process.Node<ExecutableSubProcess>("onMessage");
        sub.IsEventSubProcess.ShouldBeTrue();
        sub.Kind.ShouldBe(ElementKind.EventSubProcess);
        var start = sub.Scope.StartEvents.ShouldHaveSingleItem();
        start.IsInterrupting.ShouldBeFalse();
        start.FlowScope.ShouldBeSameAs(sub.Scope);
        sub.Scope.Parent.ShouldBeSameAs(process.Scope);
        sub.Scope.SequenceFlows.Select(f => f.Id).ShouldBe(["e1", "e2"]);
        process.Node<ExecutableActivity>("notify").FlowScope.Owner.ShouldBeSameAs(sub);
        process.Node<ExecutableSubProcess>("onError").Scope.StartEvents[0].IsInterrupting.ShouldBeTrue();
    }
}
