using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A deployed process definition as the read side returns it.</summary>
public sealed class ProcessDefinitionRow
{
    public long Key { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string? Name { get; init; }
    public int Version { get; init; }
    public string? VersionTag { get; init; }
    public string ResourceName { get; init; } = "";
    public string TenantId { get; init; } = TenantIds.Default;

    /// <summary>The form id on the plain start event (<c>zeebe:formDefinition formId</c>), null when the process starts without a form.</summary>
    public string? StartFormId { get; init; }
}

/// <summary>A deployed decision definition as the read side returns it.</summary>
public sealed class DecisionDefinitionRow
{
    public long Key { get; init; }
    public string DecisionId { get; init; } = "";
    public string? Name { get; init; }
    public int Version { get; init; }
    public string DecisionRequirementsId { get; init; } = "";
    public long DecisionRequirementsKey { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>A deployed decision requirements graph (a DMN file's definitions) as the read side returns it.</summary>
public sealed class DecisionRequirementsRow
{
    public long Key { get; init; }
    public string DecisionRequirementsId { get; init; } = "";
    public string? Name { get; init; }
    public int Version { get; init; }
    public string ResourceName { get; init; } = "";
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>A deployed resource by its key (a process definition, a decision requirements graph or a form) with the file's content.</summary>
public sealed record ResourceRow(long Key, string ResourceId, string ResourceName, int Version, string? VersionTag, byte[] Content, string TenantId);

/// <summary>
/// Deployed models — process and decision definitions, linked forms. They are no case data: every signed-in caller
/// sees those of their tenants (who may deploy or start is the write side's concern), so their visibility fragment is
/// the tenant alone.
/// </summary>
public sealed class DefinitionQueries(NpgsqlDataSource dataSource)
{
    // Deleted definitions (resource deletion) are gone for the API: searches, gets and the latest-version flag leave them out.
    private static string Everyone(Caller caller, Dapper.DynamicParameters parameters) =>
        "d.deleted_at IS NULL AND " + VisibilityRule.Tenant(caller, "d.tenant_id", parameters);

    public static ReadModel<ProcessDefinitionRow> ProcessModel { get; } = new(
        "process definitions",
        """
        d.process_definition_key AS Key, d.bpmn_process_id AS BpmnProcessId, d.name AS Name, d.version AS Version, d.version_tag AS VersionTag,
        d.resource_name AS ResourceName, d.tenant_id AS TenantId, d.start_form_id AS StartFormId
        """,
        "process_definition d",
        new QueryField("processDefinitionKey", "d.process_definition_key", FieldType.Key), r => r.Key,
        Everyone,
        [
            (new QueryField("processDefinitionId", "d.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("name", "d.name", FieldType.Text), r => r.Name),
            (new QueryField("version", "d.version", FieldType.Integer), r => (long)r.Version),
            (new QueryField("versionTag", "d.version_tag", FieldType.Text), r => r.VersionTag),
            (new QueryField("resourceName", "d.resource_name", FieldType.Text), r => r.ResourceName),
            (new QueryField("isLatestVersion",
                "(d.version = (SELECT max(l.version) FROM process_definition l WHERE l.tenant_id = d.tenant_id AND l.bpmn_process_id = d.bpmn_process_id AND l.deleted_at IS NULL))", FieldType.Boolean, Sortable: false), null),
            (new QueryField("tenantId", "d.tenant_id", FieldType.Text), r => r.TenantId),
            (new QueryField("hasStartForm", "(d.start_form_id IS NOT NULL)", FieldType.Boolean, Sortable: false), null),
        ])
    {
        DefaultSort = [new SortBy("processDefinitionId"), new SortBy("version")],
    };

    public static ReadModel<DecisionDefinitionRow> DecisionModel { get; } = new(
        "decision definitions",
        """
        d.decision_definition_key AS Key, d.decision_id AS DecisionId, d.name AS Name, d.version AS Version,
        d.decision_requirements_id AS DecisionRequirementsId, d.decision_requirements_key AS DecisionRequirementsKey, d.tenant_id AS TenantId
        """,
        "decision_definition d",
        new QueryField("decisionDefinitionKey", "d.decision_definition_key", FieldType.Key), r => r.Key,
        Everyone,
        [
            (new QueryField("decisionDefinitionId", "d.decision_id", FieldType.Text), r => r.DecisionId),
            (new QueryField("name", "d.name", FieldType.Text), r => r.Name),
            (new QueryField("version", "d.version", FieldType.Integer), r => (long)r.Version),
            (new QueryField("decisionRequirementsId", "d.decision_requirements_id", FieldType.Text), r => r.DecisionRequirementsId),
            (new QueryField("decisionRequirementsKey", "d.decision_requirements_key", FieldType.Key), r => r.DecisionRequirementsKey),
            (new QueryField("isLatestVersion",
                "(d.version = (SELECT max(l.version) FROM decision_definition l WHERE l.tenant_id = d.tenant_id AND l.decision_id = d.decision_id AND l.deleted_at IS NULL))", FieldType.Boolean, Sortable: false), null),
            (new QueryField("tenantId", "d.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        DefaultSort = [new SortBy("decisionDefinitionId"), new SortBy("version")],
    };

    public static ReadModel<DecisionRequirementsRow> RequirementsModel { get; } = new(
        "decision requirements",
        """
        q.decision_requirements_key AS Key, q.decision_requirements_id AS DecisionRequirementsId, q.name AS Name, q.version AS Version,
        q.resource_name AS ResourceName, q.tenant_id AS TenantId
        """,
        "decision_requirements q",
        new QueryField("decisionRequirementsKey", "q.decision_requirements_key", FieldType.Key), r => r.Key,
        (caller, parameters) => "q.deleted_at IS NULL AND " + VisibilityRule.Tenant(caller, "q.tenant_id", parameters),
        [
            (new QueryField("decisionRequirementsId", "q.decision_requirements_id", FieldType.Text), r => r.DecisionRequirementsId),
            (new QueryField("decisionRequirementsName", "q.name", FieldType.Text), r => r.Name),
            (new QueryField("version", "q.version", FieldType.Integer), r => (long)r.Version),
            (new QueryField("resourceName", "q.resource_name", FieldType.Text), r => r.ResourceName),
            (new QueryField("tenantId", "q.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        DefaultSort = [new SortBy("decisionRequirementsId"), new SortBy("version")],
    };

    public Task<QueryPage<DecisionRequirementsRow>> RequirementsAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, RequirementsModel, caller, query, cancellationToken);

    public async Task<DecisionRequirementsRow?> FindRequirementsAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        Single(await RequirementsAsync(caller, One("decisionRequirementsKey", key), cancellationToken));

    public Task<QueryPage<ProcessDefinitionRow>> ProcessesAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, ProcessModel, caller, query, cancellationToken);

    public Task<QueryPage<DecisionDefinitionRow>> DecisionsAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, DecisionModel, caller, query, cancellationToken);

    public async Task<ProcessDefinitionRow?> FindProcessAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        Single(await ProcessesAsync(caller, One("processDefinitionKey", key), cancellationToken));

    public async Task<DecisionDefinitionRow?> FindDecisionAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        Single(await DecisionsAsync(caller, One("decisionDefinitionKey", key), cancellationToken));

    /// <summary>
    /// Camunda's resource by key: a process definition's, a decision requirements graph's or a form's key names the
    /// deployed file it came from; null when no deployed model has that key.
    /// </summary>
    public async Task<ResourceRow?> FindResourceAsync(Caller caller, long key, CancellationToken cancellationToken)
    {
        var parameters = new Dapper.DynamicParameters(new { key });
        var tenant = VisibilityRule.Tenant(caller, "m.tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Dapper.SqlMapper.QuerySingleOrDefaultAsync<ResourceRow>(connection, new Dapper.CommandDefinition($"""
            SELECT m.key AS Key, m.id AS ResourceId, m.resource_name AS ResourceName, m.version AS Version, m.version_tag AS VersionTag, r.content AS Content, m.tenant_id AS TenantId
            FROM (SELECT process_definition_key AS key, bpmn_process_id AS id, resource_name, version, version_tag, deployment_key, tenant_id FROM process_definition WHERE deleted_at IS NULL
                  UNION ALL
                  SELECT decision_requirements_key, decision_requirements_id, resource_name, version, NULL, deployment_key, tenant_id FROM decision_requirements WHERE deleted_at IS NULL
                  UNION ALL
                  SELECT form_key, form_id, resource_name, version, NULL, deployment_key, tenant_id FROM form_definition WHERE deleted_at IS NULL) m
            JOIN deployment_resource r ON r.deployment_key = m.deployment_key AND r.resource_name = m.resource_name
            WHERE m.key = @key AND {tenant}
            """, parameters, cancellationToken: cancellationToken));
    }

    /// <summary>The latest deployed version of a linked form (a task's <c>form:&lt;id&gt;</c>) in the task's tenant, or null when none was deployed there.</summary>
    public Task<StoredForm?> LatestFormAsync(string tenantId, string formId, CancellationToken cancellationToken) =>
        FormDeployment.LatestAsync(dataSource, formId, cancellationToken, tenantId);

    /// <summary>The latest deployed version of a linked form in the default tenant.</summary>
    public Task<StoredForm?> LatestFormAsync(string formId, CancellationToken cancellationToken) =>
        FormDeployment.LatestAsync(dataSource, formId, cancellationToken);

    private static Query One(string field, long key) =>
        Query.Where(new FieldCondition(field, FilterOperator.Eq, key)) with { CountTotal = false, Page = new PageRequest(1) };

    private static T? Single<T>(QueryPage<T> page) where T : class => page.Items.Count == 0 ? null : page.Items[0];
}
