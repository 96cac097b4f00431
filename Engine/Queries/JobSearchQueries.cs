using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A job as the search returns it; states in Camunda's words.</summary>
public sealed class JobSearchRow
{
    public long Key { get; init; }
    public string Type { get; init; } = "";
    public string? Worker { get; init; }
    /// <summary>CREATED (waiting or running), FAILED (out of retries: an incident), COMPLETED, CANCELED or ERROR_THROWN.</summary>
    public string State { get; init; } = "";
    public int Retries { get; init; }
    public int Failures { get; init; }
    public string? ErrorMessage { get; init; }
    public DateTime? Deadline { get; init; }
    public string CustomHeaders { get; init; } = "{}";
    public long ProcessInstanceKey { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string ElementId { get; init; } = "";
    public long ElementInstanceKey { get; init; }
    public DateTime CreatedAt { get; init; }
    /// <summary>When a closed job ended (completed, cancelled, error thrown).</summary>
    public DateTime? EndedAt { get; init; }
    public string? ErrorCode { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// The jobs of the instances the caller may see, open and closed: open jobs (waiting, running, failed) from the
/// runtime table, and jobs that ended (completed, cancelled with their element, error thrown) from <c>job_closed</c>.
/// </summary>
public sealed class JobSearchQueries(NpgsqlDataSource dataSource)
{
    private const string OpenState = "(CASE state WHEN 'FAILED' THEN 'FAILED' ELSE 'CREATED' END)";
    private const string StateSql = "j.api_state";

    private static readonly string[] Kinds = ["BPMN_ELEMENT", "EXECUTION_LISTENER", "TASK_LISTENER", "AD_HOC_SUB_PROCESS"];

    private static readonly string[] ListenerEvents = ["ASSIGNING", "CANCELING", "COMPLETING", "CREATING", "END", "START", "UNSPECIFIED", "UPDATING"];

    public static ReadModel<JobSearchRow> Model { get; } = new(
        "jobs",
        $"""
        j.key AS Key, j.type AS Type, j.worker AS Worker, {StateSql} AS State, j.retries AS Retries, j.failures AS Failures,
        j.error_message AS ErrorMessage, j.deadline AS Deadline, j.custom_headers::text AS CustomHeaders, j.process_instance_key AS ProcessInstanceKey,
        j.process_definition_key AS ProcessDefinitionKey, j.bpmn_process_id AS BpmnProcessId, j.element_id AS ElementId,
        j.element_instance_key AS ElementInstanceKey, j.created_at AS CreatedAt, j.ended_at AS EndedAt, j.error_code AS ErrorCode, j.tenant_id AS TenantId
        """,
        $"""
        (SELECT key, type, worker, {OpenState} AS api_state, retries, failures, error_message, NULL::text AS error_code, deadline, custom_headers,
                process_instance_key, process_definition_key, bpmn_process_id, element_id, element_instance_key, created_at, NULL::timestamptz AS ended_at, tenant_id
         FROM job
         UNION ALL
         SELECT key, type, worker, state, retries, failures, error_message, error_code, NULL::timestamptz, custom_headers,
                process_instance_key, process_definition_key, bpmn_process_id, element_id, element_instance_key, created_at, ended_at, tenant_id
         FROM job_closed) j
        """,
        new QueryField("jobKey", "j.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "j.process_instance_key", parameters),
        [
            (new QueryField("type", "j.type", FieldType.Text), r => r.Type),
            (new QueryField("worker", "j.worker", FieldType.Text), r => r.Worker),
            (new QueryField("state", StateSql, FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "CREATED, FAILED, COMPLETED, CANCELED, ERROR_THROWN" }, r => r.State),
            // Every job here is a BPMN element's (no execution or task listeners, no ad-hoc sub-processes), so its kind is
            // BPMN_ELEMENT, its listener event UNSPECIFIED, and none was denied (denial is a task listener's answer): the
            // other words of Camunda's vocabulary are accepted and match no job.
            (new QueryField("kind", "'BPMN_ELEMENT'::text", FieldType.Text) { Vocabulary = Word(Kinds), VocabularyHint = string.Join(", ", Kinds) },
                _ => "BPMN_ELEMENT"),
            (new QueryField("listenerEventType", "'UNSPECIFIED'::text", FieldType.Text)
                { Vocabulary = Word(ListenerEvents), VocabularyHint = string.Join(", ", ListenerEvents) }, _ => "UNSPECIFIED"),
            (new QueryField("isDenied", "FALSE::boolean", FieldType.Boolean), _ => false), // cast: ORDER BY refuses a bare constant
            (new QueryField("deniedReason", "NULL::text", FieldType.Text), _ => null),
            (new QueryField("retries", "j.retries", FieldType.Integer), r => (long)r.Retries),
            (new QueryField("hasFailedWithRetriesLeft", "((j.failures > 0 OR j.error_message IS NOT NULL) AND j.api_state = 'CREATED')", FieldType.Boolean, Sortable: false), null),
            (new QueryField("errorMessage", "j.error_message", FieldType.Text), r => r.ErrorMessage),
            (new QueryField("errorCode", "j.error_code", FieldType.Text), r => r.ErrorCode),
            (new QueryField("endTime", "j.ended_at", FieldType.Date), r => r.EndedAt),
            (new QueryField("deadline", "j.deadline", FieldType.Date), r => r.Deadline),
            (new QueryField("processInstanceKey", "j.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "j.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processDefinitionId", "j.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("elementId", "j.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementInstanceKey", "j.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("tenantId", "j.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        InstanceKeyColumn = "j.process_instance_key",
    };

    private static Func<string, string?> Word(string[] words) => text => words.FirstOrDefault(w => w == text.ToUpperInvariant());

    public Task<QueryPage<JobSearchRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
}
