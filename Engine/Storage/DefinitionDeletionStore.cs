using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>A deployed resource a deletion names: its kind (<c>process</c>, <c>drg</c>, <c>form</c>), id, version and tenant.</summary>
internal sealed record DeletableResource(string Kind, long Key, string Id, int Version, string TenantId);

/// <summary>
/// The SQL of resource deletion (<c>deleted_at</c> on the definition tables, migration 0081), run in the deletion's
/// transaction, and the lock that keeps a start of a version and its deletion apart: a start holds the version's lock
/// shared (<see cref="LockForStartAsync"/>), a deletion exclusively, so a deletion never misses an instance that a
/// start is about to commit, and a start after the deletion sees it deleted.
/// </summary>
internal static class DefinitionDeletionStore
{
    private const string LockKey = "hashtextextended('definition:' || @key::text, 0)";

    /// <summary>The live (not deleted) resource with this key in one of <paramref name="tenants"/> (null: any), or null.</summary>
    public static Task<DeletableResource?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, string[]? tenants,
        CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<DeletableResource?>(new CommandDefinition("""
            SELECT m.kind AS Kind, m.key AS Key, m.id AS Id, m.version AS Version, m.tenant_id AS TenantId
            FROM (SELECT 'process' AS kind, process_definition_key AS key, bpmn_process_id AS id, version, tenant_id, deleted_at FROM process_definition
                  UNION ALL
                  SELECT 'drg', decision_requirements_key, decision_requirements_id, version, tenant_id, deleted_at FROM decision_requirements
                  UNION ALL
                  SELECT 'form', form_key, form_id, version, tenant_id, deleted_at FROM form_definition) m
            WHERE m.key = @key AND m.deleted_at IS NULL AND (@tenants::text[] IS NULL OR m.tenant_id = ANY(@tenants))
            """, new { key, tenants }, transaction, cancellationToken: cancellationToken));

    /// <summary>Takes the version's deletion lock (exclusive, until the transaction ends).</summary>
    public static Task LockForDeletionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition($"SELECT pg_advisory_xact_lock({LockKey})", new { key }, transaction, cancellationToken: cancellationToken));

    /// <summary>Takes the version's lock shared, so a deletion waits for this start's transaction (and this start for a deletion under way).</summary>
    public static Task LockForStartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition($"SELECT pg_advisory_xact_lock_shared({LockKey})", new { key }, transaction, cancellationToken: cancellationToken));

    /// <summary>How many instances of the version are still running (active, with or without incidents).</summary>
    public static Task<long> RunningInstancesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long processDefinitionKey, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM process_instance WHERE process_definition_key = @processDefinitionKey AND state = 'ACTIVE'",
            new { processDefinitionKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Marks the process version deleted (its trigger notifies every host).</summary>
    public static Task DeleteProcessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE process_definition SET deleted_at = @now WHERE process_definition_key = @key",
            new { key, now }, transaction, cancellationToken: cancellationToken));

    /// <summary>Marks the graph and every decision in it deleted; answers the decisions' keys.</summary>
    public static async Task<IReadOnlyList<long>> DeleteRequirementsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("UPDATE decision_requirements SET deleted_at = @now WHERE decision_requirements_key = @key",
            new { key, now }, transaction, cancellationToken: cancellationToken));
        return [.. await connection.QueryAsync<long>(new CommandDefinition("""
            UPDATE decision_definition SET deleted_at = @now WHERE decision_requirements_key = @key AND deleted_at IS NULL RETURNING decision_definition_key
            """, new { key, now }, transaction, cancellationToken: cancellationToken))];
    }

    /// <summary>Marks the form version deleted.</summary>
    public static Task DeleteFormAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE form_definition SET deleted_at = @now WHERE form_key = @key",
            new { key, now }, transaction, cancellationToken: cancellationToken));

    /// <summary>The latest live version of a process id in a tenant, read in the transaction (after this deletion's update); null when none is left.</summary>
    public static Task<long?> LatestProcessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            SELECT process_definition_key FROM process_definition
            WHERE tenant_id = @tenant AND bpmn_process_id = @bpmnProcessId AND deleted_at IS NULL ORDER BY version DESC LIMIT 1
            """, new { tenant, bpmnProcessId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Whether <paramref name="key"/> is above every live version of its process id (so it held the start events).</summary>
    public static Task<bool> WasLatestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, int version,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT NOT EXISTS (SELECT 1 FROM process_definition
                               WHERE tenant_id = @tenant AND bpmn_process_id = @bpmnProcessId AND deleted_at IS NULL AND version > @version)
            """, new { tenant, bpmnProcessId, version }, transaction, cancellationToken: cancellationToken));

    /// <summary>Closes every start event and start timer of a process id whose last live version is gone.</summary>
    public static async Task CloseStartEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId,
        CancellationToken cancellationToken)
    {
        var ids = new { id = bpmnProcessId, tenant };
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('start:' || @tenant || chr(31) || @id, 7))", ids, transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM start_event_subscription WHERE tenant_id = @tenant AND bpmn_process_id = @id",
            ids, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM timer WHERE process_instance_key IS NULL
              AND process_definition_key IN (SELECT process_definition_key FROM process_definition WHERE tenant_id = @tenant AND bpmn_process_id = @id)
            """, ids, transaction, cancellationToken: cancellationToken));
    }
}
