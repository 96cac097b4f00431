using System.Text.Json.Nodes;
using Processes.Engine.Retention;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>
/// The engine's public command facade: what the host, the activities and any other client may do to runtime
/// state. Each command is one PostgreSQL transaction (see <see cref="ProcessEngine"/>); a refusal is a
/// <see cref="CommandResult{T}"/> with a <see cref="CommandError"/>, never an exception. Reads outside the
/// commands go through the stores it exposes.
/// </summary>
public interface IProcessEngine
{
    TimeProvider Clock { get; }

    /// <summary>User tasks for readers outside the commands (job handlers, the SLA round).</summary>
    UserTaskStore UserTasks { get; }

    /// <summary>Purges finished instances and expired buffered messages.</summary>
    InstancePurge Retention { get; }

    /// <summary>
    /// Starts an instance of <paramref name="tenantId"/>'s definition (the default tenant when null), with Camunda's
    /// <paramref name="tags"/> (see <see cref="InstanceTags"/>; invalid ones refuse the start).
    /// </summary>
    Task<CommandResult<CreatedInstance>> CreateInstanceAsync(string bpmnProcessId, int? version, JsonObject? variables, string? businessKey,
        CancellationToken cancellationToken, string? startElementId = null, string? tenantId = null, IReadOnlyList<string>? tags = null);

    Task<CommandResult<bool>> CancelInstanceAsync(long processInstanceKey, CancellationToken cancellationToken);

    /// <summary>Publishes within <paramref name="tenantId"/> (the default tenant when null): only its subscriptions and start events hear it.</summary>
    Task<CommandResult<PublishedMessage>> PublishMessageAsync(string name, string correlationKey, JsonObject? variables, TimeSpan timeToLive,
        string? messageId, CancellationToken cancellationToken, string? tenantId = null);

    Task<CommandResult<PublishedMessage>> CorrelateMessageAsync(string name, string correlationKey, JsonObject? variables, CancellationToken cancellationToken,
        string? tenantId = null);

    /// <summary>Broadcasts within <paramref name="tenantId"/> (the default tenant when null).</summary>
    Task<CommandResult<long>> BroadcastSignalAsync(string name, JsonObject? variables, CancellationToken cancellationToken, string? tenantId = null);

    /// <summary>Leases jobs of <paramref name="tenantIds"/> only (every tenant when null, within the current <see cref="Visibility.TenantScope"/>).</summary>
    Task<IReadOnlyList<ActivatedJob>> ActivateJobsAsync(string type, string worker, TimeSpan timeout, int maxJobs,
        IReadOnlyCollection<string>? fetchVariables, CancellationToken cancellationToken, IReadOnlyCollection<string>? tenantIds = null);

    Task<CommandResult<bool>> CompleteJobAsync(long jobKey, JsonObject? variables, CancellationToken cancellationToken);

    Task<CommandResult<bool>> FailJobAsync(long jobKey, int retries, string? errorMessage, TimeSpan retryBackOff, JsonObject? variables,
        CancellationToken cancellationToken);

    Task<CommandResult<bool>> ThrowJobErrorAsync(long jobKey, string errorCode, string? errorMessage, JsonObject? variables, CancellationToken cancellationToken);

    Task<CommandResult<bool>> CompleteUserTaskAsync(long userTaskKey, JsonObject? variables, int? expectedVersion, string? actor,
        CancellationToken cancellationToken);

    /// <summary>Assigns, or with a null <paramref name="assignee"/> unassigns; answers the task's new version.</summary>
    Task<CommandResult<int>> AssignUserTaskAsync(long userTaskKey, string? assignee, int? expectedVersion, string? by, string? reason,
        CancellationToken cancellationToken);

    Task<CommandResult<int>> UpdateUserTaskAsync(long userTaskKey, UserTaskChanges changes, int? expectedVersion, string? by,
        CancellationToken cancellationToken);

    Task<CommandResult<bool>> ResolveIncidentAsync(long incidentKey, CancellationToken cancellationToken);

    Task<CommandResult<bool>> SetVariablesAsync(long elementInstanceKey, JsonObject variables, bool local, CancellationToken cancellationToken);

    Task<CommandResult<bool>> TriggerTimerAsync(long timerKey, CancellationToken cancellationToken);

    /// <summary>
    /// Completes a user task for <paramref name="caller"/> through the task precondition chain (exists → visible →
    /// allowed → state → version); with <paramref name="audit"/>, its audit row commits in the same transaction.
    /// </summary>
    Task<CommandResult<bool>> CompleteUserTaskAsync(Caller caller, long userTaskKey, JsonObject? variables, int? expectedVersion, AuditActor? audit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Does a case action (<see cref="Queries.CaseAction"/>, as <see cref="Queries.CaseActionQueries"/> offers it) for
    /// <paramref name="caller"/>: the message or the task completion and its <c>case.action</c> audit row commit together.
    /// </summary>
    Task<CommandResult<bool>> ActOnCaseAsync(Caller caller, long processInstanceKey, Queries.CaseAction action, JsonObject variables, AuditActor audit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Sets one variable of a running case (the instance's own scope) for <paramref name="caller"/>, who must see the
    /// case: the change, its history row and its <c>case.variable.set</c> audit row (the name, never the value) commit together.
    /// </summary>
    Task<CommandResult<bool>> SetCaseVariableAsync(Caller caller, long processInstanceKey, string name, JsonNode? value, AuditActor audit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Pauses the SLA clock of the case <paramref name="processInstanceKey"/> belongs to (waiting on the customer or a
    /// third party): its running SLA timers (property <c>slaClock</c>) are taken out in this command and keep their
    /// remaining working time; the pause is a row of the case's ledger, with <paramref name="audit"/>'s row.
    /// </summary>
    Task<CommandResult<SlaClockChange>> PauseSlaAsync(Caller caller, long processInstanceKey, string reason, AuditActor? audit,
        CancellationToken cancellationToken);

    /// <summary>Resumes a paused SLA clock: its timers and the due dates of the tasks they watch are planned again from the remaining budget.</summary>
    Task<CommandResult<SlaClockChange>> ResumeSlaAsync(Caller caller, long processInstanceKey, AuditActor? audit, CancellationToken cancellationToken);

    /// <summary>Assigns or unassigns a task for <paramref name="caller"/> as <paramref name="action"/> allows; answers the new version.</summary>
    Task<CommandResult<int>> AssignUserTaskAsync(Caller caller, TaskAction action, long userTaskKey, string? assignee, bool? allowOverride,
        int? expectedVersion, string? reason, AuditActor? audit, CancellationToken cancellationToken);

    /// <summary>Changes an open task's fields for <paramref name="caller"/> (supervisors); answers the new version.</summary>
    Task<CommandResult<int>> UpdateUserTaskAsync(Caller caller, long userTaskKey, UserTaskChanges changes, int? expectedVersion, AuditActor? audit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Evaluates the latest version of <paramref name="decisionId"/>, or the decision with
    /// <paramref name="decisionDefinitionKey"/>; an evaluation failure is a success whose Failure says why.
    /// </summary>
    Task<CommandResult<DecisionEvaluation>> EvaluateDecisionAsync(string? decisionId, long? decisionDefinitionKey, JsonObject? variables,
        CancellationToken cancellationToken, string? tenantId = null);

    /// <summary>Moves the message, signal and timer start events of these processes (all, when null) to their latest versions.</summary>
    Task SyncStartEventsAsync(IReadOnlyCollection<string>? bpmnProcessIds, CancellationToken cancellationToken);

    /// <summary>
    /// Camunda's resource deletion: a process definition version, a decision requirements graph (with its decisions) or
    /// a form, by key. NotFound when <paramref name="caller"/> sees no such live resource; InvalidState when the process
    /// version still has running instances. Start events move to the previous version in the same transaction.
    /// </summary>
    Task<CommandResult<DeletedResource>> DeleteResourceAsync(Visibility.Caller caller, long resourceKey, AuditActor? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an active instance to another definition (one transaction), or with <paramref name="dryRun"/> only reports
    /// what keeps it from moving. Problems are a value (<see cref="Migration.InstanceMigration.Problems"/>), not a refusal.
    /// </summary>
    Task<CommandResult<Migration.InstanceMigration>> MigrateInstanceAsync(Visibility.Caller caller, long processInstanceKey, Migration.MigrationPlan plan,
        bool dryRun, AuditActor? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Camunda's process instance modification in one transaction: activates elements (entering the subprocesses they
    /// need, with variables) and terminates element instances. Every instruction is checked first; a wrong one refuses
    /// all (InvalidArgument naming it); an instance that ended or that <paramref name="caller"/> does not see is NotFound.
    /// </summary>
    Task<CommandResult<Modification.InstanceModification>> ModifyInstanceAsync(Visibility.Caller caller, long processInstanceKey,
        Modification.ModificationPlan plan, AuditActor? audit, CancellationToken cancellationToken);

    /// <summary>
    /// Camunda's ad-hoc activation: activates inner elements of the active ad-hoc sub-process
    /// <paramref name="adHocSubProcessInstanceKey"/> (each with its own local variables) in one transaction. An instance
    /// <paramref name="caller"/> does not see, a finished element or one that is not an ad-hoc sub-process is NotFound; an
    /// unknown or duplicate element id refuses all (InvalidArgument naming it).
    /// </summary>
    Task<CommandResult<bool>> ActivateAdHocActivitiesAsync(Visibility.Caller caller, long adHocSubProcessInstanceKey, IReadOnlyList<AdHocActivation> elements,
        AuditActor? audit, CancellationToken cancellationToken);
}
