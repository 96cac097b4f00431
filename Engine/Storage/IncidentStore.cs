using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>An incident as the resolve command reads it.</summary>
internal sealed record StoredIncident(long ProcessInstanceKey, long ElementInstanceKey, IncidentState State, long? JobKey, string ErrorType);

/// <summary>
/// The <c>incident</c> table outside the commands' batches (which insert and resolve incidents through
/// <see cref="ChangeWriter"/>).
/// </summary>
internal static class IncidentStore
{
    public static async Task<StoredIncident?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long incidentKey,
        CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(long ProcessInstanceKey, long ElementInstanceKey, string State, long? JobKey, string ErrorType)>(
            new CommandDefinition("""
                SELECT process_instance_key, element_instance_key, state, job_key, error_type FROM incident
                WHERE key = @incidentKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
                """, new { incidentKey, tenants = Visibility.TenantScope.AsArray() }, transaction, cancellationToken: cancellationToken));
        return row == default
            ? null
            : new StoredIncident(row.ProcessInstanceKey, row.ElementInstanceKey, StoredStates.Parse<IncidentState>(row.State), row.JobKey, row.ErrorType);
    }
}
