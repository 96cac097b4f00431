using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>
/// What one kind of element does at each point of the shared lifecycle (<see cref="Execution.Activate"/>,
/// <see cref="Execution.Complete"/>, <see cref="Execution.Terminate"/>). Behaviours hold no state: everything
/// lives in the element instance, so one instance of each serves every process.
/// </summary>
internal abstract class ElementBehavior : IElementBehavior
{
    /// <summary>The element is active (inputs mapped): start its work, or complete at once. Re-run when an incident raised here is resolved.</summary>
    public abstract void OnActivated(Execution x, InstanceState instance, ElementInstance element);

    /// <summary>Work before output mappings; false when an incident was raised.</summary>
    public virtual bool BeforeCompletion(Execution x, InstanceState instance, ElementInstance element) => true;

    /// <summary>The flows to take when the element completes; null when an incident was raised.</summary>
    public virtual IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) =>
        x.ConditionalFlows(instance, element, node, firstOnly: false, requireMatch: false);

    /// <summary>After the element left its flow scope (flows are taken by the lifecycle right after).</summary>
    public virtual void OnCompleted(Execution x, InstanceState instance, ElementInstance element, ElementInstance? flowScope)
    {
    }

    /// <summary>The element is being cancelled; its children are already gone.</summary>
    public virtual void OnTerminated(Execution x, InstanceState instance, ElementInstance element)
    {
    }

    /// <summary>For containers: a child left. The default completes the container once it is idle.</summary>
    public virtual void OnChildEnded(Execution x, InstanceState instance, ElementInstance scope, ElementInstance child)
    {
        if (scope.State == ElementState.Activated && Execution.IsIdle(instance, scope))
        {
            x.Complete(instance, scope);
        }
    }
}

internal interface IElementBehavior
{
    void OnActivated(Execution x, InstanceState instance, ElementInstance element);
    bool BeforeCompletion(Execution x, InstanceState instance, ElementInstance element);
    IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node);
    void OnCompleted(Execution x, InstanceState instance, ElementInstance element, ElementInstance? flowScope);
    void OnTerminated(Execution x, InstanceState instance, ElementInstance element);
    void OnChildEnded(Execution x, InstanceState instance, ElementInstance scope, ElementInstance child);
}

/// <summary>Elements with nothing to do: manual and undefined tasks, none intermediate throw events, link catches.</summary>
internal sealed class PassThroughBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element) => x.Complete(instance, element);
}

/// <summary>Which behaviour runs an element, decided by its kind and event definition.</summary>
internal static class BehaviorTable
{
    public static readonly IElementBehavior Process = new ProcessBehavior();
    public static readonly IElementBehavior MultiInstanceBody = new MultiInstanceBodyBehavior();
    private static readonly IElementBehavior PassThrough = new PassThroughBehavior();
    private static readonly IElementBehavior StartEvent = new StartEventBehavior();
    private static readonly IElementBehavior EndEvent = new EndEventBehavior();
    private static readonly IElementBehavior ThrowEvent = new IntermediateThrowEventBehavior();
    private static readonly IElementBehavior CatchEvent = new CatchEventBehavior();
    private static readonly IElementBehavior JobWorker = new JobWorkerBehavior();
    private static readonly IElementBehavior UserTask = new UserTaskBehavior();
    private static readonly IElementBehavior Script = new ScriptTaskBehavior();
    private static readonly IElementBehavior BusinessRule = new BusinessRuleTaskBehavior();
    private static readonly IElementBehavior SubProcess = new SubProcessBehavior();
    private static readonly IElementBehavior AdHocSubProcess = new AdHocSubProcessBehavior();
    private static readonly IElementBehavior CallActivity = new CallActivityBehavior();
    private static readonly IElementBehavior ExclusiveGateway = new ExclusiveGatewayBehavior();
    private static readonly IElementBehavior ParallelGateway = new ParallelGatewayBehavior();
    private static readonly IElementBehavior InclusiveGateway = new InclusiveGatewayBehavior();
    private static readonly IElementBehavior EventBasedGateway = new EventBasedGatewayBehavior();

    public static IElementBehavior For(ExecutableElement element) => element switch
    {
        ExecutableProcess => Process,
        ExecutableEvent { Job: not null } => JobWorker,
        ExecutableEvent { Kind: ElementKind.StartEvent } => StartEvent,
        ExecutableEvent { Kind: ElementKind.EndEvent } => EndEvent,
        ExecutableEvent { Kind: ElementKind.IntermediateThrowEvent } => ThrowEvent,
        ExecutableEvent { Kind: ElementKind.IntermediateCatchEvent or ElementKind.BoundaryEvent } => CatchEvent,
        ExecutableActivity { Kind: ElementKind.ServiceTask or ElementKind.SendTask } => JobWorker,
        ExecutableActivity { Kind: ElementKind.ScriptTask, Script: not null } => Script,
        ExecutableActivity { Kind: ElementKind.ScriptTask } => JobWorker,
        ExecutableActivity { Kind: ElementKind.BusinessRuleTask, Job: not null } => JobWorker,
        ExecutableActivity { Kind: ElementKind.BusinessRuleTask } => BusinessRule,
        ExecutableActivity { Kind: ElementKind.UserTask } => UserTask,
        ExecutableActivity { Kind: ElementKind.ReceiveTask } => CatchEvent,
        ExecutableActivity { Kind: ElementKind.ManualTask or ElementKind.Task } => PassThrough,
        ExecutableSubProcess { AdHoc: not null } => AdHocSubProcess,
        ExecutableSubProcess => SubProcess,
        ExecutableActivity { Kind: ElementKind.CallActivity } => CallActivity,
        ExecutableGateway { Kind: ElementKind.ExclusiveGateway } => ExclusiveGateway,
        ExecutableGateway { Kind: ElementKind.ParallelGateway } => ParallelGateway,
        ExecutableGateway { Kind: ElementKind.InclusiveGateway } => InclusiveGateway,
        ExecutableGateway { Kind: ElementKind.EventBasedGateway } => EventBasedGateway,
        _ => throw new InvalidOperationException($"No behaviour for {element}."),
    };
}
