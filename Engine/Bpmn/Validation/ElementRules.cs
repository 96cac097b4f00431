using System.Globalization;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Engine.Bpmn.Validation;

/// <summary>Rules about what a single element must carry to be executable (job types, message names, timers...).</summary>
internal static class ElementRules
{
    public static void Validate(ExecutableFlowNode node, ReadContext context)
    {
        ValidateStaticValues(node, context);
        switch (node)
        {
            case ExecutableActivity activity:
                ValidateActivity(activity, context);
                break;
            case ExecutableEvent @event:
                ValidateEvent(@event, context);
                break;
        }
    }

    private static void ValidateActivity(ExecutableActivity activity, ReadContext context)
    {
        switch (activity.Kind)
        {
            case ElementKind.ServiceTask or ElementKind.SendTask when activity.Job is null:
                context.Error(activity, $"The {activity.ElementType} has no job type: set the task definition type (zeebe:taskDefinition) so a worker can pick it up.");
                break;
            case ElementKind.BusinessRuleTask when activity.Job is null && activity.CalledDecision is null:
                context.Error(activity, "The business rule task needs either a called decision (zeebe:calledDecision) or a job type (zeebe:taskDefinition).");
                break;
            case ElementKind.BusinessRuleTask when activity.Job is not null && activity.CalledDecision is not null:
                context.Error(activity, "The business rule task has both a called decision and a job type; choose one.");
                break;
            case ElementKind.ScriptTask when activity.Job is null && activity.Script is null:
                context.Error(activity, "The script task needs either a FEEL script (zeebe:script) or a job type (zeebe:taskDefinition).");
                break;
            case ElementKind.ScriptTask when activity.Job is not null && activity.Script is not null:
                context.Error(activity, "The script task has both a FEEL script and a job type; choose one.");
                break;
            case ElementKind.CallActivity when activity.CallActivity is null:
                context.Error(activity, "The call activity does not say which process to call (zeebe:calledElement processId).");
                break;
            case ElementKind.ReceiveTask:
                ValidateMessageCatch(activity, activity.Message, context);
                break;
        }
        if (activity.MultiInstance is not null && activity.Kind == ElementKind.EventSubProcess)
        {
            context.Error(activity, "An event subprocess cannot be multi-instance.");
        }
        foreach (var boundary in activity.BoundaryEvents)
        {
            if (boundary.EventKind == EventDefinitionKind.Error && !boundary.IsInterrupting)
            {
                context.Error(boundary, "An error boundary event always interrupts the activity; non-interrupting error events are not allowed.");
            }
            if (boundary.EventKind == EventDefinitionKind.Escalation && activity.Kind is not (ElementKind.SubProcess or ElementKind.AdHocSubProcess or ElementKind.CallActivity))
            {
                context.Error(boundary, $"An escalation boundary event can only be attached to a subprocess or call activity, not to the {activity.ElementType} '{activity.Id}'; nothing inside a task can escalate.");
            }
        }
        if (activity.BoundaryEvents.Count(b => b is { EventKind: EventDefinitionKind.Error, Error.ErrorCode: null }) > 1)
        {
            context.Error(activity, "The activity has more than one error boundary event that catches every error.");
        }
    }

    private static void ValidateEvent(ExecutableEvent @event, ReadContext context)
    {
        var inEventSubProcess = @event.Kind == ElementKind.StartEvent && @event.FlowScope.Owner is ExecutableSubProcess { IsEventSubProcess: true };
        switch (@event.EventKind)
        {
            case EventDefinitionKind.Message when @event.IsCatching:
                var createsInstances = @event.Kind == ElementKind.StartEvent && !inEventSubProcess;
                if (createsInstances)
                {
                    if (@event.Message is { Name: null })
                    {
                        context.Error(@event, "The message start event has no message name: reference a message with a name.");
                    }
                }
                else
                {
                    ValidateMessageCatch(@event, @event.Message, context);
                }
                break;
            case EventDefinitionKind.Message when @event.Job is null:
                context.Error(@event, $"The message {@event.ElementType} has no job type: set the task definition type (zeebe:taskDefinition) so a worker can publish the message.");
                break;
            case EventDefinitionKind.Timer when @event.Timer is { } timer:
                ValidateTimer(@event, timer, context);
                break;
            case EventDefinitionKind.Error when @event.Kind == ElementKind.EndEvent && @event.Error is { ErrorCode: null }:
                context.Error(@event, "The error end event needs an error with an error code (errorRef to an error with errorCode).");
                break;
            case EventDefinitionKind.Error when inEventSubProcess && !@event.IsInterrupting:
                context.Error(@event, "An error start event always interrupts; non-interrupting error start events are not allowed.");
                break;
            case EventDefinitionKind.Escalation when !@event.IsCatching && @event.Escalation is { EscalationCode: null }:
                context.Error(@event, $"The escalation {@event.ElementType} needs an escalation with an escalation code (escalationRef).");
                break;
            case EventDefinitionKind.Signal when @event.Signal is { Name: null }:
                context.Error(@event, "The signal event needs a signal with a name (signalRef to a signal with a name).");
                break;
        }
    }

    /// <summary>Literal values the runtime would otherwise only reject when a token arrives.</summary>
    private static void ValidateStaticValues(ExecutableFlowNode node, ReadContext context)
    {
        var job = node switch
        {
            ExecutableActivity a => a.Job,
            ExecutableEvent e => e.Job,
            _ => null,
        };
        if (job?.Retries is { IsExpression: false } retries && !(int.TryParse(retries.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            context.Error(node, $"The job retries '{retries.Text}' is not a whole number of zero or more.");
        }
        foreach (var listener in node.ExecutionListeners.Where(l => !l.Retries.IsExpression))
        {
            if (!int.TryParse(listener.Retries.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                context.Error(node, $"The execution listener retries '{listener.Retries.Text}' is not a whole number of zero or more.");
            }
        }
        if (node is not ExecutableActivity { UserTask: { } userTask })
        {
            return;
        }
        if (userTask.Priority is { IsExpression: false } priority
            && !(int.TryParse(priority.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 100))
        {
            context.Error(node, $"The task priority '{priority.Text}' must be a whole number from 0 to 100.");
        }
        foreach (var (what, date) in new[] { ("due date", userTask.Schedule.DueDate), ("follow-up date", userTask.Schedule.FollowUpDate) })
        {
            if (date is { IsExpression: false } && !TimerSyntax.IsDate(date.Text))
            {
                context.Error(node, $"The {what} '{date.Text}' is not an ISO 8601 date-time such as 2026-01-01T00:00:00Z.");
            }
        }
    }

    private static void ValidateMessageCatch(ExecutableFlowNode node, MessageDefinition? message, ReadContext context)
    {
        if (message is null)
        {
            // The unresolved reference is already reported.
            return;
        }
        if (message.Name is null)
        {
            context.Error(node, $"The {node.ElementType} waits for a message without a name: reference a message (messageRef) that has a name.");
        }
        if (message.CorrelationKey is null)
        {
            context.Error(node, $"The {node.ElementType} has no correlation key: set it on the message (zeebe:subscription correlationKey) so the message finds this instance.");
        }
    }

    private static void ValidateTimer(ExecutableEvent @event, TimerDefinition timer, ReadContext context)
    {
        if (!timer.Expression.IsExpression && TimerSyntax.Check(timer.Kind, timer.Expression.Text) is { } problem)
        {
            context.Error(@event, $"The timer is invalid: {problem}");
        }
        if (timer.Kind != TimerKind.Cycle)
        {
            if (timer.Kind == TimerKind.Duration && @event.Kind == ElementKind.StartEvent && @event.FlowScope.Owner is ExecutableProcess)
            {
                context.Error(@event, "A timer start event of a process needs a date (timeDate) or a cycle (timeCycle), not a duration.");
            }
            return;
        }
        var repeats = @event.Kind == ElementKind.StartEvent || (@event.Kind == ElementKind.BoundaryEvent && !@event.IsInterrupting);
        if (!repeats)
        {
            context.Error(@event, "A timer cycle is only allowed on start events and non-interrupting boundary events; use a date or a duration here.");
        }
    }
}
