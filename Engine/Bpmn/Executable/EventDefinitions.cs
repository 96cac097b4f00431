using System.Collections.Immutable;

namespace Processes.Engine.Bpmn.Executable;

internal enum TimerKind
{
    /// <summary>Fires once at a point in time (ISO 8601 date-time).</summary>
    Date,
    /// <summary>Fires once after a span (ISO 8601 duration).</summary>
    Duration,
    /// <summary>Fires repeatedly (ISO 8601 repeating interval or cron).</summary>
    Cycle,
}

internal sealed record TimerDefinition(TimerKind Kind, ModelExpression Expression);

/// <summary>
/// A message to wait for or to publish. <see cref="CorrelationKey"/> is absent on process-level message start
/// events, which create instances instead of correlating to one.
/// </summary>
internal sealed record MessageDefinition(string? MessageId, ModelExpression? Name, ModelExpression? CorrelationKey);

/// <summary>A BPMN error; a catch definition without <see cref="ErrorCode"/> catches every error.</summary>
internal sealed record ErrorDefinition(string? ErrorId, ModelExpression? ErrorCode);

/// <summary>A BPMN escalation; a catch definition without <see cref="EscalationCode"/> catches every escalation.</summary>
internal sealed record EscalationDefinition(string? EscalationId, ModelExpression? EscalationCode);

internal sealed record SignalDefinition(string? SignalId, ModelExpression? Name);

/// <summary>Link events jump within one scope from a throw to the catch of the same name.</summary>
internal sealed record LinkDefinition(string Name);

/// <summary>Which version of a called process, decision or form is used.</summary>
internal enum BindingType
{
    Latest,
    Deployment,
    VersionTag,
}

/// <summary>Work handed to an external worker (service, send, business-rule and script tasks, message throws).</summary>
internal sealed record JobDefinition(ModelExpression Type, ModelExpression Retries, ImmutableDictionary<string, string> Headers)
{
    public static readonly ModelExpression DefaultRetries = ModelExpression.Literal("3");
}

internal sealed record VariableMapping(ModelExpression Source, string Target);

/// <summary>Input mappings run before an element starts (into its local scope); outputs run when it completes.</summary>
internal sealed record IoMapping(ImmutableArray<VariableMapping> Inputs, ImmutableArray<VariableMapping> Outputs)
{
    public static readonly IoMapping Empty = new([], []);

    public bool IsEmpty => Inputs.IsEmpty && Outputs.IsEmpty;
}

/// <summary>
/// <c>zeebe:adHoc activeElementsCollection</c> (FEEL, a list of inner element ids activated on entering),
/// <c>bpmn:completionCondition</c> (FEEL, checked whenever an inner path ends) and <c>cancelRemainingInstances</c>
/// (BPMN attribute, default true).
/// </summary>
internal sealed record AdHocDefinition(ModelExpression? ActiveElementsCollection, ModelExpression? CompletionCondition, bool CancelRemainingInstances);

internal sealed record MultiInstanceDefinition(
    bool IsSequential,
    ModelExpression InputCollection,
    string? InputElement,
    string? OutputCollection,
    ModelExpression? OutputElement,
    ModelExpression? CompletionCondition);

internal sealed record CallActivityDefinition(
    ModelExpression ProcessId,
    bool PropagateAllChildVariables,
    bool PropagateAllParentVariables,
    BindingType BindingType,
    string? VersionTag);

internal sealed record CalledDecisionDefinition(
    ModelExpression DecisionId,
    string ResultVariable,
    BindingType BindingType,
    string? VersionTag);

/// <summary>A FEEL script evaluated by the engine itself (no worker); the result is stored in <see cref="ResultVariable"/>.</summary>
internal sealed record ScriptDefinition(ModelExpression Expression, string ResultVariable);

/// <summary>A job a worker runs when the element starts or ends (<c>zeebe:executionListener</c>).</summary>
internal sealed record ExecutionListenerDefinition(string EventType, ModelExpression Type, ModelExpression Retries);
