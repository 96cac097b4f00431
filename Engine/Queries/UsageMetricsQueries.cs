using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>Usage in a period, per tenant: root instances started, decisions evaluated, distinct people holding tasks.</summary>
public sealed class UsageMetricsRow
{
    public string TenantId { get; init; } = TenantIds.Default;
    public long ProcessInstances { get; init; }
    public long DecisionInstances { get; init; }
    public long Assignees { get; init; }
}

/// <summary>
/// Camunda's usage metrics over a period [from, to): root process instances started, decision instances evaluated
/// and distinct assignees of tasks created or completed in it — per tenant, within the caller's tenants.
/// </summary>
public sealed class UsageMetricsQueries(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<UsageMetricsRow>> PerTenantAsync(Caller caller, DateTimeOffset from, DateTimeOffset to, string? tenantId,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { from, to, tenantId });
        string Tenants(string column) => $"{VisibilityRule.Tenant(caller, column, parameters)} AND (@tenantId::text IS NULL OR {column} = @tenantId)";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UsageMetricsRow>(new CommandDefinition($"""
            WITH p AS (SELECT tenant_id, count(*) AS n FROM process_instance
                       WHERE parent_process_instance_key IS NULL AND started_at >= @from AND started_at < @to AND {Tenants("tenant_id")} GROUP BY tenant_id),
                 d AS (SELECT tenant_id, count(*) AS n FROM decision_instance
                       WHERE evaluated_at >= @from AND evaluated_at < @to AND {Tenants("tenant_id")} GROUP BY tenant_id),
                 a AS (SELECT tenant_id, count(DISTINCT assignee) AS n FROM user_task
                       WHERE assignee IS NOT NULL AND ((created_at >= @from AND created_at < @to) OR (completed_at >= @from AND completed_at < @to))
                         AND {Tenants("tenant_id")} GROUP BY tenant_id),
                 t AS (SELECT tenant_id FROM p UNION SELECT tenant_id FROM d UNION SELECT tenant_id FROM a)
            SELECT t.tenant_id AS TenantId, COALESCE(p.n, 0) AS ProcessInstances, COALESCE(d.n, 0) AS DecisionInstances, COALESCE(a.n, 0) AS Assignees
            FROM t LEFT JOIN p USING (tenant_id) LEFT JOIN d USING (tenant_id) LEFT JOIN a USING (tenant_id)
            ORDER BY t.tenant_id
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>Distinct assignees across tenants (one person in two tenants counts once in the total).</summary>
    public async Task<long> AssigneesAsync(Caller caller, DateTimeOffset from, DateTimeOffset to, string? tenantId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { from, to, tenantId });
        var tenants = VisibilityRule.Tenant(caller, "tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
            SELECT count(DISTINCT assignee) FROM user_task
            WHERE assignee IS NOT NULL AND ((created_at >= @from AND created_at < @to) OR (completed_at >= @from AND completed_at < @to))
              AND {tenants} AND (@tenantId::text IS NULL OR tenant_id = @tenantId)
            """, parameters, cancellationToken: cancellationToken));
    }
}
