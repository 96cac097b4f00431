using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The <c>job</c> table outside the commands' batches: reads in a caller's transaction, the operator's retry. A job
/// row lives while its element waits (it is deleted when the job completes or its element leaves), so "the job
/// still exists" means "not done yet".
/// </summary>
public static class JobStore
{
    /// <summary>Keys of the existing jobs of a type, in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<long>> KeysOfTypeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string type,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return [.. await connection.QueryAsync<long>(new CommandDefinition("SELECT key FROM job WHERE type = @type", new { type }, transaction,
            cancellationToken: cancellationToken))];
    }

    /// <summary>A job's state, or null when it does not exist.</summary>
    internal static async Task<JobState?> StateAsync(NpgsqlConnection connection, long jobKey, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT state FROM job WHERE key = @jobKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))",
            new { jobKey, tenants = Visibility.TenantScope.AsArray() },
            cancellationToken: cancellationToken)) is { } stored ? StoredStates.Parse<JobState>(stored) : null;

    /// <summary>The instance a job belongs to, or null when it does not exist.</summary>
    internal static Task<long?> ProcessInstanceKeyAsync(NpgsqlConnection connection, long jobKey, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT process_instance_key FROM job WHERE key = @jobKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))",
            new { jobKey, tenants = Visibility.TenantScope.AsArray() }, cancellationToken: cancellationToken));

    /// <summary>
    /// An operator's retry: new retries for a job that is not running (a waiting one is due at once); answers the
    /// job's open incident, which the caller resolves through the engine.
    /// </summary>
    internal static Task<long?> SetRetriesAsync(NpgsqlConnection connection, long jobKey, int retries, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            WITH updated AS (
                UPDATE job SET retries = @retries, failures = 0,
                               due_at = CASE WHEN state = @Activatable THEN least(due_at, @now) ELSE due_at END
                WHERE key = @jobKey AND state <> @Activated RETURNING key)
            SELECT i.key FROM incident i JOIN updated u ON i.job_key = u.key WHERE i.state = @Active LIMIT 1
            """, new
        {
            jobKey,
            retries,
            now = now.ToUniversalTime(),
            Activatable = JobState.Activatable.ToStored(),
            Activated = JobState.Activated.ToStored(),
            Active = IncidentState.Active.ToStored(),
        }, cancellationToken: cancellationToken));

    /// <summary>Hands the leases of running jobs held by <paramref name="workers"/> (dead nodes) back: the jobs are activatable again.</summary>
    internal static Task<int> ReleaseLeasesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> workers,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE job SET state = @Activatable, worker = NULL, deadline = NULL
            WHERE state = @Activated AND worker = ANY(@workers)
            """, new { workers = workers.ToArray(), Activatable = JobState.Activatable.ToStored(), Activated = JobState.Activated.ToStored() }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>A job's retries left (0 when it does not exist), in the command's transaction.</summary>
    internal static Task<int> RetriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long jobKey, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT retries FROM job WHERE key = @jobKey",
            new { jobKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>Makes jobs whose lease expired before <paramref name="now"/> activatable again (SKIP LOCKED: hosts share the work).</summary>
    internal static Task<int> RecoverExpiredLeasesAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE job SET state = @Activatable, worker = NULL, deadline = NULL
            WHERE key IN (SELECT key FROM job WHERE state = @Activated AND deadline < @now FOR UPDATE SKIP LOCKED)
            """, new { now = now.ToUniversalTime(), Activatable = JobState.Activatable.ToStored(), Activated = JobState.Activated.ToStored() },
            cancellationToken: cancellationToken));
}
