using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution.State;

/// <summary>A deployed process version the runtime executes; the model is shared and immutable.</summary>
internal sealed record ExecutableDefinition(long Key, string BpmnProcessId, int Version, ExecutableProcess Model)
{
    /// <summary>The tenant the definition was deployed to; its instances belong to it.</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;
}

internal sealed class ProcessInstanceRow
{
    public required long Key { get; init; }
    public required long ProcessDefinitionKey { get; init; }
    public required string BpmnProcessId { get; init; }
    public required int ProcessVersion { get; init; }
    public string TenantId { get; init; } = Visibility.TenantIds.Default;
    public string? BusinessKey { get; init; }

    /// <summary>Camunda's tags, given at creation; written once with the new row (a loaded row leaves them empty).</summary>
    public string[] Tags { get; init; } = [];
    public ProcessInstanceState State { get; set; } = ProcessInstanceState.Active;
    public long? ParentProcessInstanceKey { get; init; }
    public long? ParentElementInstanceKey { get; init; }
    public required long RootProcessInstanceKey { get; init; }
    public int RowVersion { get; set; }
    public bool HasIncident { get; set; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; set; }
}

internal sealed record JobRow(
    long Key,
    string Type,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string BpmnProcessId,
    long ProcessDefinitionKey,
    int ProcessVersion,
    int Retries,
    JsonObject CustomHeaders,
    DateTimeOffset DueAt,
    DateTimeOffset CreatedAt);

internal sealed record TimerRow(
    long Key,
    long? ProcessInstanceKey,
    long? ElementInstanceKey,
    string ElementId,
    long ProcessDefinitionKey,
    DateTimeOffset DueAt,
    int Repetitions,
    string Definition,
    DateTimeOffset CreatedAt);

internal sealed record MessageSubscriptionRow(
    long Key,
    string MessageName,
    string CorrelationKey,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string BpmnProcessId,
    bool IsInterrupting,
    DateTimeOffset CreatedAt);

internal sealed record SignalSubscriptionRow(
    long Key,
    string SignalName,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    DateTimeOffset CreatedAt);

internal static class IncidentTypes
{
    public const string IoMappingError = "IO_MAPPING_ERROR";
    public const string ConditionError = "CONDITION_ERROR";
    public const string ExtractValueError = "EXTRACT_VALUE_ERROR";
    public const string JobNoRetries = "JOB_NO_RETRIES";
    public const string UnhandledErrorEvent = "UNHANDLED_ERROR_EVENT";
    public const string CalledElementError = "CALLED_ELEMENT_ERROR";
    public const string CalledDecisionError = "CALLED_DECISION_ERROR";
    public const string DecisionEvaluationError = "DECISION_EVALUATION_ERROR";
    public const string ExecutionLimit = "EXECUTION_LIMIT";
    public const string Unknown = "UNKNOWN";
}

internal sealed record IncidentRow(
    long Key,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string BpmnProcessId,
    long ProcessDefinitionKey,
    string ErrorType,
    string ErrorMessage,
    long? JobKey,
    DateTimeOffset CreatedAt);

internal sealed record UserTaskRow(
    long Key,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string? Name,
    string BpmnProcessId,
    long ProcessDefinitionKey,
    string? Assignee,
    IReadOnlyList<string> CandidateGroups,
    IReadOnlyList<string> CandidateUsers,
    DateTimeOffset? DueDate,
    DateTimeOffset? FollowUpDate,
    int Priority,
    string? FormKey,
    JsonObject CustomHeaders,
    DateTimeOffset CreatedAt,
    string? Title = null);

internal sealed record HistoryRow(
    long ProcessInstanceKey,
    long? ElementInstanceKey,
    string? ElementId,
    string? ElementType,
    string Event,
    JsonObject? Details,
    DateTimeOffset At);

internal static class HistoryEvents
{
    public const string ProcessInstanceCreated = "PROCESS_INSTANCE_CREATED";
    public const string ElementActivating = "ELEMENT_ACTIVATING";
    public const string ElementActivated = "ELEMENT_ACTIVATED";
    public const string ElementCompleted = "ELEMENT_COMPLETED";
    public const string ElementTerminated = "ELEMENT_TERMINATED";
    public const string SequenceFlowTaken = "SEQUENCE_FLOW_TAKEN";
    public const string VariableCreated = "VARIABLE_CREATED";
    public const string VariableUpdated = "VARIABLE_UPDATED";
    public const string IncidentCreated = "INCIDENT_CREATED";
    public const string IncidentResolved = "INCIDENT_RESOLVED";
    public const string DecisionEvaluated = "DECISION_EVALUATED";
    public const string JobCreated = "JOB_CREATED";
    public const string JobCompleted = "JOB_COMPLETED";
    public const string JobFailed = "JOB_FAILED";
    public const string JobErrorThrown = "JOB_ERROR_THROWN";
    public const string TaskCreated = "TASK_CREATED";
    public const string TaskAssigned = "TASK_ASSIGNED";
    public const string TaskCompleted = "TASK_COMPLETED";
    public const string TaskCanceled = "TASK_CANCELED";
    public const string MessageCorrelated = "MESSAGE_CORRELATED";
    public const string SignalReceived = "SIGNAL_RECEIVED";
    public const string TimerCreated = "TIMER_CREATED";
    public const string TimerFired = "TIMER_FIRED";
    public const string ErrorThrown = "ERROR_THROWN";
    public const string EscalationThrown = "ESCALATION_THROWN";
    public const string ProcessInstanceCompleted = "PROCESS_INSTANCE_COMPLETED";
    public const string ProcessInstanceTerminated = "PROCESS_INSTANCE_TERMINATED";
    public const string ProcessInstanceMigrated = "PROCESS_INSTANCE_MIGRATED";
    public const string ProcessInstanceModified = "PROCESS_INSTANCE_MODIFIED";
}
