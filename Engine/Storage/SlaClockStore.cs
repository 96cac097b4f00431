using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Storage;

/// <summary>
/// The tables of paused SLA clocks (migration 0058): the ledger of pauses per case (<c>sla_pause</c>) and, while a
/// pause is open, what its timers and tasks had left (<c>sla_paused_timer</c>, <c>sla_paused_task</c>). The engine's
/// pause and resume commands call these inside their one transaction; the timer rows themselves are written by
/// <see cref="ChangeWriter"/> like every other timer.
/// </summary>
internal static class SlaClockStore
{
    /// <summary>The case (root instance) of a visible instance and its tenant; null when the caller may not see it.</summary>
    public static Task<CaseRoot?> VisibleRootAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, long processInstanceKey,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { processInstanceKey });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        return connection.QuerySingleOrDefaultAsync<CaseRoot?>(new CommandDefinition(
            $"SELECT i.root_process_instance_key AS Key, i.tenant_id AS TenantId FROM process_instance i WHERE i.key = @processInstanceKey AND {visible}",
            parameters, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The case's open pause, locked until the command ends (pause and resume of one case take turns here).</summary>
    public static Task<OpenPause?> LockOpenPauseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long root, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<OpenPause?>(new CommandDefinition("""
            SELECT id AS Id, reason AS Reason, paused_at AS PausedAt, paused_by AS PausedBy
            FROM sla_pause WHERE process_instance_key = @root AND resumed_at IS NULL FOR UPDATE
            """, new { root }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The timers of the case's instances (the root and every instance it called), locked: a timer firing now either
    /// committed before (and is gone) or waits for this command.
    /// </summary>
    public static async Task<List<StoredTimer>> LockCaseTimersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long root,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<StoredTimer>(new CommandDefinition("""
            SELECT key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition
            FROM timer WHERE process_instance_key IN (SELECT key FROM process_instance WHERE root_process_instance_key = @root AND state = 'ACTIVE')
            ORDER BY key FOR UPDATE
            """, new { root }, transaction, cancellationToken: cancellationToken))];

    /// <summary>Open user tasks of these element instances that have a due date.</summary>
    public static async Task<List<(long Key, long ElementInstanceKey, DateTime DueDate)>> OpenTasksWithDueDateAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, long[] elementInstanceKeys, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, long, DateTime)>(new CommandDefinition("""
            SELECT key, element_instance_key, due_date FROM user_task
            WHERE element_instance_key = ANY(@elementInstanceKeys) AND state = 'CREATED' AND due_date IS NOT NULL
            FOR UPDATE
            """, new { elementInstanceKeys }, transaction, cancellationToken: cancellationToken))];

    public static Task<long> InsertPauseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long root, string tenantId, string reason,
        DateTimeOffset at, string by, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO sla_pause (process_instance_key, tenant_id, reason, paused_at, paused_by) VALUES (@root, @tenantId, @reason, @at, @by) RETURNING id
            """, new { root, tenantId, reason, at, by }, transaction, cancellationToken: cancellationToken));

    public static Task ParkTimersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long pauseId, IReadOnlyList<ParkedTimer> timers,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sla_paused_timer (timer_key, pause_id, process_instance_key, element_instance_key, element_id, process_definition_key,
                                          repetitions, definition, due_at, remaining_ms)
            VALUES (@TimerKey, @pauseId, @ProcessInstanceKey, @ElementInstanceKey, @ElementId, @ProcessDefinitionKey, @Repetitions, @Definition, @DueAt, @RemainingMs)
            """, timers.Select(t => new { t.TimerKey, pauseId, t.ProcessInstanceKey, t.ElementInstanceKey, t.ElementId, t.ProcessDefinitionKey, t.Repetitions,
            t.Definition, t.DueAt, t.RemainingMs }), transaction, cancellationToken: cancellationToken));

    public static Task ParkTasksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long pauseId,
        IReadOnlyList<(long UserTaskKey, DateTimeOffset DueAt, long RemainingMs)> tasks, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sla_paused_task (user_task_key, pause_id, due_at, remaining_ms) VALUES (@UserTaskKey, @pauseId, @DueAt, @RemainingMs)",
            tasks.Select(t => new { t.UserTaskKey, pauseId, t.DueAt, t.RemainingMs }), transaction, cancellationToken: cancellationToken));

    /// <summary>Takes the pause's parked timers out (the resume re-plans them).</summary>
    public static async Task<List<ParkedTimer>> TakeParkedTimersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long pauseId,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<ParkedTimer>(new CommandDefinition("""
            DELETE FROM sla_paused_timer WHERE pause_id = @pauseId
            RETURNING timer_key AS TimerKey, process_instance_key AS ProcessInstanceKey, element_instance_key AS ElementInstanceKey, element_id AS ElementId,
                      process_definition_key AS ProcessDefinitionKey, repetitions AS Repetitions, definition AS Definition, due_at AS DueAt,
                      remaining_ms AS RemainingMs
            """, new { pauseId }, transaction, cancellationToken: cancellationToken))];

    /// <summary>Takes the pause's parked tasks out; those still open come back with the element of their SLA timers.</summary>
    public static async Task<List<(long UserTaskKey, long ProcessInstanceKey, string ElementId, long RemainingMs)>> TakeParkedTasksAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long pauseId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(long, long, string, long)>(new CommandDefinition("""
            WITH taken AS (DELETE FROM sla_paused_task WHERE pause_id = @pauseId RETURNING user_task_key, remaining_ms)
            SELECT t.key, t.process_instance_key, t.element_id, taken.remaining_ms
            FROM taken JOIN user_task t ON t.key = taken.user_task_key AND t.state = 'CREATED'
            """, new { pauseId }, transaction, cancellationToken: cancellationToken))];

    public static Task ClosePauseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long pauseId, DateTimeOffset at, string by,
        long workingSeconds, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sla_pause SET resumed_at = @at, resumed_by = @by, working_seconds = @workingSeconds WHERE id = @pauseId",
            new { pauseId, at, by, workingSeconds }, transaction, cancellationToken: cancellationToken));
}

internal sealed record CaseRoot(long Key, string TenantId);

internal sealed record OpenPause(long Id, string Reason, DateTime PausedAt, string PausedBy);

/// <summary>A timer taken out by a pause: its row as it was, and the working time it had left (ms).</summary>
internal sealed record ParkedTimer(long TimerKey, long ProcessInstanceKey, long ElementInstanceKey, string ElementId, long ProcessDefinitionKey,
    int Repetitions, string Definition, DateTime DueAt, long RemainingMs);
