using System.Collections.Immutable;

namespace Processes.Engine.Bpmn.Executable;

// The executable graph has cycles (nodes know their flows, flows know their nodes, nodes know their scope), so
// references are wired once by the reader through internal setters. After BpmnReader returns, nothing changes:
// a model is shared by every instance of its definition and cached for the life of the process.

/// <summary>Anything in a process that has an id: flow nodes, sequence flows, the process itself.</summary>
internal abstract class ExecutableElement
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public required ElementKind Kind { get; init; }

    /// <summary>The BPMN element name (<c>exclusiveGateway</c>), as designers see it.</summary>
    public string ElementType => Kind.ToBpmnName();

    /// <summary><c>zeebe:properties</c>: free name/value pairs, e.g. connector configuration.</summary>
    public ImmutableDictionary<string, string> Properties { get; init; } = ImmutableDictionary<string, string>.Empty;

    public override string ToString() => $"{ElementType} '{Id}'";
}

/// <summary>A node that tokens visit: activities, events and gateways.</summary>
internal abstract class ExecutableFlowNode : ExecutableElement
{
    public ImmutableArray<ExecutableSequenceFlow> Incoming { get; internal set; } = [];
    public ImmutableArray<ExecutableSequenceFlow> Outgoing { get; internal set; } = [];

    /// <summary>The process, subprocess or event subprocess whose children include this node.</summary>
    public ExecutableScope FlowScope { get; internal set; } = null!;

    public IoMapping IoMapping { get; init; } = IoMapping.Empty;
    public ImmutableArray<ExecutionListenerDefinition> ExecutionListeners { get; init; } = [];
}

internal sealed class ExecutableSequenceFlow : ExecutableElement
{
    public ExecutableFlowNode Source { get; internal set; } = null!;
    public ExecutableFlowNode Target { get; internal set; } = null!;

    /// <summary>Taken only when this evaluates to true; null means unconditional.</summary>
    public ModelExpression? Condition { get; init; }

    /// <summary>True when this flow is the default of its source (taken when no condition holds).</summary>
    public bool IsDefault { get; internal set; }
}

/// <summary>
/// Tasks, call activities and subprocesses. The typed payloads are set according to <see cref="ExecutableElement.Kind"/>:
/// service/send tasks have <see cref="Job"/>; user tasks <see cref="UserTask"/>; script tasks <see cref="Script"/> or
/// <see cref="Job"/>; business-rule tasks <see cref="CalledDecision"/> or <see cref="Job"/>; receive tasks
/// <see cref="Message"/>; call activities <see cref="CallActivity"/>.
/// </summary>
internal class ExecutableActivity : ExecutableFlowNode
{
    /// <summary>Events attached to this activity, in document order.</summary>
    public ImmutableArray<ExecutableEvent> BoundaryEvents { get; internal set; } = [];

    /// <summary>Taken when no conditional outgoing flow holds (activities may have conditional outgoing flows).</summary>
    public ExecutableSequenceFlow? DefaultFlow { get; internal set; }

    public MultiInstanceDefinition? MultiInstance { get; init; }
    public JobDefinition? Job { get; init; }
    public UserTaskDefinition? UserTask { get; init; }
    public ScriptDefinition? Script { get; init; }
    public CalledDecisionDefinition? CalledDecision { get; init; }
    public CallActivityDefinition? CallActivity { get; init; }
    public MessageDefinition? Message { get; init; }

    /// <summary><c>zeebe:taskHeaders</c> of user tasks; job-based elements carry theirs in <see cref="JobDefinition.Headers"/>.</summary>
    public ImmutableDictionary<string, string> TaskHeaders { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>
/// An embedded subprocess or, when <see cref="IsEventSubProcess"/>, an event subprocess, or, when <see cref="AdHoc"/> is
/// set, an ad-hoc sub-process.
/// </summary>
internal sealed class ExecutableSubProcess : ExecutableActivity
{
    public ExecutableScope Scope { get; internal set; } = null!;

    public bool IsEventSubProcess => Kind == ElementKind.EventSubProcess;

    /// <summary>Ad-hoc sub-processes: what activates the inner elements and when the sub-process completes.</summary>
    public AdHocDefinition? AdHoc { get; init; }

    /// <summary>
    /// The inner elements an ad-hoc sub-process can activate, as in Zeebe: those no sequence flow leads to (an
    /// element with an incoming flow is reached by its flow); boundary events and event subprocesses have triggers of their own.
    /// </summary>
    public IEnumerable<ExecutableFlowNode> AdHocActivities => AdHoc is null
        ? []
        : Scope.FlowNodes.Where(n => n.Incoming.IsEmpty && n.Kind is not (ElementKind.BoundaryEvent or ElementKind.EventSubProcess));
}

internal sealed class ExecutableEvent : ExecutableFlowNode
{
    public required EventDefinitionKind EventKind { get; init; }

    /// <summary>
    /// Boundary events: cancelActivity. Start events of event subprocesses: isInterrupting. True elsewhere.
    /// </summary>
    public bool IsInterrupting { get; init; } = true;

    /// <summary>The activity a boundary event is attached to; null for every other event.</summary>
    public ExecutableActivity? AttachedTo { get; internal set; }

    public TimerDefinition? Timer { get; init; }
    public MessageDefinition? Message { get; init; }
    public ErrorDefinition? Error { get; init; }
    public EscalationDefinition? Escalation { get; init; }
    public SignalDefinition? Signal { get; init; }
    public LinkDefinition? Link { get; init; }

    /// <summary>Message throw and message end events publish through a worker, like a send task.</summary>
    public JobDefinition? Job { get; init; }

    /// <summary>Start events: the linked form (<c>zeebe:formDefinition formId</c>) a person fills to start the process.</summary>
    public string? StartFormId { get; init; }

    public bool IsCatching => Kind is ElementKind.StartEvent or ElementKind.IntermediateCatchEvent or ElementKind.BoundaryEvent;
}

internal sealed class ExecutableGateway : ExecutableFlowNode
{
    /// <summary>Exclusive and inclusive gateways: taken when no condition holds.</summary>
    public ExecutableSequenceFlow? DefaultFlow { get; internal set; }
}
