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
    /// <summary>
    /// Camunda's job update: new retries (the incident stays open until it is resolved) and/or a new lease of
    /// <paramref name="timeout"/> from now for a running job. Answers the job's state before the update, null when there
    /// is no such job; a timeout for a job that is not running changes nothing (the caller refuses it).
    /// </summary>
    internal static Task<string?> UpdateAsync(NpgsqlConnection connection, long jobKey, int? retries, TimeSpan? timeout, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            WITH old AS (SELECT key, state FROM job WHERE key = @jobKey FOR UPDATE),
            updated AS (
                UPDATE job j SET retries = coalesce(@retries, j.retries),
                                 deadline = CASE WHEN @deadline::timestamptz IS NOT NULL AND j.state = @Activated THEN @deadline::timestamptz ELSE j.deadline END
                FROM old WHERE j.key = old.key AND (@deadline::timestamptz IS NULL OR old.state = @Activated) RETURNING j.key)
            SELECT state FROM old
            """, new
        {
            jobKey,
            retries,
            deadline = timeout is { } t ? (now + t).UtcDateTime : (DateTime?)null,
            Activated = JobState.Activated.ToStored(),
        }, cancellationToken: cancellationToken));

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

    /// <summary>
    /// Leases up to <paramref name="maxJobs"/> activatable jobs of a type to <paramref name="worker"/> until
    /// <paramref name="deadline"/>, in the caller's transaction. Rows locked by another activation are skipped, never
    /// waited for, so any number of hosts and workers share the table.
    /// </summary>
    internal static async Task<List<StoredJob>> ActivateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string type, string worker,
        DateTimeOffset now, DateTimeOffset deadline, int maxJobs, string[]? tenants, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<StoredJob>(new CommandDefinition("""
            WITH picked AS (
                SELECT key FROM job
                WHERE @tenants::text[] IS NULL AND type = @type AND state = @Activatable AND due_at <= @now
                ORDER BY due_at, key
                LIMIT @maxJobs
                FOR UPDATE SKIP LOCKED),
            -- A worker naming several tenants gets them in turns (each tenant's oldest first), so a busy tenant's
            -- backlog never starves a quiet tenant's work.
            turns AS (
                SELECT c.key, c.due_at, row_number() OVER (PARTITION BY t.id ORDER BY c.due_at, c.key) AS turn
                FROM unnest(@tenants::text[]) AS t(id)
                CROSS JOIN LATERAL (
                    SELECT key, due_at FROM job
                    WHERE type = @type AND state = @Activatable AND due_at <= @now AND tenant_id = t.id
                    ORDER BY due_at, key
                    LIMIT @maxJobs
                    FOR UPDATE SKIP LOCKED) c),
            chosen AS (
                SELECT key FROM picked
                UNION ALL
                (SELECT key FROM turns ORDER BY turn, due_at, key LIMIT @maxJobs))
            UPDATE job SET state = @Activated, worker = @worker, deadline = @deadline
            FROM chosen WHERE job.key = chosen.key
            RETURNING job.key, job.type, job.process_instance_key, job.element_instance_key, job.element_id, job.bpmn_process_id,
                      job.process_definition_key, job.process_version, job.retries, job.custom_headers::text AS custom_headers, job.state, job.worker,
                      job.tenant_id
            """, new
        {
            type,
            now,
            maxJobs,
            worker,
            deadline,
            tenants,
            Activatable = JobState.Activatable.ToStored(),
            Activated = JobState.Activated.ToStored(),
        }, transaction, cancellationToken: cancellationToken))];

    /// <summary>The columns of <see cref="StoredJob"/>, without a condition (the instance loader joins it to its reads).</summary>
    internal const string FindSql = """
        SELECT key, type, process_instance_key, element_instance_key, element_id, bpmn_process_id, process_definition_key,
               process_version, retries, custom_headers::text AS custom_headers, state, worker, tenant_id
        FROM job
        """;

    /// <summary>A job as its commands (complete, fail, throw error) need it, in the command's transaction; null when it does not exist.</summary>
    internal static Task<StoredJob?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long jobKey, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredJob?>(new CommandDefinition(FindSql + """
             WHERE key = @jobKey AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
            """, new { jobKey, tenants = Visibility.TenantScope.AsArray() }, transaction, cancellationToken: cancellationToken));

    /// <summary>Renews the leases <paramref name="worker"/> holds on <paramref name="keys"/> until <paramref name="deadline"/>.</summary>
    internal static Task<int> ExtendLeasesAsync(NpgsqlConnection connection, IReadOnlyCollection<long> keys, string worker, DateTimeOffset deadline,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE job SET deadline = @deadline WHERE key = ANY(@keys) AND state = @Activated AND worker = @worker
            """, new { keys = keys.ToArray(), worker, deadline = deadline.ToUniversalTime(), Activated = JobState.Activated.ToStored() },
            cancellationToken: cancellationToken));

    /// <summary>Hands back the leases <paramref name="worker"/> holds on <paramref name="keys"/> (a graceful shutdown's unfinished jobs).</summary>
    internal static Task<int> ReleaseLeasesAsync(NpgsqlConnection connection, IReadOnlyCollection<long> keys, string worker, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE job SET state = @Activatable, worker = NULL, deadline = NULL
            WHERE key = ANY(@keys) AND state = @Activated AND worker = @worker
            """, new { keys = keys.ToArray(), worker, Activatable = JobState.Activatable.ToStored(), Activated = JobState.Activated.ToStored() },
            cancellationToken: cancellationToken));

    /// <summary>Adds one to a job's failure count (the back-off exponent) and returns it; 1 when the job is gone.</summary>
    internal static async Task<int> CountFailureAsync(NpgsqlConnection connection, long jobKey, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "UPDATE job SET failures = failures + 1 WHERE key = @jobKey RETURNING failures",
            new { jobKey }, cancellationToken: cancellationToken)) ?? 1;
}

/// <summary>A job row as the job commands and activation read it.</summary>
#pragma warning disable IDE1006, CA1707
internal sealed record StoredJob(long key, string type, long process_instance_key, long element_instance_key, string element_id, string bpmn_process_id,
    long process_definition_key, int process_version, int retries, string custom_headers, string? state = null, string? worker = null,
    string tenant_id = Visibility.TenantIds.Default);
#pragma warning restore IDE1006, CA1707
