using System.Collections.Immutable;
using System.Text.Json;
using Dapper;
using Npgsql;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Engine.Deployment;

/// <summary>A form of a deployment; like processes, unchanged content keeps the existing version.</summary>
public sealed record DeployedForm(string FormId, int Version, long FormKey, string ResourceName, bool IsDuplicate);

/// <summary>A stored form version with its form-js schema, as deployed.</summary>
public sealed record StoredForm(long FormKey, string FormId, int Version, string Schema);

/// <summary>
/// Forms (<c>.form</c>, form-js JSON): read at deployment so a file a user task could never render (not JSON, no
/// string id) is refused with the other problems, and versioned by id so a task's <c>form:&lt;id&gt;</c> key resolves.
/// </summary>
internal static class FormDeployment
{
    // Second advisory-lock space (see DeploymentService): form ids must not wait on process ids of the same text.
    private const int FormIdLockSpace = 0x464f524d; // "FORM"

    public static bool IsForm(string name) => name.EndsWith(".form", StringComparison.OrdinalIgnoreCase);

    /// <summary>The form's id, or the problems saying why the file is not a usable form (or not one the inbox may render).</summary>
    public static (string? FormId, IReadOnlyList<ModelProblem> Problems) Read(ReadOnlyMemory<byte> content)
    {
        try
        {
            using var document = JsonDocument.Parse(content, new JsonDocumentOptions { AllowTrailingCommas = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, [new ModelProblem(ProblemSeverity.Error, "A form must be a JSON object (form-js schema).")]);
            }
            if (!document.RootElement.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
            {
                return (null, [new ModelProblem(ProblemSeverity.Error, "The form has no string 'id'; user tasks refer to forms by it (zeebe:formDefinition formId).")]);
            }
            var markup = FormMarkup.Check(document.RootElement).ToList();
            return markup.Count > 0 ? (null, markup) : (id.GetString()!.Trim(), []);
        }
        catch (JsonException e)
        {
            return (null, [new ModelProblem(ProblemSeverity.Error, $"The form is not valid JSON: {e.Message}")]);
        }
    }

    public static async Task<ImmutableArray<DeployedForm>> DeployAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long deploymentKey,
        IReadOnlyList<(string Name, string Checksum, string FormId)> forms, CancellationToken cancellationToken)
    {
        var deployed = ImmutableArray.CreateBuilder<DeployedForm>();
        // Locks in id order, as for processes: two deployments sharing form ids take turns without deadlocking.
        foreach (var (name, checksum, formId) in forms.OrderBy(f => f.FormId, StringComparer.Ordinal))
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@FormIdLockSpace, hashtext(@tenant || chr(31) || @formId))",
                new { FormIdLockSpace, tenant, formId }, transaction, cancellationToken: cancellationToken));
            var latest = await connection.QuerySingleOrDefaultAsync<LatestForm>(new CommandDefinition("""
                SELECT form_key AS Key, version AS Version, checksum AS Checksum FROM form_definition WHERE tenant_id = @tenant AND form_id = @formId AND deleted_at IS NULL ORDER BY version DESC LIMIT 1
                """, new { tenant, formId }, transaction, cancellationToken: cancellationToken));
            if (latest is { } existing && existing.Checksum == checksum)
            {
                deployed.Add(new DeployedForm(formId, existing.Version, existing.Key, name, IsDuplicate: true));
                continue;
            }
            var key = await DeploymentService.NextKeyAsync(connection, transaction, cancellationToken);
            var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT coalesce(max(version), 0) + 1 FROM form_definition WHERE tenant_id = @tenant AND form_id = @formId",
                new { tenant, formId }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO form_definition (form_key, form_id, version, resource_name, checksum, deployment_key, tenant_id)
                VALUES (@key, @formId, @version, @name, @checksum, @deploymentKey, @tenant)
                """, new { key, formId, version, name, checksum, deploymentKey, tenant }, transaction, cancellationToken: cancellationToken));
            deployed.Add(new DeployedForm(formId, version, key, name, IsDuplicate: false));
        }
        return deployed.ToImmutable();
    }

    /// <summary>The latest version of a form id in a tenant with its schema text, or null when no such form was deployed there.</summary>
    public static async Task<StoredForm?> LatestAsync(NpgsqlDataSource dataSource, string formId, CancellationToken cancellationToken,
        string tenantId = Visibility.TenantIds.Default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await LatestAsync(connection, null, tenantId, formId, cancellationToken);
    }

    /// <summary>The same read inside a command's transaction (a completion or a start checks the form's values).</summary>
    public static async Task<StoredForm?> LatestAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantId, string formId,
        CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<FormRow>(new CommandDefinition("""
            SELECT f.form_key AS Key, f.form_id AS FormId, f.version AS Version, r.content AS Content FROM form_definition f
            JOIN deployment_resource r ON r.deployment_key = f.deployment_key AND r.resource_name = f.resource_name
            WHERE f.tenant_id = @tenantId AND f.form_id = @formId AND f.deleted_at IS NULL ORDER BY f.version DESC LIMIT 1
            """, new { tenantId, formId }, transaction, cancellationToken: cancellationToken));
        if (row is not { } found)
        {
            return null;
        }
        using var reader = new StreamReader(new MemoryStream(found.Content), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return new StoredForm(found.Key, found.FormId, found.Version, await reader.ReadToEndAsync(cancellationToken));
    }

    private sealed record LatestForm(long Key, int Version, string Checksum);

#pragma warning disable CA1819 // Dapper's row type: the bytea column.
    private sealed record FormRow(long Key, string FormId, int Version, byte[] Content);
#pragma warning restore CA1819
}
