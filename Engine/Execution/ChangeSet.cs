using System.Text.Json.Nodes;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>
/// Everything a command decided besides element instances and variables (which the instance states track),
/// collected in memory and written in the command's one transaction.
/// </summary>
internal sealed class ChangeSet
{
    public List<JobRow> NewJobs { get; } = [];
    public List<long> CompletedJobs { get; } = [];

    /// <summary>How a job of <see cref="CompletedJobs"/> ended when it did not simply complete (ERROR_THROWN and its code).</summary>
    public Dictionary<long, (string State, string? ErrorCode, string? ErrorMessage)> JobEnds { get; } = [];

    /// <summary>Messages received by subscriptions in this command (Camunda's correlated message subscriptions).</summary>
    public List<SubscriptionCorrelation> Correlations { get; } = [];

    /// <summary>Decisions evaluated by business-rule tasks in this command.</summary>
    public List<DecisionInstanceWrite> DecisionInstances { get; } = [];
    public List<TimerRow> NewTimers { get; } = [];
    public List<long> DeletedTimers { get; } = [];
    public List<(long Key, DateTimeOffset DueAt, int Repetitions)> RescheduledTimers { get; } = [];
    public List<MessageSubscriptionRow> NewMessageSubscriptions { get; } = [];

    /// <summary>
    /// Timer, message and signal subscriptions that close while their owner stays active, by owner and catching
    /// element: the event subprocess starts of a scope an interrupting event subprocess took over.
    /// </summary>
    public List<(long Owner, string[] ElementIds)> ClosedSubscriptions { get; } = [];
    public List<SignalSubscriptionRow> NewSignalSubscriptions { get; } = [];
    public List<IncidentRow> NewIncidents { get; } = [];
    public List<long> ResolvedIncidents { get; } = [];
    public List<UserTaskRow> NewUserTasks { get; } = [];
    public List<long> CompletedUserTasks { get; } = [];
    public List<HistoryRow> History { get; } = [];
    public List<(long MessageKey, string BpmnProcessId)> MessageCorrelations { get; } = [];
    public List<BufferedMessage> NewMessages { get; } = [];

    /// <summary>Instances a message with a correlation key started: no second one for the key while they are active.</summary>
    public List<(long ProcessInstanceKey, string BpmnProcessId, string CorrelationKey, string TenantId)> NewMessageStartKeys { get; } = [];

    /// <summary>Jobs whose retries/state changed without completing (fail with retries left, or exhausted).</summary>
    public List<JobUpdate> JobUpdates { get; } = [];

    /// <summary>What the metrics need beyond the history rows (job types, timer lateness); read after the commit.</summary>
    public List<Telemetry.TelemetryNote> Telemetry { get; } = [];

    public void Record(HistoryRow row) => History.Add(row);
}

/// <summary>A subscription that received a message: who waited (the subscription's key and element) and which message.</summary>
internal sealed record SubscriptionCorrelation(long SubscriptionKey, long MessageKey, string MessageName, string CorrelationKey, long ProcessInstanceKey,
    long ElementInstanceKey, string ElementId, string BpmnProcessId, DateTimeOffset At);

internal sealed record JobUpdate(long Key, JobState State, int Retries, DateTimeOffset DueAt, string? ErrorMessage);

internal sealed record BufferedMessage(
    long Key,
    string Name,
    string CorrelationKey,
    string? MessageId,
    JsonObject Variables,
    DateTimeOffset ExpiresAt,
    DateTimeOffset PublishedAt,
    string TenantId);
