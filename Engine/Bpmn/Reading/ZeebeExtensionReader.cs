using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Bpmn.Reading;

/// <summary>Reads the Camunda 8 <c>zeebe:</c> extension elements of one BPMN element into executable definitions.</summary>
internal static class ZeebeExtensionReader
{
    private const string EmbeddedFormPrefix = "camunda-forms:bpmn:";

    public static JobDefinition? Job(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("taskDefinition") is not { } definition)
        {
            return null;
        }
        var type = definition.Attribute("type");
        if (string.IsNullOrWhiteSpace(type))
        {
            context.Error(owner, "The job type is empty: set the task definition type (zeebe:taskDefinition type).", definition);
            type = "";
        }
        var retries = definition.NonBlank("retries") is { } r
            ? context.Value(r, owner, "job retries")
            : JobDefinition.DefaultRetries;
        return new JobDefinition(context.Value(type, owner, "job type"), retries, Headers(owner, context));
    }

    public static ImmutableDictionary<string, string> Headers(SourceElement owner, ReadContext context) =>
        Pairs(owner, context, "taskHeaders", "header", "key", "task header");

    public static ImmutableDictionary<string, string> Properties(SourceElement owner, ReadContext context) =>
        Pairs(owner, context, "properties", "property", "name", "property");

    public static IoMapping IoMapping(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("ioMapping") is not { } mapping)
        {
            return Executable.IoMapping.Empty;
        }
        var inputs = ImmutableArray.CreateBuilder<VariableMapping>();
        var outputs = ImmutableArray.CreateBuilder<VariableMapping>();
        foreach (var entry in mapping.Children.Where(c => c.Namespace == BpmnNamespaces.Zeebe))
        {
            var isInput = entry.LocalName == "input";
            if (!isInput && entry.LocalName != "output")
            {
                continue;
            }
            var target = entry.NonBlank("target");
            if (target is null)
            {
                context.Error(owner, $"An {entry.LocalName} mapping has no target variable.", entry);
                continue;
            }
            // An empty source is how the modeler writes "set the target to null".
            var source = context.Value(entry.Attribute("source") ?? "=null", owner, $"{entry.LocalName} mapping for '{target}'");
            (isInput ? inputs : outputs).Add(new VariableMapping(source, target));
        }
        return new IoMapping(inputs.ToImmutable(), outputs.ToImmutable());
    }

    public static ImmutableArray<ExecutionListenerDefinition> ExecutionListeners(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("executionListeners") is not { } listeners)
        {
            return [];
        }
        var result = ImmutableArray.CreateBuilder<ExecutionListenerDefinition>();
        foreach (var listener in listeners.Children.Where(c => c.IsZeebe("executionListener")))
        {
            var eventType = listener.NonBlank("eventType") ?? "start";
            if (eventType is not ("start" or "end"))
            {
                context.Error(owner, $"Execution listener event type '{eventType}' is not supported; use 'start' or 'end'.", listener);
            }
            if (listener.NonBlank("type") is not { } type)
            {
                context.Error(owner, "An execution listener has no job type.", listener);
                continue;
            }
            var retries = listener.NonBlank("retries") is { } r ? context.Value(r, owner, "listener retries") : JobDefinition.DefaultRetries;
            result.Add(new ExecutionListenerDefinition(eventType, context.Value(type, owner, "listener job type"), retries));
        }
        return result.ToImmutable();
    }

    public static UserTaskDefinition UserTask(SourceElement owner, ReadContext context, IReadOnlyDictionary<string, string> embeddedForms)
    {
        var assignment = owner.ZeebeExtension("assignmentDefinition") is { } a
            ? new AssignmentDefinition(
                context.OptionalValue(a.Attribute("assignee"), owner, "assignee"),
                context.OptionalValue(a.Attribute("candidateGroups"), owner, "candidate groups"),
                context.OptionalValue(a.Attribute("candidateUsers"), owner, "candidate users"))
            : AssignmentDefinition.None;
        var schedule = owner.ZeebeExtension("taskSchedule") is { } s
            ? new TaskScheduleDefinition(
                context.OptionalValue(s.Attribute("dueDate"), owner, "due date"),
                context.OptionalValue(s.Attribute("followUpDate"), owner, "follow-up date"))
            : TaskScheduleDefinition.None;
        var priority = context.OptionalValue(owner.ZeebeExtension("priorityDefinition")?.Attribute("priority"), owner, "priority");
        return new UserTaskDefinition(owner.ZeebeExtension("userTask") is not null, assignment, schedule, priority,
            Form(owner, context, embeddedForms));
    }

    public static CallActivityDefinition? CalledElement(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("calledElement") is not { } called)
        {
            return null;
        }
        var processId = called.NonBlank("processId");
        if (processId is null)
        {
            context.Error(owner, "The call activity does not say which process to call (zeebe:calledElement processId).", called);
        }
        return new CallActivityDefinition(
            context.Value(processId ?? "", owner, "called process id"),
            !IsFalse(called.Attribute("propagateAllChildVariables")),
            !IsFalse(called.Attribute("propagateAllParentVariables")),
            Binding(called, owner, context),
            called.NonBlank("versionTag"));
    }

    public static CalledDecisionDefinition? CalledDecision(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("calledDecision") is not { } called)
        {
            return null;
        }
        var decisionId = called.NonBlank("decisionId");
        var resultVariable = called.NonBlank("resultVariable");
        if (decisionId is null)
        {
            context.Error(owner, "The business rule task does not say which decision to evaluate (zeebe:calledDecision decisionId).", called);
        }
        if (resultVariable is null)
        {
            context.Error(owner, "The business rule task has no result variable (zeebe:calledDecision resultVariable).", called);
        }
        return new CalledDecisionDefinition(context.Value(decisionId ?? "", owner, "decision id"), resultVariable ?? "",
            Binding(called, owner, context), called.NonBlank("versionTag"));
    }

    public static ScriptDefinition? Script(SourceElement owner, ReadContext context)
    {
        if (owner.ZeebeExtension("script") is not { } script)
        {
            return null;
        }
        var expression = script.NonBlank("expression");
        var resultVariable = script.NonBlank("resultVariable");
        if (expression is null)
        {
            context.Error(owner, "The script task has no FEEL expression (zeebe:script expression).", script);
        }
        if (resultVariable is null)
        {
            context.Error(owner, "The script task has no result variable (zeebe:script resultVariable).", script);
        }
        return new ScriptDefinition(context.Feel(expression ?? "", owner, "script"), resultVariable ?? "");
    }

    public static MultiInstanceDefinition? MultiInstance(SourceElement owner, ReadContext context)
    {
        if (owner.BpmnChild("multiInstanceLoopCharacteristics") is not { } loop)
        {
            return null;
        }
        if (loop.BpmnChild("loopCardinality") is { } cardinality)
        {
            context.Error(owner, "Multi-instance loop cardinality is not supported; use an input collection instead.", cardinality);
        }
        var zeebe = loop.ZeebeExtension("loopCharacteristics");
        var inputCollection = zeebe?.NonBlank("inputCollection");
        if (inputCollection is null)
        {
            context.Error(owner, "The multi-instance activity has no input collection (zeebe:loopCharacteristics inputCollection).", loop);
        }
        var outputCollection = zeebe?.NonBlank("outputCollection");
        var outputElement = zeebe?.NonBlank("outputElement");
        if ((outputCollection is null) != (outputElement is null))
        {
            context.Error(owner, "Multi-instance output collection and output element must be set together.", zeebe ?? loop);
        }
        var completion = loop.BpmnChild("completionCondition")?.Text;
        return new MultiInstanceDefinition(
            string.Equals(loop.Attribute("isSequential"), "true", StringComparison.OrdinalIgnoreCase),
            context.Feel(inputCollection ?? "", owner, "input collection"),
            zeebe?.NonBlank("inputElement"),
            outputCollection,
            outputElement is null ? null : context.Feel(outputElement, owner, "output element"),
            string.IsNullOrWhiteSpace(completion) ? null : context.Feel(completion, owner, "completion condition"));
    }

    /// <summary>
    /// An ad-hoc sub-process as Camunda 8.8 runs it by BPMN. Its job-worker implementation (a task definition on the
    /// sub-process) and the output collection are refused by name rather than ignored: a model relying on them would run differently.
    /// </summary>
    public static AdHocDefinition AdHoc(SourceElement owner, ReadContext context)
    {
        var adHoc = owner.ZeebeExtension("adHoc");
        if (owner.ZeebeExtension("taskDefinition") is { } job)
        {
            context.Error(owner, "An ad-hoc sub-process run by a job worker (zeebe:taskDefinition on the sub-process) is not supported; " +
                "activate its elements with activeElementsCollection or the ad-hoc activation API.", job);
        }
        if (adHoc?.NonBlank("outputCollection") is not null || adHoc?.NonBlank("outputElement") is not null)
        {
            context.Error(owner, "The output collection of an ad-hoc sub-process (zeebe:adHoc outputCollection/outputElement) is not supported; " +
                "use output mappings of the inner elements.", adHoc);
        }
        var collection = adHoc?.NonBlank("activeElementsCollection");
        var completion = owner.BpmnChild("completionCondition")?.Text;
        var cancel = owner.Attribute("cancelRemainingInstances");
        if (cancel is not null && !bool.TryParse(cancel.Trim(), out _))
        {
            context.Error(owner, $"cancelRemainingInstances '{cancel}' is not true or false.");
        }
        return new AdHocDefinition(
            collection is null ? null : context.Feel(collection, owner, "active elements collection"),
            string.IsNullOrWhiteSpace(completion) ? null : context.Feel(completion, owner, "completion condition"),
            !IsFalse(cancel));
    }

    private static FormDefinition? Form(SourceElement owner, ReadContext context, IReadOnlyDictionary<string, string> embeddedForms)
    {
        if (owner.ZeebeExtension("formDefinition") is not { } form)
        {
            return null;
        }
        var formKey = form.NonBlank("formKey");
        string? embedded = null;
        if (formKey is not null && formKey.StartsWith(EmbeddedFormPrefix, StringComparison.Ordinal))
        {
            var formId = formKey[EmbeddedFormPrefix.Length..];
            if (!embeddedForms.TryGetValue(formId, out embedded))
            {
                context.Error(owner, $"The form key '{formKey}' refers to an embedded form '{formId}' that the process does not contain.", form);
            }
        }
        return new FormDefinition(formKey, form.NonBlank("formId"),
            context.OptionalValue(form.Attribute("externalReference"), owner, "external form reference"),
            Binding(form, owner, context), form.NonBlank("versionTag"), embedded);
    }

    private static BindingType Binding(SourceElement extension, SourceElement owner, ReadContext context)
    {
        switch (extension.NonBlank("bindingType"))
        {
            case null or "latest":
                return BindingType.Latest;
            case "deployment":
                return BindingType.Deployment;
            case "versionTag":
                if (extension.NonBlank("versionTag") is null)
                {
                    context.Error(owner, "Binding type 'versionTag' needs a version tag.", extension);
                }
                return BindingType.VersionTag;
            case var other:
                context.Error(owner, $"Binding type '{other}' is not supported; use latest, deployment or versionTag.", extension);
                return BindingType.Latest;
        }
    }

    private static ImmutableDictionary<string, string> Pairs(
        SourceElement owner, ReadContext context, string container, string entry, string keyAttribute, string what)
    {
        if (owner.ZeebeExtension(container) is not { } list)
        {
            return ImmutableDictionary<string, string>.Empty;
        }
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var item in list.Children.Where(c => c.IsZeebe(entry)))
        {
            if (item.NonBlank(keyAttribute) is not { } key)
            {
                context.Error(owner, $"A {what} has no {keyAttribute}.", item);
                continue;
            }
            if (!result.TryAdd(key, item.Attribute("value") ?? ""))
            {
                context.Error(owner, $"The {what} '{key}' is defined more than once.", item);
            }
        }
        return result.ToImmutable();
    }

    private static bool IsFalse(string? value) => string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
}
