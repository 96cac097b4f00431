using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>The first outgoing flow whose condition holds, else the default flow, else an incident.</summary>
internal sealed class ExclusiveGatewayBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element) => x.Complete(instance, element);

    public override IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) =>
        x.ConditionalFlows(instance, element, node, firstOnly: true, requireMatch: true);
}

/// <summary>Forks to every outgoing flow; joining happens before activation (see <see cref="Execution"/>'s joins).</summary>
internal sealed class ParallelGatewayBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element) => x.Complete(instance, element);

    public override IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) =>
        node.Outgoing;
}

/// <summary>Every outgoing flow whose condition holds, else the default flow, else an incident.</summary>
internal sealed class InclusiveGatewayBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element) => x.Complete(instance, element);

    public override IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) =>
        x.ConditionalFlows(instance, element, node, firstOnly: false, requireMatch: true);
}

/// <summary>
/// Waits on the events after it; the first one to happen wins: the gateway completes (closing the other
/// subscriptions) and that event continues. See <see cref="Execution.Trigger"/>.
/// </summary>
internal sealed class EventBasedGatewayBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableGateway)instance.ModelElement(element);
        x.OpenSubscriptions(instance, element, node.Outgoing.Select(f => f.Target));
    }

    public override IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) => [];
}
