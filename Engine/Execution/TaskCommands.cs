using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>
/// User task commands: complete, assign (claim, hand on, put back), update. Each takes the <see cref="Caller"/>,
/// reads the task row once (locked), runs the one precondition chain (<see cref="TaskPreconditions"/>), changes the
/// task, and — given an <see cref="AuditActor"/> — writes the audit row in the same transaction, so an action is never
/// committed without its record, nor recorded without happening.
/// </summary>
internal sealed partial class ProcessEngine
{
    /// <summary>Completes a user task with the form's variables; only its assignee may (the engine itself excepted).</summary>
    public Task<CommandResult<bool>> CompleteUserTaskAsync(Caller caller, long userTaskKey, JsonObject? variables, int? expectedVersion, AuditActor? audit,
        CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Complete user task", variables, (x, connection, transaction) =>
            CompleteTaskAsync(x, connection, transaction, caller, userTaskKey, variables, expectedVersion, audit, cancellationToken), cancellationToken);

    /// <summary>The completion inside a command's transaction (a user task completion, or a case action that completes one).</summary>
    private async Task<CommandResult<bool>> CompleteTaskAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller,
        long userTaskKey, JsonObject? variables, int? expectedVersion, AuditActor? audit, CancellationToken cancellationToken)
    {
        var task = await UserTaskStore.LockAsync(connection, transaction, caller, userTaskKey, cancellationToken);
        if (TaskPreconditions.Check(task, userTaskKey, caller, TaskAction.Complete, null, null, expectedVersion) is { } refused)
        {
            return CommandResult<bool>.Fail(refused.Error, refused.Message);
        }
        var instance = await LoadAsync(x, connection, transaction, task!.ProcessInstanceKey, cancellationToken);
        if (instance?.Find(task.ElementInstanceKey) is not { State: ElementState.Activated } element)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidState, $"The element of user task {userTaskKey} is no longer waiting.");
        }
        // The last step of the chain: a person's values are those the task's form offers (its catalogue fields). The engine's
        // own completions (workers, embedded callers) are not form submissions.
        if (!ReferenceEquals(caller, Caller.System)
            && await TaskFormRefusesAsync(connection, transaction, task.TenantId, task.FormKey, variables, cancellationToken) is { } fields)
        {
            return CommandResult<bool>.Invalid(fields);
        }
        x.Changes.CompletedUserTasks.Add(userTaskKey);
        var details = new JsonObject { ["userTaskKey"] = userTaskKey, ["by"] = ByOf(caller) ?? task.Assignee };
        if (ByOf(caller) is { } by && by != task.Assignee)
        {
            // An admin or an integration completed it for someone: the history names who acted and for whom (null: unassigned).
            details["for"] = task.Assignee;
        }
        x.History(instance, element, HistoryEvents.TaskCompleted, details);
        x.Enqueue(() =>
        {
            x.ApplyResultVariables(instance, element, variables);
            x.Complete(instance, element);
        });
        await AuditAsync(connection, transaction, audit, "task.completed", userTaskKey,
            ByOf(caller) is { } actor && actor != task.Assignee ? new { forAssignee = task.Assignee } : null, cancellationToken);
        return CommandResult<bool>.Success(true);
    }

    /// <summary>The engine's own completion (workers, tests): <paramref name="actor"/>, when given, must be the assignee.</summary>
    public Task<CommandResult<bool>> CompleteUserTaskAsync(long userTaskKey, JsonObject? variables, int? expectedVersion, string? actor,
        CancellationToken cancellationToken) =>
        CompleteUserTaskAsync(ActingAs(actor), userTaskKey, variables, expectedVersion, null, cancellationToken);

    /// <summary>
    /// Assigns (or with null, unassigns) an open task as <paramref name="action"/> allows; the task's version changes,
    /// so stale forms are refused. Answers the new version.
    /// </summary>
    public async Task<CommandResult<int>> AssignUserTaskAsync(Caller caller, TaskAction action, long userTaskKey, string? assignee, bool? allowOverride,
        int? expectedVersion, string? reason, AuditActor? audit, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var task = await UserTaskStore.LockAsync(connection, transaction, caller, userTaskKey, cancellationToken);
        if (TaskPreconditions.Check(task, userTaskKey, caller, action, assignee, allowOverride, expectedVersion) is { } refused)
        {
            return CommandResult<int>.Fail(refused.Error, refused.Message);
        }
        await UserTaskStore.AssignAsync(connection, transaction, userTaskKey, assignee, cancellationToken);
        await HistoryAsync(connection, transaction, task!, HistoryEvents.TaskAssigned,
            new JsonObject { ["userTaskKey"] = userTaskKey, ["assignee"] = assignee, ["previousAssignee"] = task!.Assignee, ["by"] = ByOf(caller), ["reason"] = reason },
            cancellationToken);
        var auditAction = assignee is null ? "task.unassigned" : task.Assignee is null && assignee == caller.UserName ? "task.claimed" : "task.reassigned";
        await AuditAsync(connection, transaction, audit, auditAction, userTaskKey,
            assignee is null ? new { from = task.Assignee } : new { from = task.Assignee, to = assignee, reason }, cancellationToken);
        // Durability point: the assignment, its history and its audit row commit together.
        await transaction.CommitAsync(cancellationToken);
        return CommandResult<int>.Success(task.Version + 1);
    }

    /// <summary>The engine's own assignment (workers, tests): not bound by single-direction assignment.</summary>
    public Task<CommandResult<int>> AssignUserTaskAsync(long userTaskKey, string? assignee, int? expectedVersion, string? by, string? reason,
        CancellationToken cancellationToken) =>
        AssignUserTaskAsync(by is null ? Caller.System : ActingAs(by, supervising: true), TaskAction.Assign, userTaskKey, assignee, null, expectedVersion, reason,
            null, cancellationToken);

    /// <summary>
    /// Changes an open task's priority, due and follow-up dates or candidate groups (Camunda's user-task update):
    /// what a supervisor does when a customer chases or an SLA is renegotiated. Null leaves a field as it is.
    /// </summary>
    public async Task<CommandResult<int>> UpdateUserTaskAsync(Caller caller, long userTaskKey, UserTaskChanges changes, int? expectedVersion, AuditActor? audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Priority is < 0 or > 100)
        {
            return CommandResult<int>.Fail(CommandError.InvalidArgument, "priority must be between 0 and 100.");
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var task = await UserTaskStore.LockAsync(connection, transaction, caller, userTaskKey, cancellationToken);
        if (TaskPreconditions.Check(task, userTaskKey, caller, TaskAction.Update, null, null, expectedVersion) is { } refused)
        {
            return CommandResult<int>.Fail(refused.Error, refused.Message);
        }
        await UserTaskStore.UpdateAsync(connection, transaction, userTaskKey, changes, cancellationToken);
        await HistoryAsync(connection, transaction, task!, "TASK_UPDATED", new JsonObject
        {
            ["userTaskKey"] = userTaskKey,
            ["priority"] = changes.Priority,
            ["dueDate"] = changes.DueDate,
            ["followUpDate"] = changes.FollowUpDate,
            ["candidateGroups"] = changes.CandidateGroups is null ? null : new JsonArray([.. changes.CandidateGroups.Select(g => (JsonNode?)g)]),
            ["by"] = ByOf(caller),
        }, cancellationToken);
        await AuditAsync(connection, transaction, audit, "task.updated", userTaskKey, changes, cancellationToken);
        // Durability point: the change, its history row and its audit row commit together.
        await transaction.CommitAsync(cancellationToken);
        return CommandResult<int>.Success(task!.Version + 1);
    }

    /// <summary>The engine's own update (the user-task-update worker): as a supervisor would.</summary>
    public Task<CommandResult<int>> UpdateUserTaskAsync(long userTaskKey, UserTaskChanges changes, int? expectedVersion, string? by,
        CancellationToken cancellationToken) =>
        UpdateUserTaskAsync(by is null ? Caller.System : ActingAs(by, supervising: true), userTaskKey, changes, expectedVersion, null, cancellationToken);

    /// <summary>A named actor of an engine-side call: sees every task, and is bound by assignment unless it supervises.</summary>
    private static Caller ActingAs(string? actor, bool supervising = false) => actor is null ? Caller.System
        : new Caller(actor, new HashSet<CallerRole> { CallerRole.Operator, supervising ? CallerRole.Supervisor : CallerRole.Agent }, []);

    private static string? ByOf(Caller caller) => ReferenceEquals(caller, Caller.System) ? null : caller.UserName;

    private Task HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LockedTask task, string @event, JsonObject details,
        CancellationToken cancellationToken) =>
        UserTaskStore.AppendHistoryAsync(connection, transaction, task, @event, details, _clock.GetUtcNow(), cancellationToken);

    private static Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditActor? actor, string action, long userTaskKey, object? details,
        CancellationToken cancellationToken) => actor is null ? Task.CompletedTask
        : AuditRows.InsertAsync(connection, transaction, new AuditRow(actor, action, "userTask", userTaskKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
            details is null ? null : JsonSerializer.Serialize(details, JsonSerializerOptions.Web)), cancellationToken);
}

/// <summary>The fields of an open task that can change; null keeps the current value.</summary>
public sealed record UserTaskChanges(int? Priority, DateTimeOffset? DueDate, DateTimeOffset? FollowUpDate, IReadOnlyList<string>? CandidateGroups);
