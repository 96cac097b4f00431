using Dapper;
using Npgsql;

namespace Processes.Engine.Jobs;

/// <summary>The states an operator filters jobs by.</summary>
public enum JobView
{
    /// <summary>Waiting for a worker (due now).</summary>
    Activatable,
    /// <summary>Leased to a worker until its deadline.</summary>
    Running,
    /// <summary>Failed before and waiting out its back-off until the next attempt.</summary>
    Retrying,
    /// <summary>No retries left: an incident waits for an operator.</summary>
    Failed,
}

public sealed record JobSummary(long Key, string Type, string State, long ProcessInstanceKey, long ElementInstanceKey, string ElementId,
    string BpmnProcessId, int Retries, int Failures, string? Worker, DateTimeOffset? Deadline, DateTimeOffset DueAt, string? ErrorMessage,
    long? IncidentKey, DateTimeOffset CreatedAt);

public sealed record TimerSummary(long Key, long? ProcessInstanceKey, long? ElementInstanceKey, string ElementId, long ProcessDefinitionKey,
    DateTimeOffset DueAt, int Repetitions, string Definition, string? ClaimedBy);

public sealed record JobTypeCounts(string Type, int Activatable, int Running, int Retrying, int Failed);

public sealed record JobMinute(DateTimeOffset Minute, string Type, int Succeeded, int Failed);

public sealed record EngineNodeSummary(string NodeId, string HostName, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    int RunningJobs, int MaxJobs);

/// <summary>A page of rows, newest cursor last: pass <see cref="Next"/> back to get the following page (null: no more).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Read-only views for operators: jobs by state (keyset-paged by key), timers by due time, counts per type,
/// finished jobs per minute and the cluster's nodes. Each is one indexed query, no transaction held. Jobs, timers and
/// counts are those of the request's <see cref="Visibility.TenantScope"/>.
/// </summary>
public sealed class JobQueries(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const int MaxPage = 500;

    public async Task<Page<JobSummary>> JobsAsync(JobView view, string? type, string? cursor, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var after = long.TryParse(cursor, out var parsed) ? parsed : long.MinValue;
        var condition = view switch
        {
            JobView.Activatable => "j.state = 'ACTIVATABLE' AND j.due_at <= @now",
            JobView.Retrying => "j.state = 'ACTIVATABLE' AND j.due_at > @now",
            JobView.Running => "j.state = 'ACTIVATED'",
            _ => "j.state = 'FAILED'",
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<JobRow>(new CommandDefinition($"""
            SELECT j.key, j.type, j.state, j.process_instance_key, j.element_instance_key, j.element_id, j.bpmn_process_id, j.retries,
                   j.failures, j.worker, j.deadline, j.due_at, j.error_message,
                   (SELECT i.key FROM incident i WHERE i.job_key = j.key AND i.state = 'ACTIVE' LIMIT 1) AS incident_key, j.created_at
            FROM job j
            WHERE {condition} AND j.key > @after AND (@type::text IS NULL OR j.type = @type) AND (@tenants::text[] IS NULL OR j.tenant_id = ANY(@tenants))
            ORDER BY j.key
            LIMIT @limit
            """, new { now = clock.GetUtcNow().ToUniversalTime(), after, type, limit, tenants = Visibility.TenantScope.AsArray() }, cancellationToken: cancellationToken))).ToList();
        var items = rows.Select(r => new JobSummary(r.key, r.type, view.ToString().ToUpperInvariant(), r.process_instance_key, r.element_instance_key,
            r.element_id, r.bpmn_process_id, r.retries, r.failures, r.worker, Utc(r.deadline), Utc(r.due_at)!.Value, r.error_message, r.incident_key,
            Utc(r.created_at)!.Value)).ToList();
        return new Page<JobSummary>(items, items.Count == limit ? items[^1].Key.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>Timers in due order; the cursor is "ticks:key" of the last row.</summary>
    public async Task<Page<TimerSummary>> TimersAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var (afterDue, afterKey) = (DateTime.MinValue, long.MinValue);
        if (cursor?.Split(':') is [var ticks, var key] && long.TryParse(ticks, out var t) && long.TryParse(key, out var k))
        {
            (afterDue, afterKey) = (new DateTime(t, DateTimeKind.Utc), k);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<TimerRow>(new CommandDefinition("""
            SELECT key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition, claimed_by
            FROM timer WHERE (due_at, key) > (@afterDue, @afterKey) AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
            ORDER BY due_at, key
            LIMIT @limit
            """, new { afterDue, afterKey, limit, tenants = Visibility.TenantScope.AsArray() }, cancellationToken: cancellationToken))).ToList();
        var items = rows.Select(r => new TimerSummary(r.key, r.process_instance_key, r.element_instance_key, r.element_id, r.process_definition_key,
            Utc(r.due_at)!.Value, r.repetitions, r.definition, r.claimed_by)).ToList();
        return new Page<TimerSummary>(items, items.Count == limit ? $"{rows[^1].due_at.Ticks}:{rows[^1].key}" : null);
    }

    public async Task<IReadOnlyList<JobTypeCounts>> CountsByTypeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<JobTypeCounts>(new CommandDefinition("""
            SELECT type,
                   count(*) FILTER (WHERE state = 'ACTIVATABLE' AND due_at <= @now)::int AS activatable,
                   count(*) FILTER (WHERE state = 'ACTIVATED')::int AS running,
                   count(*) FILTER (WHERE state = 'ACTIVATABLE' AND due_at > @now)::int AS retrying,
                   count(*) FILTER (WHERE state = 'FAILED')::int AS failed
            FROM job WHERE (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants)) GROUP BY type ORDER BY type
            """, new { now = clock.GetUtcNow().ToUniversalTime(), tenants = Visibility.TenantScope.AsArray() }, cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// Jobs finished per minute and type over the last <paramref name="window"/> (written by the executors every few
    /// seconds), summed over the tenants of the request's <see cref="Visibility.TenantScope"/> (all of them outside one).
    /// </summary>
    public async Task<IReadOnlyList<JobMinute>> PerMinuteAsync(TimeSpan window, string? type, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(DateTime Minute, string Type, int Succeeded, int Failed)>(new CommandDefinition("""
            SELECT minute, type, sum(succeeded)::int, sum(failed)::int FROM job_metrics
            WHERE minute >= @since AND (@type::text IS NULL OR type = @type) AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))
            GROUP BY minute, type
            ORDER BY minute, type
            """, new { since = clock.GetUtcNow().ToUniversalTime() - window, type, tenants = Visibility.TenantScope.AsArray() },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new JobMinute(Utc(r.Minute)!.Value, r.Type, r.Succeeded, r.Failed))];
    }

    public async Task<IReadOnlyList<EngineNodeSummary>> NodesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string, string, string, DateTime, DateTime, int, int)>(new CommandDefinition(
            "SELECT node_id, host_name, version, started_at, heartbeat_at, running_jobs, max_jobs FROM engine_node ORDER BY started_at, node_id",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new EngineNodeSummary(r.Item1, r.Item2, r.Item3, Utc(r.Item4)!.Value, Utc(r.Item5)!.Value, r.Item6, r.Item7))];
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

#pragma warning disable IDE1006, CA1707
    private sealed record JobRow(long key, string type, string state, long process_instance_key, long element_instance_key, string element_id,
        string bpmn_process_id, int retries, int failures, string? worker, DateTime? deadline, DateTime due_at, string? error_message,
        long? incident_key, DateTime created_at);

    private sealed record TimerRow(long key, long? process_instance_key, long? element_instance_key, string element_id, long process_definition_key,
        DateTime due_at, int repetitions, string definition, string? claimed_by);
#pragma warning restore IDE1006, CA1707
}
