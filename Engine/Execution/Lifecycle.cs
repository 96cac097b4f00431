using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution;

/// <summary>Activation, completion and termination of element instances: the part every element shares.</summary>
internal sealed partial class Execution
{
    /// <summary>Creates an element instance in <paramref name="flowScope"/> and runs its activation.</summary>
    public ElementInstance Activate(InstanceState instance, ExecutableFlowNode node, ElementInstance flowScope,
        Action<ElementInstance>? initialize = null, bool asMultiInstanceInner = false)
    {
        var isBody = !asMultiInstanceInner && node is ExecutableActivity { MultiInstance: not null };
        var element = new ElementInstance
        {
            Key = Keys.Next(),
            ProcessInstanceKey = instance.Key,
            ElementId = node.Id,
            FlowScopeKey = flowScope.Key,
            IsMultiInstanceBody = isBody,
            ActivatedAt = Now,
            IsNew = true,
            IsDirty = true,
        };
        instance.Add(element);
        // The scope makes Camunda's elementInstanceScopeKey searchable after the element left; an event subprocess is
        // marked because the history's element type (the BPMN name) is subProcess for both kinds.
        var details = new JsonObject { ["flowScopeKey"] = flowScope.Key };
        if (!isBody && node is Bpmn.Executable.ExecutableSubProcess { IsEventSubProcess: true })
        {
            details["eventSubProcess"] = true;
        }
        History(instance, element, HistoryEvents.ElementActivating, details);
        ActivationHook?.Invoke(element);
        initialize?.Invoke(element);
        ContinueActivation(instance, element);
        return element;
    }

    /// <summary>
    /// Called for each element instance a modification creates, before its input mappings: the modification's variables
    /// go into the new scopes there. Null outside a modification.
    /// </summary>
    public Action<ElementInstance>? ActivationHook { get; set; }

    /// <summary>
    /// A modification activates <paramref name="node"/> as it is, not by a flow: a joining gateway fires at once and takes
    /// the tokens waiting at it in <paramref name="flowScope"/> along (else they would keep the scope from ever completing).
    /// </summary>
    public void ActivateDirectly(InstanceState instance, ExecutableFlowNode node, ElementInstance flowScope)
    {
        if (node is ExecutableGateway && flowScope.Data.JoinTokens is { } tokens)
        {
            foreach (var key in tokens.Keys.Where(k => k.StartsWith(node.Id + "|", StringComparison.Ordinal)).ToList())
            {
                tokens.Remove(key);
            }
            if (tokens.Count == 0)
            {
                flowScope.Data.JoinTokens = null;
            }
            flowScope.IsDirty = true;
        }
        Activate(instance, node, flowScope);
    }

    /// <summary>Input mappings, then the element's own start. Re-entered when an incident at activation is resolved.</summary>
    public void ContinueActivation(InstanceState instance, ElementInstance element)
    {
        var model = instance.ModelElement(element);
        if (!element.IsMultiInstanceBody && model is ExecutableFlowNode node && !node.IoMapping.Inputs.IsEmpty)
        {
            // Inputs see the flow scope's variables and the inputs mapped before them.
            foreach (var input in node.IoMapping.Inputs)
            {
                var value = Expressions.Json(input.Source, VariableScope.For(instance, element.Key));
                if (!value.Ok)
                {
                    RaiseIncident(instance, element, IncidentTypes.IoMappingError, value.Failure!);
                    return;
                }
                var (name, inputValue) = NestedTarget(input.Target, value.Value,
                    instance.TryGetLocal(element.Key, RootName(input.Target), out var mapped) ? mapped : null);
                SetVariable(instance, element.Key, name, inputValue, local: true);
            }
        }
        // Boundary and event subprocess subscriptions open before the element counts as activated, all in one go
        // (as Zeebe does): when one cannot open (say its correlation key fails), the incident leaves the element
        // Activating, so resolving it re-runs this method once — never the behaviour's start (a second job) or a
        // second copy of the subscriptions that did open.
        if (!OpenSubscriptions(instance, element, WaitingEventsOf(instance, element, model)))
        {
            return;
        }
        element.Transition(ElementState.Activated);
        History(instance, element, HistoryEvents.ElementActivated);
        SlaPauseTrigger(instance, element, model, pause: true);
        BehaviorOf(instance, element).OnActivated(this, instance, element);
    }

    /// <summary>The element's work is done: output mappings, then it leaves and its flow scope moves on.</summary>
    public void Complete(InstanceState instance, ElementInstance element)
    {
        element.Transition(ElementState.Completing);
        ContinueCompletion(instance, element);
    }

    /// <summary>Re-entered when an incident at completion (an output mapping) is resolved.</summary>
    public void ContinueCompletion(InstanceState instance, ElementInstance element)
    {
        var model = instance.ModelElement(element);
        var behavior = BehaviorOf(instance, element);
        if (element.Data.TriggerVariables is { } triggered)
        {
            ApplyResultVariables(instance, element, triggered);
            element.Data.TriggerVariables = null;
            element.IsDirty = true;
        }
        if (!behavior.BeforeCompletion(this, instance, element))
        {
            return; // an incident was raised
        }
        if (!element.IsMultiInstanceBody && model is ExecutableFlowNode node && !node.IoMapping.Outputs.IsEmpty && !element.IsProcess)
        {
            foreach (var output in node.IoMapping.Outputs)
            {
                var value = Expressions.Json(output.Source, VariableScope.For(instance, element.Key));
                if (!value.Ok)
                {
                    RaiseIncident(instance, element, IncidentTypes.IoMappingError, value.Failure!);
                    return;
                }
                var (name, outputValue) = NestedTarget(output.Target, value.Value,
                    instance.TryGetVisible(element.FlowScopeKey!.Value, RootName(output.Target), out var existing) ? existing : null);
                SetVariable(instance, element.FlowScopeKey!.Value, name, outputValue, local: false);
            }
        }
        if (IsMultiInstanceInner(instance, element) && !Behaviors.MultiInstanceBodyBehavior.CollectOutput(this, instance, element))
        {
            return;
        }
        IReadOnlyList<ExecutableSequenceFlow> flows = [];
        if (model is ExecutableFlowNode flowNode && !IsMultiInstanceInner(instance, element))
        {
            // Chosen before the element leaves, so a failing condition leaves it here, with an incident, to retry.
            var selected = behavior.SelectFlows(this, instance, element, flowNode);
            if (selected is null)
            {
                return;
            }
            flows = selected;
        }
        var flowScope = element.FlowScopeKey is { } scopeKey ? instance.Find(scopeKey) : null;
        instance.Remove(element);
        History(instance, element, HistoryEvents.ElementCompleted);
        SlaPauseTrigger(instance, element, model, pause: false);
        behavior.OnCompleted(this, instance, element, flowScope);
        if (flowScope is not null)
        {
            foreach (var flow in flows)
            {
                TakeFlow(instance, flow, flowScope);
            }
            ChildEnded(instance, flowScope, element);
        }
    }

    /// <summary>
    /// Zeebe's nested mapping targets: "a.b.c" sets path b.c inside variable a (variable names cannot contain a
    /// dot), creating the objects on the way; the value is merged into <paramref name="existing"/> when that is an
    /// object — for inputs the value earlier mappings of the element built, for outputs the variable already
    /// visible in the flow scope. Connector templates depend on it ("authentication.type"); the whole target used
    /// to become one variable named with dots.
    /// </summary>
    private static (string Name, JsonNode? Value) NestedTarget(string target, JsonNode? value, JsonNode? existing)
    {
        var path = target.Split('.');
        if (path.Length == 1)
        {
            return (target, value);
        }
        var root = existing is JsonObject current ? current.DeepClone().AsObject() : new JsonObject();
        var node = root;
        for (var i = 1; i < path.Length - 1; i++)
        {
            if (node[path[i]] is not JsonObject next)
            {
                next = new JsonObject();
                node[path[i]] = next;
            }
            node = next;
        }
        node[path[^1]] = value?.DeepClone();
        return (path[0], root);
    }

    private static string RootName(string target) => target.Split('.')[0];

    /// <summary>Cancels an element and everything inside it. What follows is the caller's business.</summary>
    public void Terminate(InstanceState instance, ElementInstance element)
    {
        element.Transition(ElementState.Terminating);
        foreach (var child in instance.Children(element.Key))
        {
            Terminate(instance, child);
        }
        BehaviorOf(instance, element).OnTerminated(this, instance, element);
        instance.Remove(element);
        History(instance, element, HistoryEvents.ElementTerminated);
        SlaPauseTrigger(instance, element, instance.ModelElement(element), pause: false);
    }

    /// <summary>
    /// An element with the property <c>slaPause</c> (its value the reason, e.g. "waiting for the customer") pauses
    /// its case's SLA clock while it waits and resumes it when it leaves, completed or terminated. The clock's rows
    /// are the SLA clock commands' (after the steps, in this transaction): a follow-up. A multi-instance element
    /// pauses once, by its body.
    /// </summary>
    private void SlaPauseTrigger(InstanceState instance, ElementInstance element, ExecutableElement? model, bool pause)
    {
        if (model is ExecutableFlowNode node && node.Properties.TryGetValue(SlaPauseProperty, out var reason) &&
            !element.IsProcess && !IsMultiInstanceInner(instance, element))
        {
            FollowUps.Enqueue(new SlaPauseByModel(instance.Key, element.Key, node.Id, pause ? reason : null));
        }
    }

    /// <summary>The extension property that pauses a case's SLA clock while its element waits.</summary>
    public const string SlaPauseProperty = "slaPause";

    /// <summary>
    /// The flows out of an element that completes: unconditional ones and those whose condition holds, else the
    /// default flow. Null when a condition could not be evaluated (an incident was raised on the element).
    /// </summary>
    public IReadOnlyList<ExecutableSequenceFlow>? ConditionalFlows(InstanceState instance, ElementInstance element, ExecutableFlowNode node,
        bool firstOnly, bool requireMatch)
    {
        var defaultFlow = node switch
        {
            ExecutableActivity a => a.DefaultFlow,
            ExecutableGateway g => g.DefaultFlow,
            _ => null,
        };
        var taken = new List<ExecutableSequenceFlow>();
        foreach (var flow in node.Outgoing)
        {
            if (flow == defaultFlow)
            {
                continue;
            }
            if (flow.Condition is null)
            {
                taken.Add(flow);
            }
            else
            {
                var holds = Expressions.Boolean(flow.Condition, VariableScope.For(instance, element.Key));
                if (!holds.Ok)
                {
                    RaiseIncident(instance, element, IncidentTypes.ConditionError, $"Condition of sequence flow '{flow.Id}': {holds.Failure}");
                    return null;
                }
                if (holds.Value)
                {
                    taken.Add(flow);
                }
            }
            if (firstOnly && taken.Count == 1)
            {
                return taken;
            }
        }
        if (taken.Count == 0 && defaultFlow is not null)
        {
            taken.Add(defaultFlow);
        }
        if (taken.Count == 0 && requireMatch && !node.Outgoing.IsEmpty)
        {
            RaiseIncident(instance, element, IncidentTypes.ConditionError,
                $"Expected at least one condition of the outgoing flows of {node.ElementType} '{node.Id}' to evaluate to true, or a default flow, but none did.");
            return null;
        }
        return taken;
    }

    public void TakeFlow(InstanceState instance, ExecutableSequenceFlow flow, ElementInstance flowScope)
    {
        Changes.Record(new HistoryRow(instance.Key, flowScope.Key, flow.Id, "sequenceFlow", HistoryEvents.SequenceFlowTaken, null, Now));
        flowScope.InFlight.Add(flow);
        Enqueue(() =>
        {
            flowScope.InFlight.Remove(flow);
            if (instance.Find(flowScope.Key) is null || flowScope.State is ElementState.Terminating or ElementState.Completing || flowScope.Data.Interrupted == true)
            {
                return; // the scope was cancelled (or an ad-hoc sub-process completed) while the token was on its way
            }
            ArriveAt(instance, flow, flowScope);
        });
    }

    private void ArriveAt(InstanceState instance, ExecutableSequenceFlow flow, ElementInstance flowScope)
    {
        if (flow.Target is ExecutableGateway { Kind: ElementKind.ParallelGateway or ElementKind.InclusiveGateway } gateway && gateway.Incoming.Length > 1)
        {
            Join(instance, gateway, flow, flowScope);
            return;
        }
        Activate(instance, flow.Target, flowScope);
    }

    /// <summary>A child left its flow scope: the scope completes once nothing is active or on its way in it.</summary>
    public void ChildEnded(InstanceState instance, ElementInstance flowScope, ElementInstance child)
    {
        if (flowScope.State is ElementState.Terminating)
        {
            return;
        }
        RecheckInclusiveJoins(instance, flowScope);
        if (instance.Find(flowScope.Key) is null)
        {
            return; // a join that fired completed the scope already
        }
        BehaviorOf(instance, flowScope).OnChildEnded(this, instance, flowScope, child);
    }

    /// <summary>Whether a container has nothing left to do: no children, no tokens in flight or waiting at joins.</summary>
    public static bool IsIdle(InstanceState instance, ElementInstance scope) =>
        instance.ChildCount(scope.Key) == 0 && scope.InFlight.Count == 0 &&
        (scope.Data.JoinTokens is null || scope.Data.JoinTokens.Values.All(v => v == 0));

    public static bool IsMultiInstanceInner(InstanceState instance, ElementInstance element) =>
        element.FlowScopeKey is { } scope && instance.Find(scope) is { IsMultiInstanceBody: true } body && body.ElementId == element.ElementId;

    /// <summary>Variables of the process scope, for a parent when a called process completes.</summary>
    public static JsonObject RootVariables(InstanceState instance)
    {
        var result = new JsonObject();
        foreach (var (name, value) in instance.LocalVariables(instance.Key))
        {
            result[name] = value?.DeepClone();
        }
        return result;
    }
}
