using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>One deployed version of a process with how many of its instances the caller sees in each state.</summary>
public sealed class DefinitionVersionRow
{
    public long Key { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string? Name { get; init; }
    public int Version { get; init; }
    public string? VersionTag { get; init; }
    public string ResourceName { get; init; } = "";
    public long DeploymentKey { get; init; }
    public DateTime DeployedAt { get; init; }
    /// <summary>Who deployed it; null for the host's own deployments and those made before this was recorded.</summary>
    public string? DeployedBy { get; init; }
    public bool IsLatest { get; init; }
    public DateTime? SuspendedAt { get; init; }
    public long Running { get; init; }
    public long Completed { get; init; }
    public long Terminated { get; init; }
    public long WithIncidents { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// The versions of process definitions for the definition lifecycle page. Definitions are seen by everyone of their tenant; the
/// instance counts go through the instance visibility rule, so a caller counts only the cases it may see.
/// </summary>
public sealed class VersionQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Every version (of one process id, or of all), newest first within a process id.</summary>
    public async Task<IReadOnlyList<DefinitionVersionRow>> ListAsync(Caller caller, string? bpmnProcessId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var parameters = new DynamicParameters(new { bpmnProcessId });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        var tenant = VisibilityRule.Tenant(caller, "d.tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DefinitionVersionRow>(new CommandDefinition($"""
            WITH counts AS (
                SELECT i.process_definition_key,
                       count(*) FILTER (WHERE i.state = 'ACTIVE') AS running,
                       count(*) FILTER (WHERE i.state = 'COMPLETED') AS completed,
                       count(*) FILTER (WHERE i.state = 'TERMINATED') AS terminated,
                       count(*) FILTER (WHERE i.state = 'ACTIVE' AND i.has_incident) AS incidents
                FROM process_instance i
                WHERE (@bpmnProcessId::text IS NULL OR i.bpmn_process_id = @bpmnProcessId) AND {visible}
                GROUP BY i.process_definition_key)
            SELECT d.process_definition_key AS Key, d.bpmn_process_id AS BpmnProcessId, d.name AS Name, d.version AS Version,
                   d.version_tag AS VersionTag, d.resource_name AS ResourceName, d.deployment_key AS DeploymentKey, d.deployed_at AS DeployedAt, dep.deployed_by AS DeployedBy,
                   d.suspended_at AS SuspendedAt,
                   d.version = max(d.version) OVER (PARTITION BY d.tenant_id, d.bpmn_process_id) AS IsLatest, d.tenant_id AS TenantId,
                   coalesce(c.running, 0) AS Running, coalesce(c.completed, 0) AS Completed,
                   coalesce(c.terminated, 0) AS Terminated, coalesce(c.incidents, 0) AS WithIncidents
            FROM process_definition d LEFT JOIN counts c ON c.process_definition_key = d.process_definition_key
                 JOIN deployment dep ON dep.deployment_key = d.deployment_key
            WHERE (@bpmnProcessId::text IS NULL OR d.bpmn_process_id = @bpmnProcessId) AND d.deleted_at IS NULL AND {tenant}
            ORDER BY d.bpmn_process_id, d.tenant_id, d.version DESC
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
