using Npgsql;
using Processes.Engine.Execution;

namespace Processes.Engine.Storage;

/// <summary>
/// Jobs and message subscriptions leaving their runtime tables are copied to <c>job_closed</c> and
/// <c>message_subscription_closed</c> in the same statement (a data-modifying CTE), so Camunda's searches still find
/// them with the state they ended in; correlations and decision evaluations are recorded alongside.
/// </summary>
internal static class ClosedRows
{
    private const string JobColumns = """
        key, type, state, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key, retries, failures,
        custom_headers, worker, error_code, error_message, created_at, ended_at, tenant_id
        """;

    private const string SubscriptionColumns = """
        key, state, message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id, closed_at, tenant_id
        """;

    /// <summary>Jobs that ended by their worker's hand (completed, or an error thrown and caught), with their end state.</summary>
    public static void AddEndedJobs(NpgsqlBatch batch, ChangeSet changes)
    {
        if (changes.CompletedJobs.Count == 0)
        {
            return;
        }
        var keys = changes.CompletedJobs.Distinct().ToArray();
        ChangeWriter.Add(batch, $"""
            WITH d AS (DELETE FROM job WHERE key = ANY($1) RETURNING *)
            INSERT INTO job_closed ({JobColumns})
            SELECT d.key, d.type, u.s, d.process_instance_key, d.element_instance_key, d.element_id, d.bpmn_process_id, d.process_definition_key, d.retries,
                   d.failures, d.custom_headers, d.worker, u.c, COALESCE(u.m, d.error_message), d.created_at, now(), d.tenant_id
            FROM d JOIN unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(k, s, c, m) ON u.k = d.key
            ON CONFLICT (key) DO NOTHING
            """,
            keys,
            keys.Select(k => changes.JobEnds.TryGetValue(k, out var end) ? end.State : "COMPLETED").ToArray(),
            keys.Select(k => changes.JobEnds.TryGetValue(k, out var end) ? end.ErrorCode : null).ToArray(),
            keys.Select(k => changes.JobEnds.TryGetValue(k, out var end) ? end.ErrorMessage : null).ToArray());
    }

    /// <summary>The jobs of elements that left (terminated, or completed around their job): CANCELED.</summary>
    public static void AddCanceledJobs(NpgsqlBatch batch, long[] elementKeys) => ChangeWriter.Add(batch, $"""
        WITH d AS (DELETE FROM job WHERE element_instance_key = ANY($1) RETURNING *)
        INSERT INTO job_closed ({JobColumns})
        SELECT key, type, 'CANCELED', process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key, retries, failures,
               custom_headers, worker, NULL, error_message, created_at, now(), tenant_id
        FROM d
        ON CONFLICT (key) DO NOTHING
        """, elementKeys);

    /// <summary>Subscriptions deleted with their element, or closed while it stays; one that received a message stays CORRELATED.</summary>
    public static void AddDeletedSubscriptions(NpgsqlBatch batch, string condition, params object?[] values) => ChangeWriter.Add(batch, $"""
        WITH d AS (DELETE FROM message_subscription WHERE {condition} RETURNING *)
        INSERT INTO message_subscription_closed ({SubscriptionColumns})
        SELECT key, 'DELETED', message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id, now(), tenant_id
        FROM d
        ON CONFLICT (key) DO NOTHING
        """, values);

    /// <summary>
    /// Written before any deletion of the command: the correlation itself, and the subscription as CORRELATED (also one
    /// that opened and closed within this command, and so never reached the runtime table).
    /// </summary>
    public static void AddCorrelations(NpgsqlBatch batch, ChangeSet changes)
    {
        var c = changes.Correlations;
        if (c.Count == 0)
        {
            return;
        }
        object[] arrays =
        [
            c.Select(x => x.SubscriptionKey).ToArray(), c.Select(x => x.MessageKey).ToArray(), c.Select(x => x.MessageName).ToArray(),
            c.Select(x => x.CorrelationKey).ToArray(), c.Select(x => x.ProcessInstanceKey).ToArray(), c.Select(x => x.ElementInstanceKey).ToArray(),
            c.Select(x => x.ElementId).ToArray(), c.Select(x => x.BpmnProcessId).ToArray(), c.Select(x => x.At).ToArray(),
        ];
        const string Rows = """
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::timestamptz[])
                AS u(sk, mk, n, ck, p, e, el, b, at)
            JOIN process_instance i ON i.key = u.p
            """;
        ChangeWriter.Add(batch, $"""
            INSERT INTO message_correlated (subscription_key, message_key, message_name, correlation_key, process_instance_key, process_definition_key,
                element_instance_key, element_id, bpmn_process_id, correlated_at, tenant_id)
            SELECT u.sk, u.mk, u.n, u.ck, u.p, i.process_definition_key, u.e, u.el, u.b, u.at, i.tenant_id {Rows}
            ON CONFLICT DO NOTHING
            """, arrays);
        ChangeWriter.Add(batch, $"""
            INSERT INTO message_subscription_closed ({SubscriptionColumns})
            SELECT u.sk, 'CORRELATED', u.n, u.ck, u.p, u.e, u.el, u.b, u.at, i.tenant_id {Rows}
            ON CONFLICT (key) DO UPDATE SET state = 'CORRELATED', closed_at = excluded.closed_at
            """, arrays);
    }
}
