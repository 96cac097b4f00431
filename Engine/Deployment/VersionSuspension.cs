using System.Globalization;
using Dapper;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Deployment;

/// <summary>
/// Suspends a deployed version for new starts, or resumes it; running instances are not affected. The change and its
/// audit row commit together. Starting a suspended version is refused by the create command (naming the version).
/// </summary>
public sealed class VersionSuspension(NpgsqlDataSource dataSource)
{
    /// <summary>False when no definition of the caller's tenants has the key.</summary>
    public async Task<bool> SetAsync(Visibility.Caller caller, long processDefinitionKey, bool suspended, AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE process_definition SET suspended_at = CASE WHEN @suspended THEN coalesce(suspended_at, now()) END
            WHERE process_definition_key = @processDefinitionKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
            """, new { processDefinitionKey, suspended, tenants = caller.Tenants?.ToArray() }, transaction, cancellationToken: cancellationToken));
        if (changed == 0)
        {
            return false;
        }
        if (audit is not null)
        {
            await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, suspended ? "version.suspended" : "version.resumed", "processDefinition",
                processDefinitionKey.ToString(CultureInfo.InvariantCulture), null), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Whether the version refuses new instances, read in the caller's transaction (the start command's precondition):
    /// suspended, or deleted by a deletion that committed while this start ran. Holds the version's start lock (shared)
    /// until the start commits, so a deletion cannot miss the instance this start creates.
    /// </summary>
    internal static async Task<bool> IsSuspendedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long processDefinitionKey,
        CancellationToken cancellationToken)
    {
        await DefinitionDeletionStore.LockForStartAsync(connection, transaction, processDefinitionKey, cancellationToken);
        return await IsSuspendedLockedAsync(connection, transaction, processDefinitionKey, cancellationToken);
    }

    /// <summary>
    /// The start command's lookup, in its transaction: the key of the tenant's live version (the latest when
    /// <paramref name="version"/> is null; null when there is none), its start lock (shared, as
    /// <see cref="IsSuspendedAsync"/> takes it) taken in the same statement; the caller then asks
    /// <see cref="IsSuspendedLockedAsync"/>. One round trip instead of a read on a connection of its own (which carried
    /// the model's text and cost a transaction) plus the lock's.
    /// </summary>
    internal static Task<long?> LockLiveForStartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string bpmnProcessId,
        int? version, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            SELECT d.process_definition_key
            FROM (SELECT process_definition_key FROM process_definition
                  WHERE tenant_id = @tenantId AND bpmn_process_id = @bpmnProcessId AND (@version::int IS NULL OR version = @version) AND deleted_at IS NULL
                  ORDER BY version DESC LIMIT 1) d
            CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock_shared(hashtextextended('definition:' || d.process_definition_key::text, 0))) l
            """, new { tenantId, bpmnProcessId, version }, transaction, cancellationToken: cancellationToken));

    /// <summary>Whether a version whose start lock this transaction holds refuses new instances.</summary>
    internal static Task<bool> IsSuspendedLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long processDefinitionKey,
        CancellationToken cancellationToken) =>
        // A statement of its own after the lock: its snapshot sees a deletion that the lock waited for.
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT suspended_at IS NOT NULL OR deleted_at IS NOT NULL FROM process_definition WHERE process_definition_key = @processDefinitionKey",
            new { processDefinitionKey }, transaction, cancellationToken: cancellationToken));
}
