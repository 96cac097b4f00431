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
    public static ReadModel<InstanceRow> Model { get; } = new(
        "process instances",
        """
        i.key AS Key, i.bpmn_process_id AS BpmnProcessId, d.name AS Name, i.process_version AS Version, d.version_tag AS VersionTag,
        i.process_definition_key AS ProcessDefinitionKey, i.parent_process_instance_key AS ParentProcessInstanceKey,
        i.parent_element_instance_key AS ParentElementInstanceKey, i.root_process_instance_key AS RootProcessInstanceKey, i.started_at AS StartedAt,
        i.ended_at AS EndedAt, i.state AS State, i.has_incident AS HasIncident, i.business_key AS BusinessKey, i.tenant_id AS TenantId
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
        ])
    {
        InstanceKeyColumn = "i.key",
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
