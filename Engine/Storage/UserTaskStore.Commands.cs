using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;

namespace Processes.Engine.Storage;

/// <summary>The task row a command works on, read once and locked until the commit, with whether the caller may see it.</summary>
internal sealed record LockedTask(long Key, long ProcessInstanceKey, long ElementInstanceKey, string ElementId, UserTaskState State, string? Assignee,
    int Version, bool Visible)
{
    public string TenantId { get; init; } = Visibility.TenantIds.Default;

    /// <summary>The task's form (<c>form:&lt;id&gt;</c> for a linked form): the completion checks its values against it.</summary>
    public string? FormKey { get; init; }
}

/// <summary>
/// The task commands' statements on <c>user_task</c> (and the history rows they write beside it), in the command's
/// transaction: the one locked read of the precondition chain, then the assignment or the changed fields.
/// </summary>
public sealed partial class UserTaskStore
{
    /// <summary>
    /// Reads the task once, <c>FOR UPDATE</c>, with the visibility rule evaluated in the same statement: the checks of
    /// the precondition chain hold until the commit. Null when the task does not exist.
    /// </summary>
    internal static async Task<LockedTask?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, long key,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { key });
        var visible = VisibilityRule.Task(caller, "t", parameters);
        var row = await connection.QuerySingleOrDefaultAsync<LockRow>(new CommandDefinition($"""
            SELECT t.key AS Key, t.process_instance_key AS ProcessInstanceKey, t.element_instance_key AS ElementInstanceKey, t.element_id AS ElementId,
                   t.state AS State, t.assignee AS Assignee, t.version AS Version, ({visible}) AS Visible, t.tenant_id AS TenantId, t.form_key AS FormKey
            FROM user_task t WHERE t.key = @key FOR UPDATE
            """, parameters, transaction, cancellationToken: cancellationToken));
        return row is null ? null : new LockedTask(row.Key, row.ProcessInstanceKey, row.ElementInstanceKey, row.ElementId,
            StoredStates.Parse<UserTaskState>(row.State), row.Assignee, row.Version, row.Visible) { TenantId = row.TenantId, FormKey = row.FormKey };
    }

    private sealed record LockRow(long Key, long ProcessInstanceKey, long ElementInstanceKey, string ElementId, string State, string? Assignee, int Version,
        bool Visible, string TenantId, string? FormKey);

    /// <summary>Sets (or with null clears) a locked task's assignee; its version moves on.</summary>
    internal static Task AssignAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long userTaskKey, string? assignee,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE user_task SET assignee = @assignee, version = version + 1 WHERE key = @userTaskKey",
            new { assignee, userTaskKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Changes a locked task's fields (null keeps one); its version moves on.</summary>
    internal static Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long userTaskKey, UserTaskChanges changes,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE user_task SET
                priority = coalesce(@Priority, priority),
                due_date = coalesce(@DueDate, due_date),
                follow_up_date = coalesce(@FollowUpDate, follow_up_date),
                candidate_groups = coalesce(@CandidateGroups, candidate_groups),
                version = version + 1
            WHERE key = @userTaskKey
            """, new { changes.Priority, DueDate = changes.DueDate?.ToUniversalTime(), FollowUpDate = changes.FollowUpDate?.ToUniversalTime(),
                CandidateGroups = changes.CandidateGroups?.ToArray(), userTaskKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>The history row of a task command, beside the change it records.</summary>
    internal static Task AppendHistoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LockedTask task, string @event, JsonObject details,
        DateTimeOffset at, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            VALUES (@ProcessInstanceKey, @ElementInstanceKey, @ElementId, 'userTask', @event, @details::jsonb, @at)
            """, new { task.ProcessInstanceKey, task.ElementInstanceKey, task.ElementId, @event, details = details.ToJsonString(), at = at.ToUniversalTime() },
            transaction, cancellationToken: cancellationToken));
}
