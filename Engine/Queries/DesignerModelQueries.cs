using Dapper;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>One deployed version of a form or a decision requirements graph, as the designer lists them.</summary>
/// <param name="Kind"><c>form</c> or <c>decision</c>.</param>
/// <param name="Id">The form id or the decision requirements id (the DMN file's definitions id).</param>
/// <param name="Key">The form key or the decision requirements key.</param>
/// <param name="ResourceName">The file name it was deployed as; a new version deployed under the same name stays one file in the history.</param>
/// <param name="DecisionKey">For a decision requirements graph: a decision of it, whose key reads the DMN text.</param>
public sealed record DeployedModelRow(string Kind, string Id, string? Name, int Version, long Key, string ResourceName, long? DecisionKey, string TenantId);

/// <summary>
/// The designer's view of deployed forms and decision files, every version. Models are no case data (see
/// <see cref="DefinitionQueries"/>): every signed-in caller sees those of their tenants.
/// </summary>
public sealed class DesignerModelQueries(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<DeployedModelRow>> VersionsAsync(Caller caller, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var forms = VisibilityRule.Tenant(caller, "f.tenant_id", parameters);
        var decisions = VisibilityRule.Tenant(caller, "r.tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeployedModelRow>(new CommandDefinition($"""
            SELECT 'form' AS Kind, f.form_id AS Id, NULL::text AS Name, f.version AS Version, f.form_key AS Key,
                   f.resource_name AS ResourceName, NULL::bigint AS DecisionKey, f.tenant_id AS TenantId
            FROM form_definition f WHERE f.deleted_at IS NULL AND {forms}
            UNION ALL
            SELECT 'decision', r.decision_requirements_id, r.name, r.version, r.decision_requirements_key, r.resource_name,
                   (SELECT min(d.decision_definition_key) FROM decision_definition d WHERE d.decision_requirements_key = r.decision_requirements_key),
                   r.tenant_id
            FROM decision_requirements r WHERE r.deleted_at IS NULL AND {decisions}
            ORDER BY 1, 2, 8, 4
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>One deployed form version with its schema text, or null when there is no form with this key.</summary>
    public async Task<StoredForm?> FormAsync(Caller caller, long formKey, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { formKey });
        var tenant = VisibilityRule.Tenant(caller, "f.tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<FormRow>(new CommandDefinition($"""
            SELECT f.form_key AS Key, f.form_id AS FormId, f.version AS Version, r.content AS Content FROM form_definition f
            JOIN deployment_resource r ON r.deployment_key = f.deployment_key AND r.resource_name = f.resource_name
            WHERE f.form_key = @formKey AND f.deleted_at IS NULL AND {tenant}
            """, parameters, cancellationToken: cancellationToken));
        if (row is not { } found)
        {
            return null;
        }
        using var reader = new StreamReader(new MemoryStream(found.Content), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return new StoredForm(found.Key, found.FormId, found.Version, await reader.ReadToEndAsync(cancellationToken));
    }

#pragma warning disable CA1819 // Dapper's row type: the bytea column.
    private sealed record FormRow(long Key, string FormId, int Version, byte[] Content);
#pragma warning restore CA1819
}
