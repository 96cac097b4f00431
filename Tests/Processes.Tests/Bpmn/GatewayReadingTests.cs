using Processes.Engine.Bpmn.Executable;
using static Processes.Tests.Bpmn.BpmnText;

namespace Processes.Tests.Bpmn;

public sealed class GatewayReadingTests
{
    [Test]
    public void Exclusive_gateway_with_conditions_and_default_flow()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:exclusiveGateway id="amount" name="Amount?" default="small" />
            <bpmn:endEvent id="approve" />
            <bpmn:endEvent id="review" />
            {Flow("f0", "start", "amount")}
            {Flow("big", "amount", "review", "=amount &gt; 1000")}
            {Flow("small", "amount", "approve")}
            """));

        var gateway = process.Node<ExecutableGateway>("amount");
        gateway.Kind.ShouldBe(ElementKind.ExclusiveGateway);
        gateway.DefaultFlow!.Id.ShouldBe("small");
        gateway.DefaultFlow.IsDefault.ShouldBeTrue();
        var big = gateway.Outgoing.Single(f => f.Id == "big");
        big.IsDefault.ShouldBeFalse();
        big.Condition!.Text.ShouldBe("amount > 1000");
        big.Target.ShouldBeSameAs(process.GetFlowNode("review"));
    }

    [Test]
    public void Inclusive_and_parallel_gateways_fork_and_join()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:inclusiveGateway id="which" />
            <bpmn:task id="a" /><bpmn:task id="b" />
            <bpmn:inclusiveGateway id="merge" />
            <bpmn:parallelGateway id="fork" />
            <bpmn:task id="c" /><bpmn:task id="d" />
            <bpmn:parallelGateway id="join" />
            {Flow("f0", "start", "which")}{Flow("fa", "which", "a", "=wantA")}{Flow("fb", "which", "b", "wantB")}
            {Flow("ma", "a", "merge")}{Flow("mb", "b", "merge")}{Flow("m", "merge", "fork")}
            {Flow("fc", "fork", "c")}{Flow("fd", "fork", "d")}{Flow("jc", "c", "join")}{Flow("jd", "d", "join")}
            """));

        process.Node<ExecutableGateway>("which").Outgoing.Select(f => f.Condition!.Text).ShouldBe(["wantA", "wantB"]);
        process.Node<ExecutableGateway>("merge").Incoming.Length.ShouldBe(2);
        process.Node<ExecutableGateway>("join").Kind.ShouldBe(ElementKind.ParallelGateway);
        process.Node<ExecutableGateway>("join").Incoming.Select(f => f.Source.Id).ShouldBe(["c", "d"]);
    }

    [Test]
    public void Event_based_gateway_leads_to_waiting_events()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:eventBasedGateway id="race" />
            <bpmn:intermediateCatchEvent id="timeout"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:receiveTask id="answer" messageRef="m" />
            {Flow("f0", "start", "race")}{Flow("f1", "race", "timeout")}{Flow("f2", "race", "answer")}
            """, """<bpmn:message id="m" name="answer"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>"""));

        process.Node<ExecutableGateway>("race").Outgoing.Select(f => f.Target.Id).ShouldBe(["timeout", "answer"]);
    }

    [Test]
    public void Activity_with_default_flow_and_conditional_flow()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:task id="t" default="otherwise" />
            <bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />
            {Flow("f0", "start", "t")}{Flow("when", "t", "e1", "=x")}{Flow("otherwise", "t", "e2")}
            """));

        process.Node<ExecutableActivity>("t").DefaultFlow!.Id.ShouldBe("otherwise");
    }
}
