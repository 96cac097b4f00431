using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>The process instance itself: starts at its start event, completes when nothing is left, hands back to a calling parent.</summary>
internal sealed class ProcessBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var scope = instance.Model.Scope;
        var start = element.StartElementId is { } id ? instance.Model.GetFlowNode(id) : scope.NoneStartEvent;
        if (start is null)
        {
            x.RaiseIncident(instance, element, IncidentTypes.Unknown, $"Process '{instance.Model.Id}' has no none start event to start at.");
            return;
        }
        StartAt(x, instance, element, scope, start);
    }

    /// <summary>
    /// Activates <paramref name="target"/> in <paramref name="container"/>; a target nested deeper (a start
    /// instruction for an element inside a subprocess) activates the enclosing subprocess, which goes on inwards.
    /// Activating the nested element straight in the outer scope ran it outside its subprocess.
    /// </summary>
    public static void StartAt(Execution x, InstanceState instance, ElementInstance container, ExecutableScope scope, ExecutableFlowNode target)
    {
        var step = target;
        while (step.FlowScope != scope && step.FlowScope.Owner is ExecutableFlowNode enclosing)
        {
            step = enclosing;
        }
        if (step == target)
        {
            x.Activate(instance, target, container);
        }
        else
        {
            x.Activate(instance, step, container, e => e.StartElementId = target.Id);
        }
    }

    /// <summary>
    /// Whether a start instruction can target the element: not inside an event subprocess, a multi-instance subprocess
    /// or an ad-hoc sub-process (whose elements are activated by its collection or the activation API).
    /// </summary>
    public static bool CanStartAt(ExecutableFlowNode target)
    {
        for (var scope = target.FlowScope; scope.Owner is ExecutableSubProcess sub; scope = sub.FlowScope)
        {
            if (sub.IsEventSubProcess || sub.MultiInstance is not null || sub.AdHoc is not null)
            {
                return false;
            }
        }
        return true;
    }

    public override IReadOnlyList<ExecutableSequenceFlow>? SelectFlows(Execution x, InstanceState instance, ElementInstance element, ExecutableFlowNode node) => [];

    public override void OnCompleted(Execution x, InstanceState instance, ElementInstance element, ElementInstance? flowScope)
    {
        instance.Row.State = ProcessInstanceState.Completed;
        instance.Row.EndedAt = x.Now;
        x.History(instance, element, HistoryEvents.ProcessInstanceCompleted);
        if (instance.Row.ParentProcessInstanceKey is not { } parentKey || !x.Instances.TryGetValue(parentKey, out var parent) ||
            parent.Find(instance.Row.ParentElementInstanceKey!.Value) is not { State: ElementState.Activated } callActivity)
        {
            return;
        }
        var definition = ((ExecutableActivity)parent.ModelElement(callActivity)).CallActivity!;
        var variables = Execution.RootVariables(instance);
        if (definition.PropagateAllChildVariables)
        {
            x.ApplyResultVariables(parent, callActivity, variables);
        }
        else
        {
            // Only the call activity's output mappings decide what comes back; they read the child's variables.
            foreach (var (name, value) in variables)
            {
                x.SetVariable(parent, callActivity.Key, name, value, local: true);
            }
        }
        x.Complete(parent, callActivity);
    }

    public override void OnTerminated(Execution x, InstanceState instance, ElementInstance element)
    {
        instance.Row.State = ProcessInstanceState.Terminated;
        instance.Row.EndedAt = x.Now;
        x.History(instance, element, HistoryEvents.ProcessInstanceTerminated);
    }
}

/// <summary>Embedded and event subprocesses: start inside at their start event, complete when idle.</summary>
internal sealed class SubProcessBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableSubProcess)instance.ModelElement(element);
        var start = element.StartElementId is { } id ? instance.Model.GetFlowNode(id) : node.Scope.NoneStartEvent;
        if (start is null)
        {
            x.RaiseIncident(instance, element, IncidentTypes.Unknown, $"subProcess '{node.Id}' has no none start event to start at.");
            return;
        }
        if (!node.IsEventSubProcess && element.StartElementId is not null)
        {
            ProcessBehavior.StartAt(x, instance, element, node.Scope, start); // a start instruction inside this subprocess
            return;
        }
        var variables = element.Data.TriggerVariables;
        if (variables is not null)
        {
            element.Data.TriggerVariables = null; // the start event applies them, not the subprocess on completion
        }
        x.Activate(instance, start, element, e =>
        {
            e.Triggered = node.IsEventSubProcess;
            e.Data.TriggerVariables = variables;
        });
    }
}

/// <summary>Starts the called process (after the steps: it needs the definition) and completes when the child completes.</summary>
internal sealed class CallActivityBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableActivity)instance.ModelElement(element);
        var definition = node.CallActivity!;
        var processId = x.Expressions.String(definition.ProcessId, VariableScope.For(instance, element.Key));
        if (!processId.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, processId.Failure!);
            return;
        }
        JsonObject variables;
        if (definition.PropagateAllParentVariables)
        {
            variables = instance.VisibleVariables(element.Key);
        }
        else
        {
            variables = [];
            foreach (var (name, value) in instance.LocalVariables(element.Key))
            {
                variables[name] = value?.DeepClone();
            }
        }
        x.FollowUps.Enqueue(new CreateChildInstance(instance.Key, element.Key, processId.Value, definition.BindingType, definition.VersionTag, variables));
    }

    public override void OnTerminated(Execution x, InstanceState instance, ElementInstance element)
    {
        if (element.Data.CalledProcessInstanceKey is not { } childKey)
        {
            return;
        }
        if (x.Instances.TryGetValue(childKey, out var child))
        {
            if (child.IsActive && child.Root is { } root)
            {
                x.Terminate(child, root);
            }
        }
        else
        {
            x.FollowUps.Enqueue(new TerminateChildInstance(childKey));
        }
    }
}
