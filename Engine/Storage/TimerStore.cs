using System.Globalization;
using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The <c>timer</c> table outside the commands' batches: claims for the schedulers, the operator's "fire now".
/// Commands insert, reschedule and delete timers through <see cref="ChangeWriter"/>.
/// </summary>
internal static class TimerStore
{
    /// <summary>
    /// Claims up to <paramref name="batch"/> due timers for <paramref name="node"/> (SKIP LOCKED: nodes never claim
    /// the same timer); an expired claim of a dead or slow node is taken over. A timer handed over to an outside
    /// scheduler is claimed only once overdue by <paramref name="handoverGrace"/>: its own job fires it, this is the backstop.
    /// </summary>
    public static async Task<ClaimedTimer[]> ClaimDueAsync(NpgsqlConnection connection, string node, DateTimeOffset now, TimeSpan claimTimeout, int batch,
        TimeSpan handoverGrace, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<ClaimedTimer>(new CommandDefinition("""
            UPDATE timer SET claimed_by = @node, claim_expires = @expires
            WHERE key IN (
                SELECT key FROM timer
                WHERE due_at <= @now AND (claimed_by IS NULL OR claim_expires < @now)
                  AND (handed_over_at IS NULL OR due_at <= @backstop)
                ORDER BY due_at, key
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            RETURNING key AS Key, process_instance_key AS ProcessInstanceKey, due_at AS DueAt
            """, new { node, expires = now + claimTimeout, now, batch, backstop = now - handoverGrace }, cancellationToken: cancellationToken))];

    /// <summary>When the scheduler has the nearest unclaimed timer to fire (a handed-over one: its backstop time), if any.</summary>
    public static async Task<DateTimeOffset?> NextDueAsync(NpgsqlConnection connection, TimeSpan handoverGrace, CancellationToken cancellationToken)
    {
        // Two index walks on timer_due_key rather than one min() over an expression the index cannot serve.
        var next = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            SELECT least(
                (SELECT due_at FROM timer WHERE claimed_by IS NULL AND handed_over_at IS NULL ORDER BY due_at LIMIT 1),
                (SELECT due_at + @handoverGrace FROM timer WHERE claimed_by IS NULL AND handed_over_at IS NOT NULL ORDER BY due_at LIMIT 1))
            """, new { handoverGrace }, cancellationToken: cancellationToken));
        return next is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
    }

    /// <summary>Frees the claims of nodes (on shutdown, or dead ones): their unfired timers are at once free for the others.</summary>
    public static Task<int> ReleaseClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> nodes,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE timer SET claimed_by = NULL, claim_expires = NULL WHERE claimed_by = ANY(@nodes)",
            new { nodes = nodes.ToArray() }, transaction, cancellationToken: cancellationToken));

    /// <summary>Makes a timer due now, unclaimed, and wakes every scheduler; false when it does not exist.</summary>
    public static async Task<bool> MakeDueAsync(NpgsqlConnection connection, long timerKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            // Taken back from an outside scheduler: the engine fires it now; the outside job, if it still runs, finds the
            // due time changed and does nothing.
            "UPDATE timer SET due_at = @now, claimed_by = NULL, claim_expires = NULL, handed_over_at = NULL, external_job = NULL WHERE key = @timerKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))",
            new { timerKey, now, tenants = Visibility.TenantScope.AsArray() }, cancellationToken: cancellationToken));
        if (updated != 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('processes_timers', @due)",
                new { due = now.ToString("O", CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken));
        }
        return updated != 0;
    }

    /// <summary>
    /// Leases up to <paramref name="batch"/> timers for handing over: unclaimed, not handed over (or a handover lease
    /// older than <paramref name="leaseTimeout"/>: its dispatcher died between the outside job and recording it), due
    /// after <paramref name="notBefore"/> and up to <paramref name="horizon"/>, and set at least <paramref name="minLead"/>
    /// ahead when created (short timers keep the engine's precise wake-up).
    /// </summary>
    public static async Task<IReadOnlyList<HandoverCandidate>> LeaseForHandoverAsync(NpgsqlConnection connection, DateTimeOffset now,
        DateTimeOffset notBefore, DateTimeOffset horizon, TimeSpan minLead, TimeSpan leaseTimeout, int batch, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<HandoverCandidate>(new CommandDefinition("""
            WITH leased AS (
                UPDATE timer SET handed_over_at = @now
                WHERE key IN (
                    SELECT key FROM timer
                    WHERE external_job IS NULL AND claimed_by IS NULL
                      AND (handed_over_at IS NULL OR handed_over_at < @leaseExpired)
                      AND due_at > @notBefore AND due_at <= @horizon AND due_at - created_at >= @minLead
                    ORDER BY due_at, key
                    LIMIT @batch
                    FOR UPDATE SKIP LOCKED)
                RETURNING key, due_at, element_id, process_definition_key, process_instance_key)
            SELECT l.key AS Key, l.due_at AS DueAt, l.element_id AS ElementId, l.process_definition_key AS ProcessDefinitionKey,
                   l.process_instance_key AS ProcessInstanceKey, p.bpmn_process_id AS BpmnProcessId, p.business_key AS BusinessKey
            FROM leased l LEFT JOIN process_instance p ON p.key = l.process_instance_key
            """, new { now, leaseExpired = now - leaseTimeout, notBefore, horizon, minLead, batch }, cancellationToken: cancellationToken))];

    /// <summary>Records the outside job of a leased timer; false when the timer is gone or rescheduled meanwhile.</summary>
    public static async Task<bool> RecordExternalJobAsync(NpgsqlConnection connection, long timerKey, DateTimeOffset dueAt, string externalJob,
        CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE timer SET external_job = @externalJob WHERE key = @timerKey AND due_at = @dueAt AND external_job IS NULL",
            new { timerKey, dueAt, externalJob }, cancellationToken: cancellationToken)) == 1;

    /// <summary>Takes up to <paramref name="batch"/> outside jobs whose timers are gone (the trigger's outbox).</summary>
    public static async Task<string[]> TakeGoneJobsAsync(NpgsqlConnection connection, int batch, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<string>(new CommandDefinition("""
            DELETE FROM timer_job_cancellation WHERE external_job IN (
                SELECT external_job FROM timer_job_cancellation ORDER BY deleted_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            RETURNING external_job
            """, new { batch }, cancellationToken: cancellationToken))];

    /// <summary>The timer and its outside job as stored (null: gone), for tests and the operations view.</summary>
    public static Task<HandedOverTimer?> FindHandoverAsync(NpgsqlConnection connection, long timerKey, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<HandedOverTimer>(new CommandDefinition(
            "SELECT key AS Key, due_at AS DueAt, handed_over_at AS HandedOverAt, external_job AS ExternalJob FROM timer WHERE key = @timerKey",
            new { timerKey }, cancellationToken: cancellationToken));

    /// <summary>A timer locked for firing until the command commits; null when it was fired or cancelled already.</summary>
    public static Task<StoredTimer?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long timerKey, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredTimer?>(new CommandDefinition("""
            SELECT key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition
            FROM timer WHERE key = @timerKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants)) FOR UPDATE
            """, new { timerKey, tenants = Visibility.TenantScope.AsArray() }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Timers locked for firing in one statement, in due order (the order they fire in); the ones fired or cancelled
    /// already are not returned. Locks are taken in key order, so two groups never wait on each other in a cycle.
    /// </summary>
    public static async Task<List<StoredTimer>> LockManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] timerKeys,
        CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<StoredTimer>(new CommandDefinition("""
            WITH locked AS (
                SELECT key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition
                FROM timer WHERE key = ANY(@timerKeys) AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
                ORDER BY key FOR UPDATE)
            SELECT * FROM locked ORDER BY due_at, key
            """, new { timerKeys, tenants = Visibility.TenantScope.AsArray() }, transaction, cancellationToken: cancellationToken))];

    /// <summary>Deletes the start timers of the process's versions other than <paramref name="latestDefinitionKey"/>.</summary>
    public static Task DeleteStartTimersOfOtherVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId,
        long latestDefinitionKey, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM timer WHERE process_instance_key IS NULL AND process_definition_key <> @key
              AND process_definition_key IN (SELECT process_definition_key FROM process_definition WHERE tenant_id = @tenant AND bpmn_process_id = @id)
            """, new { tenant, id = bpmnProcessId, key = latestDefinitionKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Whether a start timer of this process version and start event is scheduled.</summary>
    public static Task<bool> StartTimerExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long processDefinitionKey, string elementId,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM timer WHERE process_instance_key IS NULL AND process_definition_key = @processDefinitionKey AND element_id = @elementId)",
            new { processDefinitionKey, elementId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Schedules a start timer (no instance yet) and wakes every scheduler.</summary>
    public static Task InsertStartTimerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long timerKey, long processDefinitionKey, string elementId,
        DateTimeOffset dueAt, int repetitions, string definition, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO timer (key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition, created_at, tenant_id)
            VALUES (@timerKey, NULL, NULL, @elementId, @processDefinitionKey, @dueAt, @repetitions, @definition, @now, @tenant);
            SELECT pg_notify('processes_timers', @dueAt::text);
            """, new { timerKey, elementId, processDefinitionKey, dueAt, repetitions, definition, now, tenant }, transaction, cancellationToken: cancellationToken));
}

/// <summary>A timer row as its firing reads it.</summary>
#pragma warning disable IDE1006, CA1707
internal sealed record StoredTimer(long key, long? process_instance_key, long? element_instance_key, string element_id,
    long process_definition_key, DateTime due_at, int repetitions, string definition);
#pragma warning restore IDE1006, CA1707

/// <summary>A timer claimed by a scheduler: its instance (null for a start timer) groups it with that instance's other timers.</summary>
internal sealed record ClaimedTimer(long Key, long? ProcessInstanceKey, DateTime DueAt);

/// <summary>A timer leased for handing over, with what its readable job name is made of.</summary>
internal sealed record HandoverCandidate(long Key, DateTime DueAt, string ElementId, long ProcessDefinitionKey, long? ProcessInstanceKey,
    string? BpmnProcessId, string? BusinessKey);

/// <summary>A timer row's handover state.</summary>
internal sealed record HandedOverTimer(long Key, DateTime DueAt, DateTime? HandedOverAt, string? ExternalJob);
