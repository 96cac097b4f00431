using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Migration;

/// <summary>The subscriptions one element instance owns, as the move treats them.</summary>
/// <param name="Kept">Source catch element id → target catch element id: the row stays (a timer keeps its due date).</param>
/// <param name="Opened">Target events the source had no counterpart for: subscribed anew after the move.</param>
internal sealed record OwnedSubscriptions(long OwnerKey, IReadOnlyDictionary<string, string> Kept, IReadOnlyList<ExecutableFlowNode> Opened);

/// <summary>The outcome of the precondition chain: problems, or where every element instance and subscription goes.</summary>
internal sealed record MigrationCheck(
    IReadOnlyList<MigrationProblem> Problems,
    IReadOnlyDictionary<long, string> TargetElementIds,
    IReadOnlyList<OwnedSubscriptions> Subscriptions);

/// <summary>
/// The one precondition chain of instance migration, on the loaded instance and the target model, before anything
/// moves: the plan names real elements; every active element has a target of the same type in the same (mapped)
/// flow scope; nothing active is in a multi-instance activity, an event subprocess or waiting at a join (not
/// supported: refused, never half-moved); catch events keep their kind. Every problem is reported, not the first.
/// </summary>
internal static class MigrationRules
{
    public static MigrationCheck Check(InstanceState instance, ExecutableDefinition target, MigrationPlan plan)
    {
        var problems = new List<MigrationProblem>();
        var source = instance.Model;
        var instructions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in plan.MappingInstructions)
        {
            if (string.IsNullOrWhiteSpace(instruction.SourceElementId) || string.IsNullOrWhiteSpace(instruction.TargetElementId))
            {
                problems.Add(new(instruction.SourceElementId ?? "", "a mapping instruction needs both sourceElementId and targetElementId"));
                continue;
            }
            if (!source.Elements.ContainsKey(instruction.SourceElementId))
            {
                problems.Add(new(instruction.SourceElementId, $"the mapping names a source element that version {instance.Row.ProcessVersion} does not have"));
            }
            if (!target.Model.Elements.ContainsKey(instruction.TargetElementId))
            {
                problems.Add(new(instruction.TargetElementId, $"the mapping names a target element that version {target.Version} does not have"));
            }
            if (!instructions.TryAdd(instruction.SourceElementId, instruction.TargetElementId))
            {
                problems.Add(new(instruction.SourceElementId, "the source element is mapped more than once"));
            }
        }

        string? Map(string id) => instructions.TryGetValue(id, out var mapped) ? mapped : target.Model.Elements.ContainsKey(id) ? id : null;

        var targets = new Dictionary<long, string>();
        var subscriptions = new List<OwnedSubscriptions>();
        foreach (var element in instance.Elements.OrderBy(e => e.Key))
        {
            // Join tokens live on the flow scope (the process itself, or a subprocess): arrived tokens are counted by
            // the source's flow ids, which the target need not share, so a waiting join is refused, never guessed.
            foreach (var joining in element.Data.JoinTokens?.Where(t => t.Value > 0).Select(t => t.Key.Split('|')[0]).Distinct() ?? [])
            {
                problems.Add(new(joining, $"tokens wait at this joining gateway (in '{element.ElementId}'); instances waiting at a join cannot be moved"));
            }
            if (element.IsProcess)
            {
                targets[element.Key] = target.BpmnProcessId;
                subscriptions.Add(Subscriptions(element, source, target.Model, Map, problems));
                continue;
            }
            if (CheckElement(instance, element, target, Map, problems) is { } node)
            {
                targets[element.Key] = node.Id;
                subscriptions.Add(Subscriptions(element, instance.ModelElement(element), node, Map, problems));
            }
        }
        var distinct = problems.Distinct().ToList();
        return new MigrationCheck(distinct, targets, subscriptions);
    }

    /// <summary>The target node of an active element, or null after adding why it cannot move.</summary>
    private static ExecutableFlowNode? CheckElement(InstanceState instance, ElementInstance element, ExecutableDefinition target,
        Func<string, string?> map, List<MigrationProblem> problems)
    {
        var node = (ExecutableFlowNode)instance.ModelElement(element);
        var count = problems.Count;
        if (element.IsMultiInstanceBody || node is ExecutableActivity { MultiInstance: not null })
        {
            problems.Add(new(node.Id, $"{node.ElementType} is a multi-instance activity; moving active multi-instance activities is not supported"));
        }
        if (node.Kind == ElementKind.AdHocSubProcess || node.FlowScope.Owner is ExecutableSubProcess { AdHoc: not null })
        {
            problems.Add(new(node.Id, node.Kind == ElementKind.AdHocSubProcess
                ? "adHocSubProcess is active; moving an active ad-hoc sub-process is not supported"
                : $"{node.ElementType} is active inside ad-hoc sub-process '{node.FlowScope.Owner.Id}'; moving an active ad-hoc sub-process is not supported"));
        }
        if (EventSubProcessOf(node) is { } eventSubProcess)
        {
            problems.Add(new(node.Id, $"{node.ElementType} is active inside event subprocess '{eventSubProcess.Id}'; moving an active event subprocess is not supported"));
        }
        if (map(node.Id) is not { } targetId)
        {
            problems.Add(new(node.Id, $"the active {node.ElementType} has no mapping instruction and version {target.Version} has no element with this id"));
            return null;
        }
        if (target.Model.Elements[targetId] is not ExecutableFlowNode targetNode)
        {
            problems.Add(new(node.Id, $"is mapped to '{targetId}', which is not a flow node in version {target.Version}"));
            return null;
        }
        if (targetNode.Kind != node.Kind)
        {
            problems.Add(new(node.Id, $"is a {node.ElementType} but '{targetId}' in version {target.Version} is a {targetNode.ElementType}; an element cannot change its type"));
        }
        else if (node is ExecutableEvent sourceEvent && targetNode is ExecutableEvent targetEvent && sourceEvent.EventKind != targetEvent.EventKind)
        {
            problems.Add(new(node.Id, $"is a {Describe(sourceEvent)} but '{targetId}' in version {target.Version} is a {Describe(targetEvent)}"));
        }
        if (targetNode is ExecutableActivity { MultiInstance: not null } && !element.IsMultiInstanceBody)
        {
            problems.Add(new(node.Id, $"is mapped to '{targetId}', a multi-instance activity in version {target.Version}; an activity cannot become multi-instance while active"));
        }
        if (EventSubProcessOf(targetNode) is { } targetEventSubProcess)
        {
            problems.Add(new(node.Id, $"is mapped to '{targetId}' inside event subprocess '{targetEventSubProcess.Id}' of version {target.Version}; not supported"));
        }
        if (element.FlowScopeKey is { } scopeKey && instance.Find(scopeKey) is { IsMultiInstanceBody: false } scope)
        {
            var expected = scope.IsProcess ? target.BpmnProcessId : map(scope.ElementId);
            var actual = targetNode.FlowScope.Owner.Id;
            if (expected is not null && expected != actual)
            {
                problems.Add(new(node.Id, $"would move from scope '{scope.ElementId}' to scope '{actual}' of version {target.Version}; " +
                    $"an active element stays in its (mapped) flow scope, here '{expected}'"));
            }
        }
        return problems.Count == count ? targetNode : null;
    }

    /// <summary>Which subscriptions of <paramref name="owner"/> stay (renamed), and which target events need new ones.</summary>
    private static OwnedSubscriptions Subscriptions(ElementInstance owner, ExecutableElement sourceNode, ExecutableElement targetNode,
        Func<string, string?> map, List<MigrationProblem> problems)
    {
        var targetEvents = SubscribedEvents(targetNode).ToDictionary(e => e.Id, StringComparer.Ordinal);
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var sourceEvent in SubscribedEvents(sourceNode))
        {
            if (map(sourceEvent.Id) is { } mapped && targetEvents.TryGetValue(mapped, out var targetEvent))
            {
                if (Trigger(sourceEvent) != Trigger(targetEvent))
                {
                    problems.Add(new(sourceEvent.Id, $"waits for a {Trigger(sourceEvent)} but '{mapped}' waits for a {Trigger(targetEvent)}; a catch event cannot change its trigger"));
                    continue;
                }
                kept[sourceEvent.Id] = mapped;
            }
        }
        var opened = owner.State == ElementState.Activated
            ? targetEvents.Values.Where(e => !kept.ContainsValue(e.Id)).ToList()
            : [];
        return new OwnedSubscriptions(owner.Key, kept, opened);
    }

    /// <summary>
    /// The events an element instance owns subscriptions for: an activity's timer, message and signal boundary events,
    /// the event subprocess starts of a (sub)process, a catch event or receive task itself, an event-based gateway's events.
    /// </summary>
    internal static IEnumerable<ExecutableFlowNode> SubscribedEvents(ExecutableElement element)
    {
        IEnumerable<ExecutableFlowNode> events = element switch
        {
            ExecutableProcess process => StartsOf(process.Scope),
            ExecutableSubProcess { IsEventSubProcess: false } sub => sub.BoundaryEvents.Concat<ExecutableFlowNode>(StartsOf(sub.Scope)),
            ExecutableActivity { Kind: ElementKind.ReceiveTask } receive => receive.BoundaryEvents.Prepend<ExecutableFlowNode>(receive),
            ExecutableActivity activity => activity.BoundaryEvents,
            ExecutableEvent { Kind: ElementKind.IntermediateCatchEvent } catchEvent => [catchEvent],
            ExecutableGateway { Kind: ElementKind.EventBasedGateway } gateway => gateway.Outgoing.Select(f => f.Target),
            _ => [],
        };
        return events.Where(e => Trigger(e) is not null);
    }

    private static IEnumerable<ExecutableFlowNode> StartsOf(ExecutableScope scope) =>
        scope.EventSubProcesses.SelectMany(e => e.Scope.StartEvents);

    private static string? Trigger(ExecutableFlowNode node) => node switch
    {
        ExecutableEvent { EventKind: EventDefinitionKind.Timer } => "timer",
        ExecutableEvent { EventKind: EventDefinitionKind.Message } => "message",
        ExecutableEvent { EventKind: EventDefinitionKind.Signal } => "signal",
        ExecutableActivity { Kind: ElementKind.ReceiveTask } => "message",
        _ => null,
    };

    private static string Describe(ExecutableEvent e) =>
        e.EventKind == EventDefinitionKind.None ? e.ElementType : $"{e.EventKind.ToString().ToLowerInvariant()} {e.ElementType}";

    private static ExecutableSubProcess? EventSubProcessOf(ExecutableFlowNode node)
    {
        if (node is ExecutableSubProcess { IsEventSubProcess: true } self)
        {
            return self;
        }
        for (var scope = node.FlowScope; scope is not null; scope = scope.Parent)
        {
            if (scope.Owner is ExecutableSubProcess { IsEventSubProcess: true } eventSubProcess)
            {
                return eventSubProcess;
            }
        }
        return null;
    }
}
