using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A process instance as the read side returns it.</summary>
public sealed class InstanceRow
{
    public long Key { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string? Name { get; init; }
    public int Version { get; init; }
    public string? VersionTag { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public long? ParentProcessInstanceKey { get; init; }
    public long? ParentElementInstanceKey { get; init; }
    public long RootProcessInstanceKey { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public string State { get; init; } = "";
    public bool HasIncident { get; init; }
    public string? BusinessKey { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;

    /// <summary>Camunda's tags, given at creation (see <see cref="Execution.InstanceTags"/>).</summary>
    public string[] Tags { get; init; } = [];
}

/// <summary>An incident as the read side returns it.</summary>
public sealed class IncidentRow
{
    public long Key { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public long ProcessDefinitionKey { get; init; }
    public long ProcessInstanceKey { get; init; }
    public string ElementId { get; init; } = "";
    public long ElementInstanceKey { get; init; }
    public string ErrorType { get; init; } = "";
    public string ErrorMessage { get; init; } = "";
    public long? JobKey { get; init; }
    public string State { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>Process instances and incidents: searches over declared fields, one by key; both within the caller's visibility.</summary>
public sealed class InstanceQueries(NpgsqlDataSource dataSource, VariableMasking masking)
{
    private const string OpenIncidents = "SELECT 1 FROM incident pn WHERE pn.process_instance_key = i.key AND pn.state = 'ACTIVE'";

    // An element instance is its activation in the history, ended by its last completion or termination, with the live
    // row's incident (as the element instance search reads them); the process itself is no element instance.
    private const string Elements = """
        SELECT 1 FROM execution_history pa
        LEFT JOIN LATERAL (SELECT h.event FROM execution_history h
                           WHERE h.process_instance_key = pa.process_instance_key AND h.element_instance_key = pa.element_instance_key
                             AND h.event IN ('ELEMENT_COMPLETED', 'ELEMENT_TERMINATED')
                           ORDER BY h.id DESC LIMIT 1) pe ON TRUE
        LEFT JOIN element_instance pl ON pl.key = pa.element_instance_key
        WHERE pa.process_instance_key = i.key AND pa.event = 'ELEMENT_ACTIVATING' AND pa.element_instance_key IS NOT NULL
          AND pa.element_type IS DISTINCT FROM 'process'
        """;

    public static ReadModel<InstanceRow> Model { get; } = new(
        "process instances",
        """
        i.key AS Key, i.bpmn_process_id AS BpmnProcessId, d.name AS Name, i.process_version AS Version, d.version_tag AS VersionTag,
        i.process_definition_key AS ProcessDefinitionKey, i.parent_process_instance_key AS ParentProcessInstanceKey,
        i.parent_element_instance_key AS ParentElementInstanceKey, i.root_process_instance_key AS RootProcessInstanceKey, i.started_at AS StartedAt,
        i.ended_at AS EndedAt, i.state AS State, i.has_incident AS HasIncident, i.business_key AS BusinessKey, i.tenant_id AS TenantId,
        i.tags AS Tags
        """,
        "process_instance i LEFT JOIN process_definition d ON d.process_definition_key = i.process_definition_key",
        new QueryField("processInstanceKey", "i.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.Instance(caller, "i", parameters),
        [
            (new QueryField("processDefinitionId", "i.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("processDefinitionName", "d.name", FieldType.Text), r => r.Name),
            (new QueryField("processDefinitionVersion", "i.process_version", FieldType.Integer), r => (long)r.Version),
            (new QueryField("processDefinitionVersionTag", "d.version_tag", FieldType.Text), r => r.VersionTag),
            (new QueryField("processDefinitionKey", "i.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("parentProcessInstanceKey", "i.parent_process_instance_key", FieldType.Key), r => r.ParentProcessInstanceKey),
            (new QueryField("parentElementInstanceKey", "i.parent_element_instance_key", FieldType.Key), r => r.ParentElementInstanceKey),
            (new QueryField("startDate", "i.started_at", FieldType.Date), r => r.StartedAt),
            (new QueryField("endDate", "i.ended_at", FieldType.Date), r => r.EndedAt),
            (new QueryField("state", "i.state", FieldType.Text) { Vocabulary = State, VocabularyHint = "ACTIVE, COMPLETED, TERMINATED" }, r => r.State),
            (new QueryField("hasIncident", "i.has_incident", FieldType.Boolean), r => r.HasIncident),
            (new QueryField("businessKey", "i.business_key", FieldType.Text), r => r.BusinessKey),
            (new QueryField("tenantId", "i.tenant_id", FieldType.Text), r => r.TenantId),
            // Camunda's tags: a list means "holds all of them" (tags @> ..., which the GIN index answers).
            (new QueryField("tags", "i.tags", FieldType.TextList)
                { Vocabulary = t => Execution.InstanceTags.IsValid(t) ? t : null, VocabularyHint = $"the valid tags ({Execution.InstanceTags.Rule})" }, null),
            // The batch operations that touched the instance (their keys, as Camunda's batchOperationId is).
            (new QueryField("batchOperationId",
                "ARRAY(SELECT pb.batch_operation_key::text FROM batch_operation_item pb WHERE pb.process_instance_key = i.key)", FieldType.TextList), null),
            // Camunda's words: "whether the process has failed jobs with retries left". A worker's failure leaves its error
            // message on the job; the executor's own handlers count failures.
            (new QueryField("hasRetriesLeft",
                "EXISTS (SELECT 1 FROM job pj WHERE pj.process_instance_key = i.key AND (pj.failures > 0 OR pj.error_message IS NOT NULL) AND pj.retries > 0 AND pj.state <> 'FAILED')",
                FieldType.Boolean, Sortable: false), null),
            // The instance's open incidents, both conditions on the same incident; the hash is Java's String.hashCode() of
            // the message, as Camunda computes incidentErrorHashCode.
            (new QueryField("errorMessage", "pn.error_message", FieldType.Text) { Within = OpenIncidents }, null),
            (new QueryField("incidentErrorHashCode", "java_string_hash(pn.error_message)", FieldType.Integer) { Within = OpenIncidents }, null),
            // The instance's element instances, live and finished: the three conditions hold on the same element instance.
            (new QueryField("elementId", "pa.element_id", FieldType.Text) { Within = Elements }, null),
            (new QueryField("elementInstanceState",
                "(CASE pe.event WHEN 'ELEMENT_COMPLETED' THEN 'COMPLETED' WHEN 'ELEMENT_TERMINATED' THEN 'TERMINATED' ELSE 'ACTIVE' END)", FieldType.Text)
                { Within = Elements, Vocabulary = State, VocabularyHint = "ACTIVE, COMPLETED, TERMINATED" }, null),
            (new QueryField("hasElementInstanceIncident", "(pl.incident_key IS NOT NULL)", FieldType.Boolean) { Within = Elements }, null),
        ])
    {
        InstanceKeyColumn = "i.key",
        AllowsAnyOf = true,
    };

    public static ReadModel<IncidentRow> IncidentModel { get; } = new(
        "incidents",
        """
        n.key AS Key, n.bpmn_process_id AS BpmnProcessId, n.process_definition_key AS ProcessDefinitionKey, n.process_instance_key AS ProcessInstanceKey,
        n.element_id AS ElementId, n.element_instance_key AS ElementInstanceKey, n.error_type AS ErrorType, n.error_message AS ErrorMessage,
        n.job_key AS JobKey, n.state AS State, n.created_at AS CreatedAt, n.tenant_id AS TenantId
        """,
        "incident n",
        new QueryField("incidentKey", "n.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "n.process_instance_key", parameters),
        [
            (new QueryField("processDefinitionId", "n.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("processDefinitionKey", "n.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processInstanceKey", "n.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("elementId", "n.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementInstanceKey", "n.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("errorType", "n.error_type", FieldType.Text), r => r.ErrorType),
            (new QueryField("errorMessage", "n.error_message", FieldType.Text), r => r.ErrorMessage),
            (new QueryField("jobKey", "n.job_key", FieldType.Key), r => r.JobKey),
            (new QueryField("state", "n.state", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "ACTIVE, RESOLVED" }, r => r.State),
            (new QueryField("creationTime", "n.created_at", FieldType.Date), r => r.CreatedAt),
            (new QueryField("tenantId", "n.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        InstanceKeyColumn = "n.process_instance_key",
    };

    /// <summary>Camunda's instance states; CANCELED is what we call TERMINATED.</summary>
    private static string? State(string text) => text.ToUpperInvariant() switch
    {
        "ACTIVE" => "ACTIVE",
        "COMPLETED" => "COMPLETED",
        "TERMINATED" or "CANCELED" => "TERMINATED",
        _ => null,
    };

    public Task<QueryPage<InstanceRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        MaskedSearch.RunAsync(dataSource, Model, masking, caller, query, cancellationToken);

    /// <summary>The instance, if the caller may see its case; null otherwise, whether it exists or not.</summary>
    public Task<InstanceRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        MaskedSearch.FindAsync(dataSource, Model, masking, caller, key, cancellationToken);

    /// <summary>The instance and every instance it called, directly or further down (Camunda's incidents of a process instance include theirs).</summary>
    public async Task<long[]> CalledTreeAsync(long processInstanceKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var keys = await Dapper.SqlMapper.QueryAsync<long>(connection, new Dapper.CommandDefinition("""
            WITH RECURSIVE tree(key) AS (
                SELECT @key::bigint
                UNION ALL
                SELECT c.key FROM process_instance c JOIN tree t ON c.parent_process_instance_key = t.key)
            SELECT key FROM tree
            """, new { key = processInstanceKey }, cancellationToken: cancellationToken));
        return [.. keys];
    }

    public Task<QueryPage<IncidentRow>> IncidentsAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, IncidentModel, caller, query, cancellationToken);
}
