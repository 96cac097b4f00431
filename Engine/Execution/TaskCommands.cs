using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution;

/// <summary>User tasks: completion (with the task's version as an optimistic check) and assignment.</summary>
internal sealed partial class ProcessEngine
{
    /// <summary>
    /// Completes a user task with the form's variables. <paramref name="expectedVersion"/> (the task's ETag) refuses
    /// a completion made from a stale view of the task; <paramref name="actor"/>, when given, must be the assignee.
    /// </summary>
    public Task<CommandResult<bool>> CompleteUserTaskAsync(long userTaskKey, JsonObject? variables, int? expectedVersion, string? actor,
        CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Complete user task", async (x, connection, transaction) =>
        {
            // FOR UPDATE: the version and assignee checks must hold until the commit. Without the lock a reassignment
            // (which only locks the task row) could commit in between, and a completion from the previous assignee's
            // stale view would pass as well.
            var task = await connection.QuerySingleOrDefaultAsync<(long ProcessInstanceKey, long ElementInstanceKey, string State, string? Assignee, int Version)>(
                new CommandDefinition("SELECT process_instance_key, element_instance_key, state, assignee, version FROM user_task WHERE key = @userTaskKey FOR UPDATE",
                    new { userTaskKey }, transaction, cancellationToken: cancellationToken));
            if (task == default)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"User task {userTaskKey} does not exist.");
            }
            if (task.State != "CREATED")
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"User task {userTaskKey} is {task.State.ToLowerInvariant()}, it cannot be completed.");
            }
            if (expectedVersion is { } expected && expected != task.Version)
            {
                return CommandResult<bool>.Fail(CommandError.Conflict,
                    $"User task {userTaskKey} changed since it was read (version {task.Version}, the request expected {expected}); reload it.");
            }
            if (actor is not null && !string.Equals(task.Assignee, actor, StringComparison.Ordinal))
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, task.Assignee is null
                    ? $"User task {userTaskKey} is not assigned; claim it before completing it."
                    : $"User task {userTaskKey} is assigned to '{task.Assignee}'; only the assignee may complete it.");
            }
            var instance = await LoadAsync(x, connection, transaction, task.ProcessInstanceKey, cancellationToken);
            if (instance?.Find(task.ElementInstanceKey) is not { State: ElementState.Activated } element)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"The element of user task {userTaskKey} is no longer waiting.");
            }
            x.Changes.CompletedUserTasks.Add(userTaskKey);
            x.History(instance, element, HistoryEvents.TaskCompleted, new JsonObject { ["userTaskKey"] = userTaskKey, ["by"] = actor ?? task.Assignee });
            x.Enqueue(() =>
            {
                x.ApplyResultVariables(instance, element, variables);
                x.Complete(instance, element);
            });
            return CommandResult<bool>.Success(true);
        }, cancellationToken);

    /// <summary>Assigns (or with null, unassigns) an open task; the task's version changes, so stale forms are refused.</summary>
    public async Task<CommandResult<int>> AssignUserTaskAsync(long userTaskKey, string? assignee, int? expectedVersion, string? by, string? reason,
        CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var task = await connection.QuerySingleOrDefaultAsync<(long ProcessInstanceKey, long ElementInstanceKey, string ElementId, string State, string? Assignee, int Version)>(
            new CommandDefinition("SELECT process_instance_key, element_instance_key, element_id, state, assignee, version FROM user_task WHERE key = @userTaskKey FOR UPDATE",
                new { userTaskKey }, transaction, cancellationToken: cancellationToken));
        if (task == default)
        {
            return CommandResult<int>.Fail(CommandError.NotFound, $"User task {userTaskKey} does not exist.");
        }
        if (task.State != "CREATED")
        {
            return CommandResult<int>.Fail(CommandError.InvalidState, $"User task {userTaskKey} is {task.State.ToLowerInvariant()}, it cannot be assigned.");
        }
        if (expectedVersion is { } expected && expected != task.Version)
        {
            return CommandResult<int>.Fail(CommandError.Conflict, $"User task {userTaskKey} changed since it was read (version {task.Version}, expected {expected}).");
        }
        await connection.ExecuteAsync(new CommandDefinition("UPDATE user_task SET assignee = @assignee, version = version + 1 WHERE key = @userTaskKey",
            new { assignee, userTaskKey }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            VALUES (@ProcessInstanceKey, @ElementInstanceKey, @ElementId, 'userTask', 'TASK_ASSIGNED', @details::jsonb, @at)
            """, new
        {
            task.ProcessInstanceKey,
            task.ElementInstanceKey,
            task.ElementId,
            details = new JsonObject { ["userTaskKey"] = userTaskKey, ["assignee"] = assignee, ["previousAssignee"] = task.Assignee, ["by"] = by, ["reason"] = reason }.ToJsonString(),
            at = _clock.GetUtcNow().ToUniversalTime(),
        }, transaction, cancellationToken: cancellationToken));
        // Durability point: the assignment and its audit row commit together.
        await transaction.CommitAsync(cancellationToken);
        return CommandResult<int>.Success(task.Version + 1);
    }

    /// <summary>
    /// Changes an open task's priority, due and follow-up dates or candidate groups (Camunda's user-task update):
    /// what a supervisor does when a customer chases or an SLA is renegotiated. Null leaves a field as it is.
    /// </summary>
    public async Task<CommandResult<int>> UpdateUserTaskAsync(long userTaskKey, UserTaskChanges changes, int? expectedVersion, string? by,
        CancellationToken cancellationToken)
    {
        if (changes.Priority is < 0 or > 100)
        {
            return CommandResult<int>.Fail(CommandError.InvalidArgument, "priority must be between 0 and 100.");
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var task = await connection.QuerySingleOrDefaultAsync<(long ProcessInstanceKey, long ElementInstanceKey, string ElementId, string State, int Version)>(
            new CommandDefinition("SELECT process_instance_key, element_instance_key, element_id, state, version FROM user_task WHERE key = @userTaskKey FOR UPDATE",
                new { userTaskKey }, transaction, cancellationToken: cancellationToken));
        if (task == default)
        {
            return CommandResult<int>.Fail(CommandError.NotFound, $"User task {userTaskKey} does not exist.");
        }
        if (task.State != "CREATED")
        {
            return CommandResult<int>.Fail(CommandError.InvalidState, $"User task {userTaskKey} is {task.State.ToLowerInvariant()}, it cannot be changed.");
        }
        if (expectedVersion is { } expected && expected != task.Version)
        {
            return CommandResult<int>.Fail(CommandError.Conflict, $"User task {userTaskKey} changed since it was read (version {task.Version}, expected {expected}).");
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE user_task SET
                priority = coalesce(@Priority, priority),
                due_date = coalesce(@DueDate, due_date),
                follow_up_date = coalesce(@FollowUpDate, follow_up_date),
                candidate_groups = coalesce(@CandidateGroups, candidate_groups),
                version = version + 1
            WHERE key = @userTaskKey
            """, new { changes.Priority, DueDate = changes.DueDate?.ToUniversalTime(), FollowUpDate = changes.FollowUpDate?.ToUniversalTime(),
                CandidateGroups = changes.CandidateGroups?.ToArray(), userTaskKey }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            VALUES (@ProcessInstanceKey, @ElementInstanceKey, @ElementId, 'userTask', 'TASK_UPDATED', @details::jsonb, @at)
            """, new
        {
            task.ProcessInstanceKey,
            task.ElementInstanceKey,
            task.ElementId,
            details = new JsonObject
            {
                ["userTaskKey"] = userTaskKey,
                ["priority"] = changes.Priority,
                ["dueDate"] = changes.DueDate,
                ["followUpDate"] = changes.FollowUpDate,
                ["candidateGroups"] = changes.CandidateGroups is null ? null : new JsonArray([.. changes.CandidateGroups.Select(g => (JsonNode?)g)]),
                ["by"] = by,
            }.ToJsonString(),
            at = _clock.GetUtcNow().ToUniversalTime(),
        }, transaction, cancellationToken: cancellationToken));
        // Durability point: the change and its history row commit together.
        await transaction.CommitAsync(cancellationToken);
        return CommandResult<int>.Success(task.Version + 1);
    }
}

/// <summary>The fields of an open task that can change; null keeps the current value.</summary>
public sealed record UserTaskChanges(int? Priority, DateTimeOffset? DueDate, DateTimeOffset? FollowUpDate, IReadOnlyList<string>? CandidateGroups);
