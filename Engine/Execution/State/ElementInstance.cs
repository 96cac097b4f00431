using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Processes.Engine.Execution.State;

/// <summary>
/// The lifecycle of an element instance, as in Zeebe. Completed and terminated instances leave the live table
/// (history keeps them), so only the states an instance can wait in are stored.
/// </summary>
internal enum ElementState
{
    /// <summary>Created; input mappings and the element's start work are pending (or failed: an incident).</summary>
    Activating,
    /// <summary>Waiting for its work: a job, a task, a message, a timer, its children.</summary>
    Activated,
    /// <summary>Work done; output mappings pending (or failed: an incident).</summary>
    Completing,
    /// <summary>Being cancelled; only seen inside a command.</summary>
    Terminating,
}

/// <summary>Legal state changes; anything else is an engine bug and throws.</summary>
internal static class ElementTransitions
{
    public static bool IsAllowed(ElementState from, ElementState to) => (from, to) switch
    {
        (ElementState.Activating, ElementState.Activated) => true,
        (ElementState.Activating, ElementState.Terminating) => true,
        (ElementState.Activated, ElementState.Completing) => true,
        (ElementState.Activated, ElementState.Terminating) => true,
        (ElementState.Completing, ElementState.Terminating) => true,
        _ => false,
    };
}

/// <summary>State-specific data of an element instance, stored as jsonb.</summary>
internal sealed class ElementInstanceData
{
    /// <summary>Multi-instance inner instances: 1-based index into the input collection.</summary>
    public int? LoopCounter { get; set; }

    /// <summary>On flow scopes: tokens waiting at joining gateways, by "gatewayId|flowId".</summary>
    public Dictionary<string, int>? JoinTokens { get; set; }

    public long? JobKey { get; set; }

    public long? UserTaskKey { get; set; }

    public long? CalledProcessInstanceKey { get; set; }

    /// <summary>Multi-instance body: the evaluated input collection and progress.</summary>
    public List<JsonNode?>? Collection { get; set; }

    public int? Completed { get; set; }

    public int? NextIndex { get; set; }

    /// <summary>Set when an interrupting event subprocess took over this scope: nothing else may start in it.</summary>
    public bool? Interrupted { get; set; }

    /// <summary>Variables delivered by the trigger of a catch event (message, signal), applied on completion.</summary>
    public JsonObject? TriggerVariables { get; set; }

    /// <summary>
    /// On a process or subprocess: the element it starts at when not its none start event (message, timer or
    /// signal start, start instruction). Stored, because an incident during activation resumes in a later command.
    /// </summary>
    public string? StartElementId { get; set; }

    /// <summary>
    /// On an ad-hoc sub-process: its completion condition failed (an incident); resolving it checks the condition again
    /// instead of activating the elements a second time.
    /// </summary>
    public bool? AdHocCheckPending { get; set; }

    [JsonIgnore]
    public bool IsEmpty => LoopCounter is null && JoinTokens is null && JobKey is null && UserTaskKey is null &&
        CalledProcessInstanceKey is null && Collection is null && Completed is null && NextIndex is null &&
        Interrupted is null && TriggerVariables is null && StartElementId is null && AdHocCheckPending is null;
}

internal sealed class ElementInstance
{
    public required long Key { get; init; }
    public required long ProcessInstanceKey { get; init; }
    public required string ElementId { get; init; }

    /// <summary>The enclosing element instance (subprocess, multi-instance body, process); null for the process itself.</summary>
    public long? FlowScopeKey { get; init; }

    public bool IsMultiInstanceBody { get; init; }

    public ElementState State { get; private set; }

    public long? IncidentKey { get; set; }

    public ElementInstanceData Data { get; init; } = new();

    public DateTimeOffset ActivatedAt { get; init; }

    /// <summary>Tokens on their way to an element of this scope within the current command; never stored.</summary>
    public List<Bpmn.Executable.ExecutableSequenceFlow> InFlight { get; } = [];

    /// <summary>Transient: activated by an event trigger (it completes at once, with <see cref="ElementInstanceData.TriggerVariables"/>).</summary>
    public bool Triggered { get; set; }

    /// <summary>Transient, on a multi-instance body: the completion condition held when the inner instance now leaving completed.</summary>
    public bool CompletionConditionMet { get; set; }

    /// <summary>
    /// Transient, on a parallel multi-instance body or an ad-hoc sub-process: its inner instances are being created (some
    /// may end meanwhile).
    /// </summary>
    public bool ActivatingInnerInstances { get; set; }

    /// <summary>Transient, on an ad-hoc sub-process: an inner path ended while its elements were being activated; checked after.</summary>
    public bool AdHocPathEnded { get; set; }

    /// <summary>The element a process or subprocess instance starts at (null: the none start event); kept in <see cref="Data"/>.</summary>
    public string? StartElementId
    {
        get => Data.StartElementId;
        set => Data.StartElementId = value;
    }

    /// <summary>New in this command (inserted) rather than loaded (updated).</summary>
    public bool IsNew { get; init; }

    public bool IsDirty { get; set; }

    public bool IsProcess => FlowScopeKey is null;

    public void Transition(ElementState to)
    {
        if (State == to)
        {
            return;
        }
        if (!ElementTransitions.IsAllowed(State, to))
        {
            throw new InvalidOperationException($"Element instance {Key} ({ElementId}) cannot go from {State} to {to}.");
        }
        State = to;
        IsDirty = true;
    }

    /// <summary>Rehydrates the stored state of a loaded row (no transition check: the row was valid when written).</summary>
    public void Restore(ElementState state) => State = state;

    public override string ToString() => $"{ElementId}#{Key} ({State})";
}
