using Npgsql;
using Processes.Engine.Execution;

namespace Processes.Engine.Storage;

/// <summary>
/// Multi-row inserts (one statement per table, arrays unnested) for a command's new rows. Each row takes the tenant of
/// its instance (written before this batch) or, for a timer, of its definition: no row can land in another tenant.
/// </summary>
internal static class RowInserts
{
    public static void Add(NpgsqlBatch batch, ChangeSet c)
    {
        if (c.NewJobs.Count > 0)
        {
            var j = c.NewJobs;
            ChangeWriter.Add(batch, """
                INSERT INTO job (key, type, state, process_instance_key, element_instance_key, element_id, bpmn_process_id,
                    process_definition_key, process_version, retries, custom_headers, due_at, created_at, tenant_id)
                SELECT k, t, 'ACTIVATABLE', p, e, i, b, d, v, r, h, due, cr, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = p)
                FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::int[], $10::jsonb[], $11::timestamptz[], $12::timestamptz[])
                    AS u(k, t, p, e, i, b, d, v, r, h, due, cr)
                """,
                j.Select(x => x.Key).ToArray(), j.Select(x => x.Type).ToArray(), j.Select(x => x.ProcessInstanceKey).ToArray(),
                j.Select(x => x.ElementInstanceKey).ToArray(), j.Select(x => x.ElementId).ToArray(), j.Select(x => x.BpmnProcessId).ToArray(),
                j.Select(x => x.ProcessDefinitionKey).ToArray(), j.Select(x => x.ProcessVersion).ToArray(), j.Select(x => x.Retries).ToArray(),
                j.Select(x => x.CustomHeaders.ToJsonString()).ToArray(), j.Select(x => x.DueAt).ToArray(), j.Select(x => x.CreatedAt).ToArray());
            ChangeWriter.Add(batch, "SELECT pg_notify('processes_jobs', t) FROM (SELECT DISTINCT unnest($1::text[]) AS t) u", (object)j.Select(x => x.Type).ToArray()); // wakes job executors
        }
        if (c.NewTimers.Count > 0)
        {
            var t = c.NewTimers;
            ChangeWriter.Add(batch, """
                INSERT INTO timer (key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition, created_at, tenant_id)
                SELECT u.*, (SELECT pd.tenant_id FROM process_definition pd WHERE pd.process_definition_key = u.d)
                FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[], $7::int[], $8::text[], $9::timestamptz[])
                    AS u(k, p, e, i, d, due, r, def, cr)
                """,
                t.Select(x => x.Key).ToArray(), t.Select(x => x.ProcessInstanceKey).ToArray(), t.Select(x => x.ElementInstanceKey).ToArray(),
                t.Select(x => x.ElementId).ToArray(), t.Select(x => x.ProcessDefinitionKey).ToArray(), t.Select(x => x.DueAt).ToArray(),
                t.Select(x => x.Repetitions).ToArray(), t.Select(x => x.Definition).ToArray(), t.Select(x => x.CreatedAt).ToArray());
            // Wakes the timer schedulers of every host: one of these may be due sooner than what they sleep for.
            ChangeWriter.Add(batch, "SELECT pg_notify('processes_timers', min(due)::text) FROM unnest($1::timestamptz[]) AS u(due)", t.Select(x => x.DueAt).ToArray());
        }
        foreach (var (key, dueAt, repetitions) in c.RescheduledTimers)
        {
            // The next cycle of a timer is a new due time under the same key: an outside job handed over for the cycle
            // just fired is done, so the row goes back to the dispatcher (or the engine's precise wake-up).
            ChangeWriter.Add(batch, "UPDATE timer SET due_at = $2, repetitions = $3, handed_over_at = NULL, external_job = NULL WHERE key = $1", key, dueAt, repetitions);
        }
        if (c.NewMessageSubscriptions.Count > 0)
        {
            var s = c.NewMessageSubscriptions;
            ChangeWriter.Add(batch, """
                INSERT INTO message_subscription (key, message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id, is_interrupting, created_at, tenant_id)
                SELECT u.*, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = u.p)
                FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::boolean[], $9::timestamptz[])
                    AS u(k, n, c, p, e, i, b, x, cr)
                """,
                s.Select(x => x.Key).ToArray(), s.Select(x => x.MessageName).ToArray(), s.Select(x => x.CorrelationKey).ToArray(),
                s.Select(x => x.ProcessInstanceKey).ToArray(), s.Select(x => x.ElementInstanceKey).ToArray(), s.Select(x => x.ElementId).ToArray(),
                s.Select(x => x.BpmnProcessId).ToArray(), s.Select(x => x.IsInterrupting).ToArray(), s.Select(x => x.CreatedAt).ToArray());
        }
        if (c.NewSignalSubscriptions.Count > 0)
        {
            var s = c.NewSignalSubscriptions;
            ChangeWriter.Add(batch, """
                INSERT INTO signal_subscription (key, signal_name, process_instance_key, element_instance_key, element_id, created_at, tenant_id)
                SELECT u.*, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = u.p)
                FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::timestamptz[]) AS u(k, n, p, e, i, cr)
                """,
                s.Select(x => x.Key).ToArray(), s.Select(x => x.SignalName).ToArray(), s.Select(x => x.ProcessInstanceKey).ToArray(),
                s.Select(x => x.ElementInstanceKey).ToArray(), s.Select(x => x.ElementId).ToArray(), s.Select(x => x.CreatedAt).ToArray());
        }
        if (c.NewIncidents.Count > 0)
        {
            var i = c.NewIncidents;
            ChangeWriter.Add(batch, """
                INSERT INTO incident (key, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key,
                    error_type, error_message, job_key, state, created_at, tenant_id)
                SELECT k, p, e, i, b, d, t, m, j, 'ACTIVE', cr, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = p)
                FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::bigint[], $10::timestamptz[])
                    AS u(k, p, e, i, b, d, t, m, j, cr)
                """,
                i.Select(x => x.Key).ToArray(), i.Select(x => x.ProcessInstanceKey).ToArray(), i.Select(x => x.ElementInstanceKey).ToArray(),
                i.Select(x => x.ElementId).ToArray(), i.Select(x => x.BpmnProcessId).ToArray(), i.Select(x => x.ProcessDefinitionKey).ToArray(),
                i.Select(x => x.ErrorType).ToArray(), i.Select(x => x.ErrorMessage).ToArray(), i.Select(x => x.JobKey).ToArray(),
                i.Select(x => x.CreatedAt).ToArray());
        }
        foreach (var task in c.NewUserTasks)
        {
            ChangeWriter.Add(batch, """
                INSERT INTO user_task (key, process_instance_key, element_instance_key, element_id, name, bpmn_process_id, process_definition_key,
                    state, assignee, candidate_groups, candidate_users, due_date, follow_up_date, priority, form_key, custom_headers, created_at, title, tenant_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, 'CREATED', $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = $2))
                """,
                task.Key, task.ProcessInstanceKey, task.ElementInstanceKey, task.ElementId, task.Name, task.BpmnProcessId, task.ProcessDefinitionKey,
                task.Assignee, task.CandidateGroups.ToArray(), task.CandidateUsers.ToArray(), task.DueDate, task.FollowUpDate, task.Priority,
                task.FormKey, task.CustomHeaders.ToJsonString(), task.CreatedAt, task.Title);
        }
        foreach (var message in c.NewMessages)
        {
            ChangeWriter.Add(batch, """
                INSERT INTO message (key, name, correlation_key, message_id, variables, expires_at, published_at, tenant_id)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
                """,
                message.Key, message.Name, message.CorrelationKey, message.MessageId, message.Variables.ToJsonString(), message.ExpiresAt, message.PublishedAt,
                message.TenantId);
        }
        if (c.NewMessageStartKeys.Count > 0)
        {
            var k = c.NewMessageStartKeys;
            ChangeWriter.Add(batch, """
                INSERT INTO message_start_key (process_instance_key, bpmn_process_id, correlation_key, tenant_id)
                SELECT u.*, (SELECT pi.tenant_id FROM process_instance pi WHERE pi.key = u.p) FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(p, b, c)
                """,
                k.Select(x => x.ProcessInstanceKey).ToArray(), k.Select(x => x.BpmnProcessId).ToArray(), k.Select(x => x.CorrelationKey).ToArray());
        }
        if (c.MessageCorrelations.Count > 0)
        {
            ChangeWriter.Add(batch, """
                INSERT INTO message_correlation (message_key, bpmn_process_id)
                SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING
                """,
                c.MessageCorrelations.Select(x => x.MessageKey).ToArray(), c.MessageCorrelations.Select(x => x.BpmnProcessId).ToArray());
        }
        if (c.History.Count > 0)
        {
            var h = c.History;
            ChangeWriter.Add(batch, """
                INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
                """,
                h.Select(x => x.ProcessInstanceKey).ToArray(), h.Select(x => x.ElementInstanceKey).ToArray(), h.Select(x => x.ElementId).ToArray(),
                h.Select(x => x.ElementType).ToArray(), h.Select(x => x.Event).ToArray(), h.Select(x => x.Details?.ToJsonString()).ToArray(),
                h.Select(x => x.At).ToArray());
        }
    }
}
