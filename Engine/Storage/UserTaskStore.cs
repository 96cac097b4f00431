using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>An open user task as the task-changing activities see it.</summary>
public sealed record OpenUserTask(long Key, long ProcessInstanceKey, string ElementId, string? Assignee, IReadOnlyList<string> CandidateGroups, int Priority);

/// <summary>
/// The <c>user_task</c> table outside the engine's commands: the reads and the SLA round that job handlers and
/// background services need. The engine's own writes go through <see cref="ChangeWriter"/> and the task commands
/// in one transaction each; nothing else writes this table.
/// </summary>
public sealed partial class UserTaskStore
{
    private const string TaskUpdated = "TASK_UPDATED";
    private const string TaskSlaWarning = "TASK_SLA_WARNING";
    private const string TaskSlaBreached = "TASK_SLA_BREACHED";
    private static readonly string Created = UserTaskState.Created.ToStored();
    private readonly NpgsqlDataSource _dataSource;

    internal UserTaskStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Open tasks of an instance and of every instance it called, oldest first; optionally only these elements.</summary>
    public async Task<IReadOnlyList<OpenUserTask>> OpenInTreeAsync(long processInstanceKey, IReadOnlyCollection<string>? elementIds,
        CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Key, long ProcessInstanceKey, string ElementId, string? Assignee, string[] CandidateGroups, int Priority)>(
            new CommandDefinition("""
                WITH RECURSIVE tree AS (
                    SELECT key FROM process_instance WHERE key = @processInstanceKey
                    UNION ALL
                    SELECT p.key FROM process_instance p JOIN tree ON p.parent_process_instance_key = tree.key)
                SELECT t.key, t.process_instance_key, t.element_id, t.assignee, t.candidate_groups, t.priority
                FROM user_task t JOIN tree ON t.process_instance_key = tree.key
                WHERE t.state = @Created AND (@elementIds::text[] IS NULL OR t.element_id = ANY(@elementIds))
                ORDER BY t.created_at, t.key
                """, new { processInstanceKey, Created, elementIds = elementIds?.ToArray() }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new OpenUserTask(r.Key, r.ProcessInstanceKey, r.ElementId, r.Assignee, r.CandidateGroups, r.Priority))];
    }

    /// <summary>Whether the task's history has a TASK_UPDATED made by <paramref name="by"/> (a re-run recognising its own change).</summary>
    public async Task<bool> WasUpdatedByAsync(long userTaskKey, string by, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM execution_history h JOIN user_task t
                               ON h.process_instance_key = t.process_instance_key AND h.element_instance_key = t.element_instance_key
                           WHERE t.key = @userTaskKey AND h.event = @TaskUpdated AND h.details->>'by' = @by)
            """, new { userTaskKey, TaskUpdated, by }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Open tasks assigned to each of <paramref name="assignees"/> (absent: none), in the caller's transaction so a
    /// decision taken under the caller's lock counts what it sees.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountOpenByAssigneeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyCollection<string> assignees, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(assignees);
        if (assignees.Count == 0)
        {
            return new Dictionary<string, long>(StringComparer.Ordinal);
        }
        var rows = await connection.QueryAsync<(string Assignee, long Open)>(new CommandDefinition(
            "SELECT assignee, count(*) FROM user_task WHERE state = @Created AND assignee = ANY(@assignees) GROUP BY assignee",
            new { Created, assignees = assignees.ToArray() }, transaction, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Assignee, r => r.Open, StringComparer.Ordinal);
    }

    /// <summary>
    /// One SLA round: records TASK_SLA_WARNING once for each open task that has used three quarters of the time
    /// between its creation and its due date (returns how many), and TASK_SLA_BREACHED once for each open task past
    /// its due date (counted by the metric processes.engine.sla.breaches). Every host may run it: rounds take turns under an
    /// advisory lock, and a task already warned is skipped.
    /// </summary>
    public async Task<int> RecordSlaWarningsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Hosts take turns: two rounds at once would both see "not warned yet".
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('sla-warnings', 7))", transaction: transaction,
            cancellationToken: cancellationToken));
        var count = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            SELECT t.process_instance_key, t.element_instance_key, t.element_id, 'userTask', @TaskSlaWarning,
                   jsonb_build_object('userTaskKey', t.key, 'dueDate', t.due_date, 'assignee', t.assignee), @now
            FROM user_task t
            WHERE t.state = @Created AND t.due_date IS NOT NULL AND t.due_date > t.created_at
              AND @now >= t.created_at + (t.due_date - t.created_at) * 0.75
              AND NOT EXISTS (SELECT 1 FROM sla_paused_task p WHERE p.user_task_key = t.key)
              AND NOT EXISTS (SELECT 1 FROM execution_history h
                              WHERE h.process_instance_key = t.process_instance_key AND h.event = @TaskSlaWarning
                                AND (h.details->>'userTaskKey')::bigint = t.key)
            """, new { now = now.ToUniversalTime(), Created, TaskSlaWarning }, transaction, cancellationToken: cancellationToken));
        // The same round records the breach once per open task past its due date: the history shows when it was
        // seen, and the operators' counter counts each breach once however many hosts run rounds.
        var breached = await connection.QueryAsync<string>(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            SELECT t.process_instance_key, t.element_instance_key, t.element_id, 'userTask', @TaskSlaBreached,
                   jsonb_build_object('userTaskKey', t.key, 'dueDate', t.due_date, 'assignee', t.assignee, 'bpmnProcessId', t.bpmn_process_id), @now
            FROM user_task t
            WHERE t.state = @Created AND t.due_date IS NOT NULL AND @now > t.due_date
              AND NOT EXISTS (SELECT 1 FROM sla_paused_task p WHERE p.user_task_key = t.key)
              AND NOT EXISTS (SELECT 1 FROM execution_history h
                              WHERE h.process_instance_key = t.process_instance_key AND h.event = @TaskSlaBreached
                                AND (h.details->>'userTaskKey')::bigint = t.key)
            RETURNING details->>'bpmnProcessId'
            """, new { now = now.ToUniversalTime(), Created, TaskSlaBreached }, transaction, cancellationToken: cancellationToken));
        // Durability point: the warnings, the breaches and the round commit together; a crash before leaves them for the next round.
        await transaction.CommitAsync(cancellationToken);
        foreach (var process in breached.GroupBy(p => p, StringComparer.Ordinal))
        {
            Telemetry.EngineTelemetry.SlaBreached(process.Key, process.Count());
        }
        return count;
    }
}
