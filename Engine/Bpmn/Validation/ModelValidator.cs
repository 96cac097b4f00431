using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Engine.Bpmn.Validation;

/// <summary>
/// Rules about how elements fit together (start events, flows, gateways, links, reachability). Each rule reports
/// and carries on, so one deployment attempt shows the designer every problem.
/// </summary>
internal static class ModelValidator
{
    public static void Validate(IReadOnlyList<ExecutableProcess> processes, ReadContext context)
    {
        foreach (var process in processes)
        {
            ValidateScope(process.Scope, context);
            foreach (var element in process.Elements.Values)
            {
                if (element is ExecutableFlowNode node)
                {
                    ValidateFlowNode(node, context);
                    ElementRules.Validate(node, context);
                }
            }
            ReportUnreachable(process, context);
        }
    }

    private static void ValidateScope(ExecutableScope scope, ReadContext context)
    {
        switch (scope.Owner)
        {
            case ExecutableProcess process:
                if (scope.StartEvents.IsEmpty)
                {
                    context.Error(process, "The process has no start event; add a start event (plain, message, timer or signal).");
                }
                if (scope.StartEvents.Count(e => e.EventKind == EventDefinitionKind.None) > 1)
                {
                    context.Error(process, "The process has more than one plain start event; only one is allowed.");
                }
                var messageStarts = scope.StartEvents.Where(e => e.Message?.Name is { IsExpression: false });
                foreach (var duplicate in messageStarts.GroupBy(e => e.Message!.Name!.Text).Where(g => g.Count() > 1))
                {
                    context.Error(duplicate.Last(), $"Two message start events wait for the message '{duplicate.Key}'; a message can start a process in one place only.");
                }
                break;
            case ExecutableSubProcess { IsEventSubProcess: true } eventSubProcess:
                if (scope.StartEvents.Length != 1)
                {
                    context.Error(eventSubProcess, "An event subprocess needs exactly one start event with a trigger (message, timer, signal, error or escalation).");
                }
                if (!eventSubProcess.Incoming.IsEmpty || !eventSubProcess.Outgoing.IsEmpty)
                {
                    context.Error(eventSubProcess, "An event subprocess cannot have incoming or outgoing sequence flows; it is started by its event.");
                }
                break;
            case ExecutableSubProcess { AdHoc: not null } adHoc:
                AdHocRules.Validate(adHoc, context);
                break;
            case ExecutableSubProcess subProcess:
                if (scope.StartEvents.Length != 1)
                {
                    context.Error(subProcess, "An embedded subprocess needs exactly one plain start event.");
                }
                break;
        }
        foreach (var child in scope.FlowNodes.OfType<ExecutableSubProcess>())
        {
            ValidateScope(child.Scope, context);
        }
        ValidateLinks(scope, context);
    }

    private static void ValidateFlowNode(ExecutableFlowNode node, ReadContext context)
    {
        switch (node.Kind)
        {
            case ElementKind.StartEvent when !node.Incoming.IsEmpty:
                context.Error(node, "A start event cannot have incoming sequence flows.");
                break;
            case ElementKind.BoundaryEvent when !node.Incoming.IsEmpty:
                context.Error(node, "A boundary event cannot have incoming sequence flows.");
                break;
            case ElementKind.EndEvent when !node.Outgoing.IsEmpty:
                context.Error(node, "An end event cannot have outgoing sequence flows.");
                break;
            case ElementKind.ExclusiveGateway or ElementKind.InclusiveGateway:
                ValidateConditions(node, ((ExecutableGateway)node).DefaultFlow, context);
                break;
            case ElementKind.ParallelGateway when node.Outgoing.Any(f => f.Condition is not null):
                context.Warning(node, "Conditions on sequence flows leaving a parallel gateway are ignored; every flow is taken.");
                break;
            case ElementKind.EventBasedGateway:
                ValidateEventBasedGateway(node, context);
                break;
        }
        foreach (var flow in node.Outgoing.Where(f => f.IsDefault && f.Condition is not null))
        {
            context.Warning(flow, "The default flow has a condition, which is ignored: a default flow is taken when no other condition holds.");
        }
    }

    private static void ValidateConditions(ExecutableFlowNode gateway, ExecutableSequenceFlow? defaultFlow, ReadContext context)
    {
        if (gateway.Outgoing.Length <= 1)
        {
            return;
        }
        var unconditional = gateway.Outgoing
            .Where(f => f.Condition is null && !ReferenceEquals(f, defaultFlow))
            .Select(f => f.Id)
            .ToList();
        if (unconditional.Count > 0)
        {
            context.Error(gateway, $"The {gateway.ElementType} has several outgoing flows but {string.Join(", ", unconditional.Select(id => $"'{id}'"))} " +
                "has no condition; give every outgoing flow a condition, or mark one as the default flow.");
        }
    }

    private static void ValidateEventBasedGateway(ExecutableFlowNode gateway, ReadContext context)
    {
        if (gateway.Outgoing.Length < 2)
        {
            context.Error(gateway, "An event-based gateway needs at least two outgoing sequence flows, each to an event that waits.");
        }
        foreach (var flow in gateway.Outgoing)
        {
            var target = flow.Target;
            var waits = target switch
            {
                ExecutableEvent { Kind: ElementKind.IntermediateCatchEvent, EventKind: EventDefinitionKind.Message or EventDefinitionKind.Timer or EventDefinitionKind.Signal } => true,
                ExecutableActivity { Kind: ElementKind.ReceiveTask } => true,
                _ => false,
            };
            if (!waits)
            {
                context.Error(gateway, $"An event-based gateway can only lead to message, timer or signal catch events or receive tasks, not to the {target.ElementType} '{target.Id}'.");
            }
            if (flow.Condition is not null)
            {
                context.Error(flow, "Sequence flows leaving an event-based gateway cannot have conditions; the first event to occur decides.");
            }
        }
    }

    private static void ValidateLinks(ExecutableScope scope, ReadContext context)
    {
        var catches = new Dictionary<string, ExecutableEvent>(StringComparer.Ordinal);
        foreach (var link in scope.FlowNodes.OfType<ExecutableEvent>().Where(e => e is { Kind: ElementKind.IntermediateCatchEvent, Link: not null }))
        {
            if (!catches.TryAdd(link.Link!.Name, link))
            {
                context.Error(link, $"Two link catch events in the same scope are named '{link.Link.Name}'; link names must be unique.");
            }
        }
        foreach (var link in scope.FlowNodes.OfType<ExecutableEvent>().Where(e => e is { Kind: ElementKind.IntermediateThrowEvent, Link: not null }))
        {
            if (!catches.ContainsKey(link.Link!.Name))
            {
                context.Error(link, $"No link catch event named '{link.Link.Name}' exists in the same scope as this link throw event.");
            }
        }
    }

    /// <summary>
    /// Nodes no token can reach are not wrong (modelers park drafts), but usually a forgotten flow: a warning.
    /// Tokens enter a scope at start events, boundary events, link catches, event subprocesses and an ad-hoc sub-process's activatable elements.
    /// </summary>
    private static void ReportUnreachable(ExecutableProcess process, ReadContext context)
    {
        var reached = new HashSet<ExecutableFlowNode>();
        var pending = new Stack<ExecutableFlowNode>();
        foreach (var node in process.Elements.Values.OfType<ExecutableFlowNode>())
        {
            var entry = node is ExecutableEvent { Kind: ElementKind.StartEvent or ElementKind.BoundaryEvent }
                or ExecutableEvent { Kind: ElementKind.IntermediateCatchEvent, EventKind: EventDefinitionKind.Link }
                or ExecutableSubProcess { IsEventSubProcess: true }
                || (node.FlowScope.Owner is ExecutableSubProcess { AdHoc: not null } adHoc && adHoc.AdHocActivities.Contains(node));
            if (entry && reached.Add(node))
            {
                pending.Push(node);
            }
        }
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            foreach (var flow in node.Outgoing)
            {
                if (reached.Add(flow.Target))
                {
                    pending.Push(flow.Target);
                }
            }
        }
        foreach (var node in process.Elements.Values.OfType<ExecutableFlowNode>().Where(n => !reached.Contains(n)))
        {
            context.Warning(node, "No sequence flow leads to this element, so it is never reached.");
        }
    }
}
