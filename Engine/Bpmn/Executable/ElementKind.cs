namespace Processes.Engine.Bpmn.Executable;

/// <summary>What a model element is; the runtime switches on this instead of on CLR types or XML names.</summary>
internal enum ElementKind
{
    Process,
    SubProcess,
    EventSubProcess,
    AdHocSubProcess,
    CallActivity,
    ServiceTask,
    UserTask,
    SendTask,
    ReceiveTask,
    ScriptTask,
    BusinessRuleTask,
    ManualTask,
    Task,
    StartEvent,
    EndEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    BoundaryEvent,
    ExclusiveGateway,
    ParallelGateway,
    InclusiveGateway,
    EventBasedGateway,
    SequenceFlow,
}

/// <summary>The trigger or result of an event; <see cref="None"/> for plain start/end/throw events.</summary>
internal enum EventDefinitionKind
{
    None,
    Message,
    Timer,
    Signal,
    Error,
    Escalation,
    Terminate,
    Link,
}

internal static class ElementKindNames
{
    /// <summary>The BPMN XML element name, used in problems and APIs so designers recognise the element.</summary>
    public static string ToBpmnName(this ElementKind kind) => kind switch
    {
        ElementKind.Process => "process",
        ElementKind.SubProcess => "subProcess",
        ElementKind.EventSubProcess => "subProcess",
        ElementKind.AdHocSubProcess => "adHocSubProcess",
        ElementKind.CallActivity => "callActivity",
        ElementKind.ServiceTask => "serviceTask",
        ElementKind.UserTask => "userTask",
        ElementKind.SendTask => "sendTask",
        ElementKind.ReceiveTask => "receiveTask",
        ElementKind.ScriptTask => "scriptTask",
        ElementKind.BusinessRuleTask => "businessRuleTask",
        ElementKind.ManualTask => "manualTask",
        ElementKind.Task => "task",
        ElementKind.StartEvent => "startEvent",
        ElementKind.EndEvent => "endEvent",
        ElementKind.IntermediateCatchEvent => "intermediateCatchEvent",
        ElementKind.IntermediateThrowEvent => "intermediateThrowEvent",
        ElementKind.BoundaryEvent => "boundaryEvent",
        ElementKind.ExclusiveGateway => "exclusiveGateway",
        ElementKind.ParallelGateway => "parallelGateway",
        ElementKind.InclusiveGateway => "inclusiveGateway",
        ElementKind.EventBasedGateway => "eventBasedGateway",
        ElementKind.SequenceFlow => "sequenceFlow",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool IsActivity(this ElementKind kind) => kind is ElementKind.SubProcess or ElementKind.EventSubProcess or ElementKind.AdHocSubProcess
        or ElementKind.CallActivity or ElementKind.ServiceTask or ElementKind.UserTask or ElementKind.SendTask
        or ElementKind.ReceiveTask or ElementKind.ScriptTask or ElementKind.BusinessRuleTask
        or ElementKind.ManualTask or ElementKind.Task;

    public static bool IsGateway(this ElementKind kind) => kind is ElementKind.ExclusiveGateway
        or ElementKind.ParallelGateway or ElementKind.InclusiveGateway or ElementKind.EventBasedGateway;

    public static bool IsEvent(this ElementKind kind) => kind is ElementKind.StartEvent or ElementKind.EndEvent
        or ElementKind.IntermediateCatchEvent or ElementKind.IntermediateThrowEvent or ElementKind.BoundaryEvent;
}
