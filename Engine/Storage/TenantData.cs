using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>What a tenant holds in the engine's tables: a tenant is deleted only when it holds nothing.</summary>
public static class TenantData
{
    /// <summary>The first kind of row <paramref name="tenantId"/> still owns ("process definitions", "process instances"…), or null when none.</summary>
    public static async Task<string?> FirstHeldAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantId, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM deployment WHERE tenant_id = @tenantId) THEN 'deployments'
                WHEN EXISTS (SELECT 1 FROM process_instance WHERE tenant_id = @tenantId) THEN 'process instances'
                WHEN EXISTS (SELECT 1 FROM message WHERE tenant_id = @tenantId) THEN 'buffered messages'
            END
            """, new { tenantId }, transaction, cancellationToken: cancellationToken));
}
