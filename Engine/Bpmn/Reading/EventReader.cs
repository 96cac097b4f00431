using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>Where a flow node lives; decides e.g. which start events are allowed.</summary>
internal enum ScopeKind
{
    Process,
    SubProcess,
    EventSubProcess,
}

/// <summary>Reads start, end, intermediate and boundary events with their event definitions.</summary>
internal static class EventReader
{
    private static readonly Dictionary<string, EventDefinitionKind> DefinitionKinds = new(StringComparer.Ordinal)
    {
        ["messageEventDefinition"] = EventDefinitionKind.Message,
        ["timerEventDefinition"] = EventDefinitionKind.Timer,
        ["signalEventDefinition"] = EventDefinitionKind.Signal,
        ["errorEventDefinition"] = EventDefinitionKind.Error,
        ["escalationEventDefinition"] = EventDefinitionKind.Escalation,
        ["terminateEventDefinition"] = EventDefinitionKind.Terminate,
        ["linkEventDefinition"] = EventDefinitionKind.Link,
    };

    internal static IEnumerable<string> SupportedDefinitions => DefinitionKinds.Keys;

    /// <summary>Event definitions refused by name, with what to say (e.g. "Compensation events").</summary>
    internal static IReadOnlyDictionary<string, string> RefusedDefinitions => UnsupportedDefinitions;

    private static readonly Dictionary<string, string> UnsupportedDefinitions = new(StringComparer.Ordinal)
    {
        ["compensateEventDefinition"] = "Compensation events",
        ["conditionalEventDefinition"] = "Conditional events",
        ["cancelEventDefinition"] = "Cancel events",
    };

    public static ExecutableEvent? Read(SourceElement source, ElementKind kind, ScopeKind scope, ReadContext context)
    {
        var definitions = source.Children
            .Where(c => c.Namespace == BpmnNamespaces.Model && c.LocalName.EndsWith("EventDefinition", StringComparison.Ordinal))
            .ToList();
        if (definitions.Count > 1)
        {
            context.Error(source, "An event with more than one event definition (a multiple event) is not supported.", definitions[1]);
            return null;
        }
        var definition = definitions.Count == 1 ? definitions[0] : null;
        var eventKind = EventDefinitionKind.None;
        if (definition is not null)
        {
            if (UnsupportedDefinitions.TryGetValue(definition.LocalName, out var what))
            {
                context.Error(source, $"{what} ({definition.LocalName}) are not supported.", definition);
                return null;
            }
            if (!DefinitionKinds.TryGetValue(definition.LocalName, out eventKind))
            {
                context.Error(source, $"The event definition '{definition.LocalName}' is not supported.", definition);
                return null;
            }
        }
        if (!IsAllowed(kind, scope, eventKind))
        {
            context.Error(source, $"A {Describe(eventKind)} {kind.ToBpmnName()}{Where(kind, scope)} is not supported.", definition);
            return null;
        }
        return new ExecutableEvent
        {
            Id = source.Id!,
            Name = source.Attribute("name"),
            Kind = kind,
            EventKind = eventKind,
            IsInterrupting = kind switch
            {
                ElementKind.StartEvent => !IsFalse(source.Attribute("isInterrupting")),
                ElementKind.BoundaryEvent => !IsFalse(source.Attribute("cancelActivity")),
                _ => true,
            },
            Timer = eventKind == EventDefinitionKind.Timer ? Timer(source, definition!, context) : null,
            Message = eventKind == EventDefinitionKind.Message
                ? Message(source, definition!.NonBlank("messageRef"), definition, context)
                : null,
            Error = eventKind == EventDefinitionKind.Error ? Error(source, definition!, context) : null,
            Escalation = eventKind == EventDefinitionKind.Escalation ? Escalation(source, definition!, context) : null,
            Signal = eventKind == EventDefinitionKind.Signal ? Signal(source, definition!, context) : null,
            Link = eventKind == EventDefinitionKind.Link ? Link(source, definition!, context) : null,
            Job = eventKind == EventDefinitionKind.Message && kind is ElementKind.EndEvent or ElementKind.IntermediateThrowEvent
                ? ZeebeExtensionReader.Job(source, context)
                : null,
            StartFormId = kind == ElementKind.StartEvent ? source.ZeebeExtension("formDefinition")?.NonBlank("formId") : null,
            IoMapping = ZeebeExtensionReader.IoMapping(source, context),
            Properties = ZeebeExtensionReader.Properties(source, context),
            ExecutionListeners = ZeebeExtensionReader.ExecutionListeners(source, context),
        };
    }

    /// <summary>
    /// A message referenced by id (from events and receive tasks). Camunda 8 keeps the correlation key on the
    /// message itself (<c>zeebe:subscription</c>), so every user of the message shares it.
    /// </summary>
    public static MessageDefinition? Message(SourceElement owner, string? messageRef, SourceElement? at, ReadContext context)
    {
        if (messageRef is null)
        {
            return new MessageDefinition(null, null, null);
        }
        if (!context.Messages.TryGetValue(messageRef, out var message))
        {
            context.Error(owner, $"The messageRef '{messageRef}' does not match any message defined in the file.", at);
            return null;
        }
        var correlationKey = message.ZeebeExtension("subscription")?.NonBlank("correlationKey");
        return new MessageDefinition(messageRef,
            context.OptionalValue(message.Attribute("name"), owner, "message name"),
            correlationKey is null ? null : context.Feel(correlationKey, owner, "correlation key"));
    }

    private static bool IsAllowed(ElementKind kind, ScopeKind scope, EventDefinitionKind definition) => kind switch
    {
        ElementKind.StartEvent => scope switch
        {
            ScopeKind.Process => definition is EventDefinitionKind.None or EventDefinitionKind.Message
                or EventDefinitionKind.Timer or EventDefinitionKind.Signal,
            ScopeKind.SubProcess => definition is EventDefinitionKind.None,
            _ => definition is EventDefinitionKind.Message or EventDefinitionKind.Timer or EventDefinitionKind.Signal
                or EventDefinitionKind.Error or EventDefinitionKind.Escalation,
        },
        ElementKind.EndEvent => definition is not EventDefinitionKind.Timer and not EventDefinitionKind.Link,
        ElementKind.IntermediateCatchEvent => definition is EventDefinitionKind.Timer or EventDefinitionKind.Message
            or EventDefinitionKind.Signal or EventDefinitionKind.Link,
        ElementKind.IntermediateThrowEvent => definition is EventDefinitionKind.None or EventDefinitionKind.Escalation
            or EventDefinitionKind.Signal or EventDefinitionKind.Link or EventDefinitionKind.Message,
        ElementKind.BoundaryEvent => definition is EventDefinitionKind.Timer or EventDefinitionKind.Message
            or EventDefinitionKind.Error or EventDefinitionKind.Escalation or EventDefinitionKind.Signal,
        _ => false,
    };

    private static string Describe(EventDefinitionKind kind) => kind switch
    {
        EventDefinitionKind.None => "plain (no event definition)",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Where(ElementKind kind, ScopeKind scope) => kind != ElementKind.StartEvent ? "" : scope switch
    {
        ScopeKind.Process => " in a process",
        ScopeKind.SubProcess => " in an embedded subprocess (only a plain start event is allowed there)",
        _ => " in an event subprocess",
    };

    private static TimerDefinition? Timer(SourceElement owner, SourceElement definition, ReadContext context)
    {
        var candidates = new[] { ("timeDate", TimerKind.Date), ("timeDuration", TimerKind.Duration), ("timeCycle", TimerKind.Cycle) };
        foreach (var (name, timerKind) in candidates)
        {
            if (definition.BpmnChild(name) is { } time)
            {
                if (string.IsNullOrWhiteSpace(time.Text))
                {
                    context.Error(owner, $"The timer's {name} is empty.", time);
                    return null;
                }
                return new TimerDefinition(timerKind, context.Value(time.Text.Trim(), owner, $"timer {name}"));
            }
        }
        context.Error(owner, "The timer has no time: set a date (timeDate), a duration (timeDuration) or a cycle (timeCycle).", definition);
        return null;
    }

    private static ErrorDefinition? Error(SourceElement owner, SourceElement definition, ReadContext context)
    {
        if (definition.NonBlank("errorRef") is not { } errorRef)
        {
            return new ErrorDefinition(null, null);
        }
        if (!context.Errors.TryGetValue(errorRef, out var error))
        {
            context.Error(owner, $"The errorRef '{errorRef}' does not match any error defined in the file.", definition);
            return null;
        }
        return new ErrorDefinition(errorRef, context.OptionalValue(error.Attribute("errorCode"), owner, "error code"));
    }

    private static EscalationDefinition? Escalation(SourceElement owner, SourceElement definition, ReadContext context)
    {
        if (definition.NonBlank("escalationRef") is not { } escalationRef)
        {
            return new EscalationDefinition(null, null);
        }
        if (!context.Escalations.TryGetValue(escalationRef, out var escalation))
        {
            context.Error(owner, $"The escalationRef '{escalationRef}' does not match any escalation defined in the file.", definition);
            return null;
        }
        return new EscalationDefinition(escalationRef,
            context.OptionalValue(escalation.Attribute("escalationCode"), owner, "escalation code"));
    }

    private static SignalDefinition? Signal(SourceElement owner, SourceElement definition, ReadContext context)
    {
        if (definition.NonBlank("signalRef") is not { } signalRef)
        {
            return new SignalDefinition(null, null);
        }
        if (!context.Signals.TryGetValue(signalRef, out var signal))
        {
            context.Error(owner, $"The signalRef '{signalRef}' does not match any signal defined in the file.", definition);
            return null;
        }
        return new SignalDefinition(signalRef, context.OptionalValue(signal.Attribute("name"), owner, "signal name"));
    }

    private static LinkDefinition? Link(SourceElement owner, SourceElement definition, ReadContext context)
    {
        if (definition.NonBlank("name") is { } name)
        {
            return new LinkDefinition(name);
        }
        context.Error(owner, "The link event has no link name.", definition);
        return null;
    }

    private static bool IsFalse(string? value) => string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
}
