using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Execution;

/// <summary>Subscriptions that wait for events, their triggering, and errors and escalations looking for a catch.</summary>
internal sealed partial class Execution
{
    /// <summary>
    /// The events an element instance owns subscriptions for while it is active: the timer, message and signal
    /// boundary events of an activity (on the body of a multi-instance activity, not its inner instances) and the
    /// start events of the event subprocesses of a subprocess or process.
    /// </summary>
    private static IEnumerable<ExecutableFlowNode> WaitingEventsOf(InstanceState instance, ElementInstance element, ExecutableElement model)
    {
        IEnumerable<ExecutableEvent> events = [];
        if (model is ExecutableActivity activity && !IsMultiInstanceInner(instance, element))
        {
            events = events.Concat(activity.BoundaryEvents);
        }
        if (model is ExecutableSubProcess sub && !element.IsMultiInstanceBody)
        {
            events = events.Concat(EventSubProcessStarts(sub.Scope));
        }
        else if (element.IsProcess)
        {
            events = events.Concat(EventSubProcessStarts(instance.Model.Scope));
        }
        return events.Where(IsSubscribable);
    }

    private static IEnumerable<ExecutableEvent> EventSubProcessStarts(ExecutableScope scope) =>
        scope.EventSubProcesses.SelectMany(e => e.Scope.StartEvents);

    private static bool IsSubscribable(ExecutableEvent e) =>
        e.EventKind is EventDefinitionKind.Timer or EventDefinitionKind.Message or EventDefinitionKind.Signal;

    /// <summary>
    /// Opens subscriptions for <paramref name="events"/> owned by <paramref name="owner"/> (triggering one
    /// goes through <see cref="Trigger"/>). All or nothing: on a failure an incident is raised and none is kept.
    /// </summary>
    public bool OpenSubscriptions(InstanceState instance, ElementInstance owner, IEnumerable<ExecutableFlowNode> events)
    {
        var timers = new List<TimerRow>();
        var messages = new List<MessageSubscriptionRow>();
        var signals = new List<SignalSubscriptionRow>();
        var scope = VariableScope.For(instance, owner.Key);
        foreach (var node in events)
        {
            var (timer, message, signal) = node switch
            {
                ExecutableEvent e => (e.Timer, e.Message, e.Signal),
                ExecutableActivity { Kind: ElementKind.ReceiveTask } a => (null, a.Message, null),
                _ => ((TimerDefinition?)null, (MessageDefinition?)null, (SignalDefinition?)null),
            };
            string? failure = null;
            if (timer is not null)
            {
                var text = TimerText(timer, scope);
                var calendar = Calendars.Get(instance.Row.TenantId, TimerCalculator.CalendarName(node));
                var due = !text.Ok ? Evaluated<TimerFiring>.Fail(text.Failure!)
                    : !calendar.Ok ? Evaluated<TimerFiring>.Fail(calendar.Failure!)
                    : TimerCalculator.First(timer.Kind, text.Value, Now, calendar.Value);
                if (due.Ok)
                {
                    timers.Add(new TimerRow(Keys.Next(), instance.Key, owner.Key, node.Id, instance.Row.ProcessDefinitionKey,
                        due.Value.DueAt, due.Value.Repetitions, text.Value, Now));
                }
                failure = due.Failure;
            }
            else if (message is not null)
            {
                var name = message.Name is null ? Evaluated<string>.Fail("the message has no name") : Expressions.String(message.Name, scope);
                var key = message.CorrelationKey is null ? Evaluated<string>.Fail("the message has no correlation key") : Expressions.String(message.CorrelationKey, scope);
                if (name.Ok && key.Ok)
                {
                    messages.Add(new MessageSubscriptionRow(Keys.Next(), name.Value, key.Value, instance.Key, owner.Key, node.Id,
                        instance.Row.BpmnProcessId, node is not ExecutableEvent { IsInterrupting: false }, Now));
                }
                failure = name.Failure ?? (key.Ok ? null : $"Failed to extract the correlation key: {key.Failure}");
            }
            else if (signal is not null)
            {
                var name = signal.Name is null ? Evaluated<string>.Fail("the signal has no name") : Expressions.String(signal.Name, scope);
                if (name.Ok)
                {
                    signals.Add(new SignalSubscriptionRow(Keys.Next(), name.Value, instance.Key, owner.Key, node.Id, Now));
                }
                failure = name.Failure;
            }
            if (failure is not null)
            {
                RaiseIncident(instance, owner, IncidentTypes.ExtractValueError, $"{node.ElementType} '{node.Id}': {failure}");
                return false;
            }
        }
        Changes.NewTimers.AddRange(timers);
        foreach (var timer in timers)
        {
            History(instance, owner, HistoryEvents.TimerCreated, new JsonObject { ["timerKey"] = timer.Key, ["elementId"] = timer.ElementId, ["dueAt"] = timer.DueAt });
        }
        Changes.NewMessageSubscriptions.AddRange(messages);
        foreach (var subscription in messages)
        {
            FollowUps.Enqueue(new CorrelateBufferedMessage(instance.Key, owner.Key, subscription.ElementId,
                subscription.MessageName, subscription.CorrelationKey, instance.Row.BpmnProcessId));
        }
        Changes.NewSignalSubscriptions.AddRange(signals);
        return true;
    }

    /// <summary>Whether a subscription opened in this command still waits: its owner is active and it was not closed.</summary>
    public bool IsSubscriptionOpen(InstanceState instance, long ownerKey, string catchElementId) =>
        instance.Find(ownerKey) is not null &&
        !Changes.ClosedSubscriptions.Any(c => c.Owner == ownerKey && c.ElementIds.Contains(catchElementId));

    /// <summary>The timer text: a literal, or a FEEL value (string, duration or date and time) turned into ISO 8601.</summary>
    private Evaluated<string> TimerText(TimerDefinition timer, Feel.Evaluation.FeelScope scope)
    {
        var value = Expressions.Evaluate(timer.Expression, scope);
        if (!value.Ok)
        {
            return Evaluated<string>.Fail(value.Failure!);
        }
        return value.Value switch
        {
            FeelString s => new(s.Value, null),
            FeelDaysTime d => new(System.Xml.XmlConvert.ToString(d.Value), null),
            FeelDateTime dt when dt.HasZone => new(dt.ToString(), null),
            _ => Evaluated<string>.Fail($"Expected the timer expression '{timer.Expression.Text}' to be a string, duration or date and time with a zone, but was {value.Value}."),
        };
    }

    /// <summary>
    /// An event arrived for a subscription: <paramref name="catchElementId"/> is the waiting element, owned by
    /// <paramref name="ownerKey"/> (the catch event itself, the activity of a boundary event, the scope of an
    /// event subprocess, or an event-based gateway). False when the owner is gone (nothing happens).
    /// </summary>
    public bool Trigger(InstanceState instance, long ownerKey, string catchElementId, JsonObject? variables)
    {
        if (instance.Find(ownerKey) is not { } owner || instance.Model.FindFlowNode(catchElementId) is not { } node)
        {
            return false;
        }
        var triggerVariables = variables?.DeepClone().AsObject() ?? [];
        if (node is ExecutableEvent { AttachedTo: not null } boundary)
        {
            var flowScope = instance.Get(owner.FlowScopeKey!.Value);
            if (boundary.IsInterrupting)
            {
                Interrupt(instance, owner, flowScope);
            }
            Activate(instance, boundary, flowScope, e => Arm(e, triggerVariables));
            return true;
        }
        if (node is ExecutableEvent { Kind: ElementKind.StartEvent } start && start.FlowScope.Owner is ExecutableSubProcess { IsEventSubProcess: true } eventSubProcess)
        {
            StartEventSubProcess(instance, owner, eventSubProcess, start, triggerVariables);
            return true;
        }
        if (instance.ModelElement(owner) is ExecutableGateway { Kind: ElementKind.EventBasedGateway })
        {
            var flowScope = instance.Get(owner.FlowScopeKey!.Value);
            var placeholder = node.Incoming.FirstOrDefault();
            if (placeholder is not null)
            {
                flowScope.InFlight.Add(placeholder);
            }
            Complete(instance, owner);
            if (placeholder is not null)
            {
                flowScope.InFlight.Remove(placeholder);
            }
            Activate(instance, node, flowScope, e => Arm(e, triggerVariables));
            return true;
        }
        if (owner.ElementId == catchElementId && owner.State == ElementState.Activated)
        {
            owner.Data.TriggerVariables = triggerVariables;
            owner.IsDirty = true;
            Complete(instance, owner);
            return true;
        }
        return false;
    }

    private static void Arm(ElementInstance element, JsonObject variables)
    {
        element.Triggered = true;
        element.Data.TriggerVariables = variables;
    }

    /// <summary>Starts an event subprocess in <paramref name="scope"/>; an interrupting one first cancels everything else there.</summary>
    private void StartEventSubProcess(InstanceState instance, ElementInstance scope, ExecutableSubProcess eventSubProcess, ExecutableEvent start, JsonObject variables)
    {
        if (start.IsInterrupting)
        {
            foreach (var child in instance.Children(scope.Key))
            {
                Terminate(instance, child);
            }
            scope.InFlight.Clear();
            scope.Data.JoinTokens = null;
            scope.Data.Interrupted = true;
            scope.IsDirty = true;
            // Only the scope's event subprocess starts close: a subprocess keeps its own boundary events (owned by
            // the same element instance) while its interrupting event subprocess runs, as in Zeebe.
            var model = scope.IsProcess ? instance.Model.Scope : ((ExecutableSubProcess)instance.ModelElement(scope)).Scope;
            Changes.ClosedSubscriptions.Add((scope.Key, [.. EventSubProcessStarts(model).Select(e => e.Id)]));
        }
        Activate(instance, eventSubProcess, scope, e =>
        {
            e.StartElementId = start.Id;
            e.Data.TriggerVariables = variables;
        });
    }

    /// <summary>Cancels <paramref name="element"/> for an interrupting event, keeping its flow scope from completing meanwhile.</summary>
    private void Interrupt(InstanceState instance, ElementInstance element, ElementInstance flowScope)
    {
        var hold = new ExecutableSequenceFlow { Id = "(interrupt)", Kind = ElementKind.SequenceFlow };
        flowScope.InFlight.Add(hold);
        Terminate(instance, element);
        flowScope.InFlight.Remove(hold);
    }

    /// <summary>
    /// Looks for a catch of an error from <paramref name="thrower"/> outwards: boundary events, then error event
    /// subprocesses, scope by scope, across call activities into parent instances. False when nothing catches it.
    /// </summary>
    public bool ThrowError(InstanceState instance, ElementInstance thrower, string errorCode, string? errorMessage, JsonObject? variables)
    {
        History(instance, thrower, HistoryEvents.ErrorThrown, new JsonObject { ["errorCode"] = errorCode, ["errorMessage"] = errorMessage });
        var payload = variables?.DeepClone().AsObject() ?? [];
        return FindCatch(instance, thrower, EventDefinitionKind.Error, errorCode, (inst, owner, catchNode, flowScope) =>
        {
            if (catchNode is ExecutableEvent { AttachedTo: not null } boundary)
            {
                Interrupt(inst, owner, flowScope!);
                Activate(inst, boundary, flowScope!, e => Arm(e, payload));
            }
            else
            {
                var start = (ExecutableEvent)catchNode;
                StartEventSubProcess(inst, owner, (ExecutableSubProcess)start.FlowScope.Owner, start, payload);
            }
            return true;
        });
    }

    /// <summary>Like an error, but an uncaught escalation is no failure. True when the thrower was interrupted.</summary>
    public bool ThrowEscalation(InstanceState instance, ElementInstance thrower, string escalationCode)
    {
        History(instance, thrower, HistoryEvents.EscalationThrown, new JsonObject { ["escalationCode"] = escalationCode });
        var interrupted = false;
        FindCatch(instance, thrower, EventDefinitionKind.Escalation, escalationCode, (inst, owner, catchNode, flowScope) =>
        {
            var catchEvent = (ExecutableEvent)catchNode;
            if (catchEvent.AttachedTo is not null)
            {
                if (catchEvent.IsInterrupting)
                {
                    Interrupt(inst, owner, flowScope!);
                    interrupted = true;
                }
                Activate(inst, catchEvent, flowScope!, e => Arm(e, []));
            }
            else
            {
                interrupted = catchEvent.IsInterrupting;
                StartEventSubProcess(inst, owner, (ExecutableSubProcess)catchEvent.FlowScope.Owner, catchEvent, []);
            }
            return true;
        });
        return interrupted;
    }

    private delegate bool CatchHandler(InstanceState instance, ElementInstance owner, ExecutableFlowNode catchNode, ElementInstance? flowScope);

    private bool FindCatch(InstanceState instance, ElementInstance thrower, EventDefinitionKind kind, string code, CatchHandler handle)
    {
        var inst = instance;
        var current = thrower;
        while (true)
        {
            var model = inst.ModelElement(current);
            if (model is ExecutableActivity activity && !IsMultiInstanceInner(inst, current) && current.FlowScopeKey is { } scopeKey)
            {
                var boundary = BestCatch(activity.BoundaryEvents, kind, code);
                if (boundary is not null)
                {
                    return handle(inst, current, boundary, inst.Get(scopeKey));
                }
            }
            var scope = model switch
            {
                ExecutableProcess p => p.Scope,
                ExecutableSubProcess s when !current.IsMultiInstanceBody => s.Scope,
                _ => null,
            };
            var start = scope is null ? null : BestCatch(EventSubProcessStarts(scope), kind, code);
            if (start is not null && current.Key != thrower.Key)
            {
                return handle(inst, current, start, null);
            }
            if (current.FlowScopeKey is { } parent)
            {
                current = inst.Get(parent);
                continue;
            }
            // The process scope: continue in the parent instance at the call activity, if this one was called.
            if (inst.Row.ParentProcessInstanceKey is { } parentKey && Instances.TryGetValue(parentKey, out var parentInstance) &&
                parentInstance.Find(inst.Row.ParentElementInstanceKey!.Value) is { } callActivity)
            {
                inst = parentInstance;
                current = callActivity;
                continue;
            }
            return false;
        }
    }

    /// <summary>
    /// Among the catch events of one scope, the one whose code matches wins over a catch-all (no code), whatever
    /// their order in the model (as in Zeebe); before, the first in model order won.
    /// </summary>
    private static ExecutableEvent? BestCatch(IEnumerable<ExecutableEvent> events, EventDefinitionKind kind, string code)
    {
        ExecutableEvent? catchAll = null;
        foreach (var candidate in events.Where(e => e.EventKind == kind))
        {
            var expected = kind == EventDefinitionKind.Error ? candidate.Error?.ErrorCode : candidate.Escalation?.EscalationCode;
            if (expected is null || string.IsNullOrEmpty(expected.Text))
            {
                catchAll ??= candidate;
            }
            else if (string.Equals(expected.Text, code, StringComparison.Ordinal))
            {
                return candidate;
            }
        }
        return catchAll;
    }
}
