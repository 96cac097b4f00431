using System.Collections.Frozen;
using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>
/// Builds one <see cref="ExecutableProcess"/>: reads every scope's flow nodes first, then wires sequence flows,
/// boundary attachments and default flows, which may refer to elements that appear later in the file.
/// </summary>
internal sealed class ProcessReader
{
    /// <summary>The BPMN flow node types (local names) the engine runs; anything else is refused at deployment.</summary>
    internal static IEnumerable<string> SupportedTypes => FlowNodeKinds.Keys;

    /// <summary>The zeebe: extension elements the engine reads.</summary>
    internal static IEnumerable<string> SupportedExtensions => KnownExtensions;

    private static readonly Dictionary<string, ElementKind> FlowNodeKinds = new(StringComparer.Ordinal)
    {
        ["startEvent"] = ElementKind.StartEvent,
        ["endEvent"] = ElementKind.EndEvent,
        ["intermediateCatchEvent"] = ElementKind.IntermediateCatchEvent,
        ["intermediateThrowEvent"] = ElementKind.IntermediateThrowEvent,
        ["boundaryEvent"] = ElementKind.BoundaryEvent,
        ["task"] = ElementKind.Task,
        ["serviceTask"] = ElementKind.ServiceTask,
        ["userTask"] = ElementKind.UserTask,
        ["sendTask"] = ElementKind.SendTask,
        ["receiveTask"] = ElementKind.ReceiveTask,
        ["scriptTask"] = ElementKind.ScriptTask,
        ["businessRuleTask"] = ElementKind.BusinessRuleTask,
        ["manualTask"] = ElementKind.ManualTask,
        ["callActivity"] = ElementKind.CallActivity,
        ["subProcess"] = ElementKind.SubProcess,
        ["adHocSubProcess"] = ElementKind.AdHocSubProcess,
        ["exclusiveGateway"] = ElementKind.ExclusiveGateway,
        ["parallelGateway"] = ElementKind.ParallelGateway,
        ["inclusiveGateway"] = ElementKind.InclusiveGateway,
        ["eventBasedGateway"] = ElementKind.EventBasedGateway,
    };

    // Children of a process or subprocess that carry no behaviour (annotations, data, lanes) or that the
    // activity reader handles (markers, flow references).
    private static readonly FrozenSet<string> Passive = new[]
    {
        "laneSet", "textAnnotation", "association", "dataObject", "dataObjectReference", "dataStoreReference",
        "documentation", "extensionElements", "group", "property", "ioSpecification", "auditing", "monitoring",
        "incoming", "outgoing", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
        "dataInputAssociation", "dataOutputAssociation", "completionCondition",
    }.ToFrozenSet(StringComparer.Ordinal);

    // zeebe: extensions this engine understands; others (newer Camunda features) are reported as ignored.
    private static readonly FrozenSet<string> KnownExtensions = new[]
    {
        "taskDefinition", "ioMapping", "taskHeaders", "properties", "executionListeners", "assignmentDefinition",
        "taskSchedule", "priorityDefinition", "formDefinition", "userTaskForm", "userTask", "calledElement",
        "calledDecision", "script", "versionTag", "adHoc",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly ReadContext _context;
    private readonly IReadOnlyDictionary<string, string> _embeddedForms;
    private readonly Dictionary<string, ExecutableElement> _elements = new(StringComparer.Ordinal);
    private readonly Dictionary<ExecutableFlowNode, SourceElement> _sources = [];
    private readonly List<(SourceElement Flow, ExecutableScope Scope)> _flows = [];

    // Ids of flow nodes that were reported and left out; references to them are not reported a second time.
    private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);

    private ProcessReader(ReadContext context, IReadOnlyDictionary<string, string> embeddedForms)
    {
        _context = context;
        _embeddedForms = embeddedForms;
    }

    public static ExecutableProcess Read(SourceElement source, ReadContext context)
    {
        var forms = source.ZeebeExtensions()
            .Where(e => e.LocalName == "userTaskForm" && e.Id is not null)
            .GroupBy(e => e.Id!)
            .ToImmutableDictionary(g => g.Key, g => g.First().Text ?? "", StringComparer.Ordinal);
        var process = new ExecutableProcess
        {
            Id = source.Id!,
            Name = source.Attribute("name"),
            Kind = ElementKind.Process,
            VersionTag = source.ZeebeExtension("versionTag")?.NonBlank("value"),
            EmbeddedForms = forms,
            Properties = ZeebeExtensionReader.Properties(source, context),
            ExecutionListeners = ZeebeExtensionReader.ExecutionListeners(source, context),
        };
        WarnAboutUnknownExtensions(source, context);
        var reader = new ProcessReader(context, forms);
        process.Scope = reader.ReadScope(source, process, ScopeKind.Process, parent: null);
        reader.WireSequenceFlows();
        reader.WireBoundaryEvents();
        reader.WireDefaultFlows();
        process.Elements = reader._elements.ToFrozenDictionary(StringComparer.Ordinal);
        return process;
    }

    private ExecutableScope ReadScope(SourceElement container, ExecutableElement owner, ScopeKind kind, ExecutableScope? parent)
    {
        var scope = new ExecutableScope { Owner = owner, Parent = parent };
        var nodes = ImmutableArray.CreateBuilder<ExecutableFlowNode>();
        foreach (var child in container.Children)
        {
            if (child.Namespace != BpmnNamespaces.Model || Passive.Contains(child.LocalName))
            {
                continue;
            }
            if (child.LocalName == "sequenceFlow")
            {
                _flows.Add((child, scope));
                continue;
            }
            if (ReadFlowNode(child, kind, scope) is { } node)
            {
                nodes.Add(node);
            }
        }
        scope.FlowNodes = nodes.ToImmutable();
        scope.StartEvents = [.. scope.FlowNodes.OfType<ExecutableEvent>().Where(e => e.Kind == ElementKind.StartEvent)];
        scope.NoneStartEvent = scope.StartEvents.FirstOrDefault(e => e.EventKind == EventDefinitionKind.None);
        scope.EventSubProcesses = [.. scope.FlowNodes.OfType<ExecutableSubProcess>().Where(s => s.IsEventSubProcess)];
        return scope;
    }

    private ExecutableFlowNode? ReadFlowNode(SourceElement source, ScopeKind scopeKind, ExecutableScope scope)
    {
        if (!FlowNodeKinds.TryGetValue(source.LocalName, out var kind))
        {
            _context.Error(source, $"The element type '{source.LocalName}' is not supported.");
            Reject(source);
            return null;
        }
        if (string.IsNullOrWhiteSpace(source.Id))
        {
            _context.Error(source, $"A {source.LocalName} has no id.");
            return null;
        }
        if (kind == ElementKind.SubProcess && string.Equals(source.Attribute("triggeredByEvent"), "true", StringComparison.OrdinalIgnoreCase))
        {
            kind = ElementKind.EventSubProcess;
        }
        ExecutableFlowNode? node = kind switch
        {
            _ when kind.IsEvent() => EventReader.Read(source, kind, scopeKind, _context),
            _ when kind.IsGateway() => new ExecutableGateway
            {
                Id = source.Id, Name = source.Attribute("name"), Kind = kind,
                Properties = ZeebeExtensionReader.Properties(source, _context),
                ExecutionListeners = ZeebeExtensionReader.ExecutionListeners(source, _context),
            },
            _ => ActivityReader.Read(source, kind, _context, _embeddedForms),
        };
        if (node is null)
        {
            Reject(source);
            return null;
        }
        WarnAboutUnknownExtensions(source, _context);
        node.FlowScope = scope;
        _sources[node] = source;
        // A duplicate id was already reported; the first element keeps the id.
        _elements.TryAdd(node.Id, node);
        if (node is ExecutableSubProcess subProcess)
        {
            var childKind = kind == ElementKind.EventSubProcess ? ScopeKind.EventSubProcess : ScopeKind.SubProcess;
            subProcess.Scope = ReadScope(source, subProcess, childKind, scope);
        }
        return node;
    }

    private void WireSequenceFlows()
    {
        var incoming = new Dictionary<ExecutableFlowNode, ImmutableArray<ExecutableSequenceFlow>.Builder>();
        var outgoing = new Dictionary<ExecutableFlowNode, ImmutableArray<ExecutableSequenceFlow>.Builder>();
        var perScope = new Dictionary<ExecutableScope, ImmutableArray<ExecutableSequenceFlow>.Builder>();
        foreach (var (source, scope) in _flows)
        {
            if (string.IsNullOrWhiteSpace(source.Id))
            {
                _context.Error(source, "A sequence flow has no id.");
                continue;
            }
            var from = Endpoint(source, "sourceRef", scope);
            var to = Endpoint(source, "targetRef", scope);
            if (from is null || to is null)
            {
                continue;
            }
            var condition = source.BpmnChild("conditionExpression") is { } c && !string.IsNullOrWhiteSpace(c.Text)
                ? _context.Feel(c.Text, source, "condition")
                : null;
            var flow = new ExecutableSequenceFlow
            {
                Id = source.Id, Name = source.Attribute("name"), Kind = ElementKind.SequenceFlow,
                Source = from, Target = to, Condition = condition,
            };
            _elements.TryAdd(flow.Id, flow);
            Add(outgoing, from, flow);
            Add(incoming, to, flow);
            if (!perScope.TryGetValue(scope, out var scopeFlows))
            {
                perScope[scope] = scopeFlows = ImmutableArray.CreateBuilder<ExecutableSequenceFlow>();
            }
            scopeFlows.Add(flow);
        }
        foreach (var node in _sources.Keys)
        {
            node.Incoming = incoming.TryGetValue(node, out var i) ? i.ToImmutable() : [];
            node.Outgoing = outgoing.TryGetValue(node, out var o) ? o.ToImmutable() : [];
        }
        foreach (var (scope, flows) in perScope)
        {
            scope.SequenceFlows = flows.ToImmutable();
        }
    }

    private ExecutableFlowNode? Endpoint(SourceElement flow, string attribute, ExecutableScope scope)
    {
        if (flow.NonBlank(attribute) is not { } reference)
        {
            _context.Error(flow, $"The sequence flow has no {attribute}.");
            return null;
        }
        if (_rejected.Contains(reference))
        {
            return null;
        }
        if (!_elements.TryGetValue(reference, out var element) || element is not ExecutableFlowNode node)
        {
            var known = _context.Source(reference);
            _context.Error(flow, known is null
                ? $"The {attribute} '{reference}' does not match any element of the process."
                : $"The {attribute} '{reference}' is a {known.LocalName}, which a sequence flow cannot connect.");
            return null;
        }
        if (node.FlowScope != scope)
        {
            _context.Error(flow, $"The sequence flow connects '{reference}' across a subprocess boundary; " +
                "sequence flows must stay within one process or subprocess.");
            return null;
        }
        return node;
    }

    private void WireBoundaryEvents()
    {
        var attached = new Dictionary<ExecutableActivity, ImmutableArray<ExecutableEvent>.Builder>();
        foreach (var (node, source) in _sources)
        {
            if (node is not ExecutableEvent { Kind: ElementKind.BoundaryEvent } boundary)
            {
                continue;
            }
            if (source.NonBlank("attachedToRef") is not { } reference)
            {
                _context.Error(source, "The boundary event is not attached to an activity (attachedToRef is missing).");
                continue;
            }
            if (_rejected.Contains(reference))
            {
                continue;
            }
            if (!_elements.TryGetValue(reference, out var target))
            {
                _context.Error(source, $"The attachedToRef '{reference}' does not match any element of the process.");
                continue;
            }
            if (target is not ExecutableActivity activity)
            {
                _context.Error(source, $"The boundary event is attached to the {target.ElementType} '{reference}'; " +
                    "boundary events can only be attached to tasks, subprocesses and call activities.");
                continue;
            }
            if (activity.FlowScope != boundary.FlowScope)
            {
                _context.Error(source, $"The boundary event and the activity '{reference}' it is attached to are in different scopes.");
                continue;
            }
            boundary.AttachedTo = activity;
            if (!attached.TryGetValue(activity, out var events))
            {
                attached[activity] = events = ImmutableArray.CreateBuilder<ExecutableEvent>();
            }
            events.Add(boundary);
        }
        foreach (var (activity, events) in attached)
        {
            activity.BoundaryEvents = events.ToImmutable();
        }
    }

    private void WireDefaultFlows()
    {
        foreach (var (node, source) in _sources)
        {
            if (source.NonBlank("default") is not { } reference)
            {
                continue;
            }
            var flow = node.Outgoing.FirstOrDefault(f => f.Id == reference);
            if (flow is null)
            {
                _context.Error(source, $"The default flow '{reference}' is not an outgoing sequence flow of this element.");
                continue;
            }
            switch (node)
            {
                case ExecutableGateway { Kind: ElementKind.ExclusiveGateway or ElementKind.InclusiveGateway } gateway:
                    gateway.DefaultFlow = flow;
                    break;
                case ExecutableActivity activity:
                    activity.DefaultFlow = flow;
                    break;
                default:
                    _context.Warning(source, $"A {source.LocalName} has no default flow; '{reference}' is ignored.");
                    continue;
            }
            flow.IsDefault = true;
        }
    }

    private static void WarnAboutUnknownExtensions(SourceElement source, ReadContext context)
    {
        foreach (var extension in source.ZeebeExtensions().Where(e => !KnownExtensions.Contains(e.LocalName)))
        {
            context.Warning(source, $"The extension zeebe:{extension.LocalName} is not supported by this engine and is ignored.", extension);
        }
    }

    private void Reject(SourceElement source)
    {
        if (source.Id is { } id)
        {
            _rejected.Add(id);
        }
    }

    private static void Add(
        Dictionary<ExecutableFlowNode, ImmutableArray<ExecutableSequenceFlow>.Builder> map,
        ExecutableFlowNode node,
        ExecutableSequenceFlow flow)
    {
        if (!map.TryGetValue(node, out var list))
        {
            map[node] = list = ImmutableArray.CreateBuilder<ExecutableSequenceFlow>();
        }
        list.Add(flow);
    }
}
