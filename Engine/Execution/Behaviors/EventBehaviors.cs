using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>Start events complete at once: what triggered them already happened.</summary>
internal sealed class StartEventBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element) => x.Complete(instance, element);
}

/// <summary>None, terminate, error, escalation, signal end events (message end events are job workers).</summary>
internal sealed class EndEventBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableEvent)instance.ModelElement(element);
        switch (node.EventKind)
        {
            case EventDefinitionKind.Error:
                if (ThrownCode.Evaluate(x, instance, element, node, node.Error?.ErrorCode) is not { } code)
                {
                    return;
                }
                if (!x.ThrowError(instance, element, code, null, null))
                {
                    x.RaiseIncident(instance, element, IncidentTypes.UnhandledErrorEvent,
                        $"Expected to throw an error event with the code '{code}', but it was not caught. No error events are available in the scope.");
                }
                return;
            default:
                EventThrow.ThrowAndComplete(x, instance, element, node);
                return;
        }
    }

    public override void OnCompleted(Execution x, InstanceState instance, ElementInstance element, ElementInstance? flowScope)
    {
        var node = (ExecutableEvent)instance.ModelElement(element);
        if (node.EventKind != EventDefinitionKind.Terminate || flowScope is null)
        {
            return;
        }
        // Terminate end event: everything else in the scope stops; the scope then completes (idle).
        foreach (var sibling in instance.Children(flowScope.Key))
        {
            x.Terminate(instance, sibling);
        }
        flowScope.InFlight.Clear();
        flowScope.Data.JoinTokens = null;
        flowScope.Data.Interrupted = true;
        flowScope.IsDirty = true;
    }
}

/// <summary>None, escalation, signal and link throw events (message throws are job workers).</summary>
internal sealed class IntermediateThrowEventBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        EventThrow.ThrowAndComplete(x, instance, element, (ExecutableEvent)instance.ModelElement(element));
    }

    public override void OnCompleted(Execution x, InstanceState instance, ElementInstance element, ElementInstance? flowScope)
    {
        var node = (ExecutableEvent)instance.ModelElement(element);
        if (node.EventKind != EventDefinitionKind.Link || flowScope is null)
        {
            return;
        }
        // A link throw continues at the link catch event of the same name in the same scope.
        var target = node.FlowScope.FlowNodes.OfType<ExecutableEvent>()
            .FirstOrDefault(e => e.Kind == ElementKind.IntermediateCatchEvent && e.EventKind == EventDefinitionKind.Link && e.Link?.Name == node.Link?.Name);
        if (target is not null)
        {
            x.Activate(instance, target, flowScope, e => e.Triggered = true);
        }
    }
}

/// <summary>
/// Intermediate catch events, boundary events and receive tasks: wait on a timer, message or signal subscription,
/// or complete at once when an event already triggered them (boundary, event-based gateway, link).
/// </summary>
internal sealed class CatchEventBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableFlowNode)instance.ModelElement(element);
        // Armed trigger variables (stored) mark an event that already happened as well as the transient flag: after
        // an incident at activation (an input mapping) the element is reloaded without the flag, and used to
        // wait for a second event instead of completing.
        if (element.Triggered || element.Data.TriggerVariables is not null ||
            node is ExecutableEvent { EventKind: EventDefinitionKind.Link or EventDefinitionKind.None })
        {
            x.Complete(instance, element);
            return;
        }
        x.OpenSubscriptions(instance, element, [node]);
    }
}

internal static class EventThrow
{
    /// <summary>
    /// What throw and end events share: an escalation looks for its catch (the event completes unless that
    /// interrupted it; a code that cannot be evaluated is an incident), a signal is broadcast; then, or for a none
    /// event, the event completes.
    /// </summary>
    public static void ThrowAndComplete(Execution x, InstanceState instance, ElementInstance element, ExecutableEvent node)
    {
        var completes = node.EventKind switch
        {
            EventDefinitionKind.Escalation => ThrownCode.Evaluate(x, instance, element, node, node.Escalation?.EscalationCode) is { } code &&
                !x.ThrowEscalation(instance, element, code),
            EventDefinitionKind.Signal => SignalThrow.Broadcast(x, instance, element, node),
            _ => true,
        };
        if (completes)
        {
            x.Complete(instance, element);
        }
    }
}

internal static class SignalThrow
{
    /// <summary>Broadcasts to every signal subscription (after the steps); the event's local variables travel with it.</summary>
    public static bool Broadcast(Execution x, InstanceState instance, ElementInstance element, ExecutableEvent node)
    {
        var name = node.Signal?.Name is { } expression
            ? x.Expressions.String(expression, VariableScope.For(instance, element.Key))
            : Evaluated<string>.Fail("the signal has no name");
        if (!name.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"{node.ElementType} '{node.Id}': {name.Failure}");
            return false;
        }
        var variables = new JsonObject();
        foreach (var (key, value) in instance.LocalVariables(element.Key))
        {
            variables[key] = value?.DeepClone();
        }
        x.FollowUps.Enqueue(new BroadcastSignal(name.Value, variables, instance.Row.TenantId));
        return true;
    }
}

/// <summary>
/// The code a throwing error or escalation event throws: a literal, or a FEEL expression evaluated when the event
/// is reached (Camunda 8 allows expressions on throw events; the expression text itself used to be thrown).
/// Null when the expression failed (an incident was raised).
/// </summary>
internal static class ThrownCode
{
    public static string? Evaluate(Execution x, InstanceState instance, ElementInstance element, ExecutableEvent node, ModelExpression? code)
    {
        if (code is null)
        {
            return "";
        }
        var value = x.Expressions.String(code, VariableScope.For(instance, element.Key));
        if (!value.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"{node.ElementType} '{node.Id}': {value.Failure}");
            return null;
        }
        return value.Value;
    }
}
