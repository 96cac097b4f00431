using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Execution;

/// <summary>Work a step cannot do in memory; the command processor runs it (in the same transaction) after the steps.</summary>
internal abstract record FollowUp;

/// <summary>A call activity starts its called process.</summary>
internal sealed record CreateChildInstance(
    long ParentInstanceKey,
    long CallActivityInstanceKey,
    string ProcessId,
    BindingType Binding,
    string? VersionTag,
    JsonObject Variables) : FollowUp;

/// <summary>A terminated call activity takes its called process instance down with it.</summary>
internal sealed record TerminateChildInstance(long ChildInstanceKey) : FollowUp;

/// <summary>A new message subscription looks for a message published before it existed.</summary>
internal sealed record CorrelateBufferedMessage(
    long ProcessInstanceKey,
    long OwnerElementInstanceKey,
    string CatchElementId,
    string MessageName,
    string CorrelationKey,
    string BpmnProcessId) : FollowUp;

/// <summary>A signal throw event broadcasts to every subscription of its tenant, in any instance.</summary>
internal sealed record BroadcastSignal(string Name, JsonObject Variables, string TenantId) : FollowUp;

/// <summary>
/// A business-rule task evaluates its decision: the decision is looked up (latest version of the id) after the
/// steps, then evaluated against the task's variables as they were at activation.
/// </summary>
internal sealed record EvaluateDecision(long ProcessInstanceKey, long ElementInstanceKey, string DecisionId, JsonObject Variables) : FollowUp;

/// <summary>
/// An element with the property <c>slaPause</c> was entered (<paramref name="Reason"/> set: pause the case's SLA clock)
/// or left (null: resume it).
/// </summary>
internal sealed record SlaPauseByModel(long ProcessInstanceKey, long ElementInstanceKey, string ElementId, string? Reason) : FollowUp;
