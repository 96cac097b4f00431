using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>An element instance, live or finished, as the history records it (Camunda's element instance).</summary>
public sealed class ElementInstanceRow
{
    public long Key { get; init; }
    public long ProcessInstanceKey { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string ElementId { get; init; } = "";
    /// <summary>The element's name in its model, or its id when it has none (as Camunda names it).</summary>
    public string ElementName { get; init; } = "";
    /// <summary>Camunda's word for the element type: SERVICE_TASK, USER_TASK, MULTI_INSTANCE_BODY…</summary>
    public string Type { get; init; } = "";
    /// <summary>ACTIVE, COMPLETED or TERMINATED.</summary>
    public string State { get; init; } = "";
    public DateTime StartDate { get; init; }
    public DateTime? EndDate { get; init; }
    public long? IncidentKey { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>A sequence flow an instance took, once per flow id.</summary>
public sealed record SequenceFlowRow(string FlowId, long ProcessInstanceKey, long ProcessDefinitionKey, string BpmnProcessId, string TenantId);

/// <summary>How many instances of one element are active, completed, terminated, or stuck on an incident.</summary>
public sealed record ElementStatisticsRow(string ElementId, long Active, long Canceled, long Incidents, long Completed);

/// <summary>
/// Element instances over their whole life: each one's activation in <c>execution_history</c>, its end (completed
/// or terminated) if it has one, and its open incident while it is live. The process itself is not an element
/// instance here (as in Camunda). Visibility is the instance's: an element of a case the caller may not see does not
/// exist for them.
/// </summary>
public sealed class ElementInstanceHistoryQueries(NpgsqlDataSource dataSource)
{
    private const string From = """
        (SELECT a.element_instance_key AS key, a.process_instance_key, a.element_id,
                CASE WHEN a.details->>'eventSubProcess' = 'true' THEN 'EVENT_SUB_PROCESS'
                     ELSE upper(regexp_replace(a.element_type, '([a-z])([A-Z])', '\1_\2', 'g')) END AS type, a.at AS started_at, e.at AS ended_at,
                COALESCE((a.details->>'flowScopeKey')::bigint, live.flow_scope_key) AS scope_key,
                CASE e.event WHEN 'ELEMENT_COMPLETED' THEN 'COMPLETED' WHEN 'ELEMENT_TERMINATED' THEN 'TERMINATED' ELSE 'ACTIVE' END AS state,
                live.incident_key
         FROM execution_history a
         LEFT JOIN LATERAL (SELECT h.event, h.at FROM execution_history h
                            WHERE h.process_instance_key = a.process_instance_key AND h.element_instance_key = a.element_instance_key
                              AND h.event IN ('ELEMENT_COMPLETED', 'ELEMENT_TERMINATED')
                            ORDER BY h.id DESC LIMIT 1) e ON TRUE
         LEFT JOIN element_instance live ON live.key = a.element_instance_key
         WHERE a.event = 'ELEMENT_ACTIVATING' AND a.element_instance_key IS NOT NULL AND a.element_type IS DISTINCT FROM 'process') x
        JOIN process_instance i ON i.key = x.process_instance_key
        """;

    // The name kept with the definition at deployment (process_definition.element_names); an unnamed element goes by its id.
    private const string NameSql = "coalesce((SELECT pd.element_names->>x.element_id FROM process_definition pd WHERE pd.process_definition_key = i.process_definition_key), x.element_id)";

    public static ReadModel<ElementInstanceRow> Model { get; } = new(
        "element instances",
        $"""
        x.key AS Key, x.process_instance_key AS ProcessInstanceKey, i.process_definition_key AS ProcessDefinitionKey, i.bpmn_process_id AS BpmnProcessId,
        x.element_id AS ElementId, {NameSql} AS ElementName, x.type AS Type, x.state AS State, x.started_at AS StartDate, x.ended_at AS EndDate, x.incident_key AS IncidentKey,
        i.tenant_id AS TenantId
        """,
        From,
        new QueryField("elementInstanceKey", "x.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.Instance(caller, "i", parameters),
        [
            (new QueryField("processInstanceKey", "x.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "i.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processDefinitionId", "i.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("elementId", "x.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementName", NameSql, FieldType.Text), r => r.ElementName),
            (new QueryField("type", "x.type", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "SERVICE_TASK, USER_TASK, … (Camunda's element types)" }, r => r.Type),
            (new QueryField("state", "x.state", FieldType.Text) { Vocabulary = State, VocabularyHint = "ACTIVE, COMPLETED, TERMINATED" }, r => r.State),
            (new QueryField("startDate", "x.started_at", FieldType.Date), r => r.StartDate),
            (new QueryField("endDate", "x.ended_at", FieldType.Date), r => r.EndDate),
            (new QueryField("hasIncident", "(x.incident_key IS NOT NULL)", FieldType.Boolean), r => r.IncidentKey is not null),
            (new QueryField("incidentKey", "x.incident_key", FieldType.Key), r => r.IncidentKey),
            (new QueryField("tenantId", "i.tenant_id", FieldType.Text), r => r.TenantId),
            (new QueryField("elementInstanceScopeKey", "x.scope_key", FieldType.Key, Sortable: false), null),
        ])
    {
        DefaultSort = [new SortBy("startDate")],
    };

    private static string? State(string text) => text.ToUpperInvariant() switch
    {
        "ACTIVE" => "ACTIVE",
        "COMPLETED" => "COMPLETED",
        "TERMINATED" or "CANCELED" => "TERMINATED",
        _ => null,
    };

    public Task<QueryPage<ElementInstanceRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);

    /// <summary>The element instance, if the caller may see its case; null otherwise, whether it exists or not.</summary>
    public async Task<ElementInstanceRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken)
    {
        var page = await SearchAsync(caller, Query.Where(new FieldCondition("elementInstanceKey", FilterOperator.Eq, key)) with
        {
            CountTotal = false,
            Page = new PageRequest(1),
        }, cancellationToken);
        return page.Items.Count == 0 ? null : page.Items[0];
    }

    /// <summary>Per element: how many of the matching element instances are active, completed, terminated, or hold an incident.</summary>
    public async Task<IReadOnlyList<ElementStatisticsRow>> StatisticsAsync(Caller caller, Query query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new DynamicParameters();
        var where = QuerySql.Where(Model, caller, query, parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ElementStatisticsRow>(new CommandDefinition($"""
            SELECT x.element_id AS ElementId,
                   count(*) FILTER (WHERE x.state = 'ACTIVE' AND x.incident_key IS NULL) AS Active,
                   count(*) FILTER (WHERE x.state = 'TERMINATED') AS Canceled,
                   count(*) FILTER (WHERE x.state = 'ACTIVE' AND x.incident_key IS NOT NULL) AS Incidents,
                   count(*) FILTER (WHERE x.state = 'COMPLETED') AS Completed
            FROM {From} WHERE {where} GROUP BY x.element_id ORDER BY x.element_id
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>The sequence flows the instance took (each once), or null when the caller may not see the instance.</summary>
    public async Task<IReadOnlyList<SequenceFlowRow>?> SequenceFlowsAsync(Caller caller, long processInstanceKey, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("key", processInstanceKey);
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QuerySingleOrDefaultAsync<(long Key, long DefinitionKey, string ProcessId, string TenantId)?>(new CommandDefinition(
            $"SELECT i.key, i.process_definition_key, i.bpmn_process_id, i.tenant_id FROM process_instance i WHERE i.key = @key AND {visible}",
            parameters, cancellationToken: cancellationToken));
        if (found is not { } instance)
        {
            return null;
        }
        var flows = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT element_id FROM execution_history WHERE process_instance_key = @key AND event = 'SEQUENCE_FLOW_TAKEN' AND element_id IS NOT NULL
            GROUP BY element_id ORDER BY min(id)
            """, new { key = processInstanceKey }, cancellationToken: cancellationToken));
        return [.. flows.Select(f => new SequenceFlowRow(f, instance.Key, instance.DefinitionKey, instance.ProcessId, instance.TenantId))];
    }
}
