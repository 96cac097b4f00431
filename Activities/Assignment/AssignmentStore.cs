using Dapper;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Activities.Assignment;

/// <summary>Who got a job's user task and why; the same answer for every re-run of that job.</summary>
internal sealed record AssignmentDecision(string? Assignee, IReadOnlyList<string> CandidateGroups, string Reason);

/// <summary>What central dispatch matches: every required skill, and region, language, tier and channel when given.</summary>
internal sealed record AgentRequirements(IReadOnlyList<string> Skills, string? Region, string? Language, string? Tier, string? Channel)
{
    /// <summary>The position the agent must hold, the grade they must have, and outsourced staff only (true) or in-house only (false).</summary>
    public string? Position { get; init; }

    public string? Grade { get; init; }

    public bool? Outsourced { get; init; }
}

/// <summary>A qualified on-duty agent and the open work they hold: assigned open tasks plus decisions not yet turned into tasks.</summary>
internal sealed record AgentLoad(string UserName, int Capacity, long Load);

/// <summary>
/// The assignment activity's own tables — <c>assignment_decision</c> and <c>assignment_rotation</c> — and its
/// reads of <c>agent_profile</c>. A central decision is one <see cref="DispatchRound"/>: one transaction under a
/// cluster-wide advisory lock, so two decisions never see the same loads.
/// </summary>
internal sealed class AssignmentStore(NpgsqlDataSource dataSource)
{
    public async Task<DispatchRound> BeginDispatchAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var round = new DispatchRound(connection, transaction);
            await round.LockAsync(cancellationToken);
            return round;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

/// <summary>One central decision's transaction; disposing without <see cref="CommitAsync"/> rolls it back.</summary>
internal sealed class DispatchRound : IAsyncDisposable
{
    // Serialises central decisions across nodes: two decisions at once would both see the same loads.
    private const long DispatchLock = 0x41737369676e; // "Assign"
    private const string AssignJobType = "assign";
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    internal DispatchRound(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    internal Task LockAsync(CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@DispatchLock)", new { DispatchLock }, _transaction,
            cancellationToken: cancellationToken));

    /// <summary>The decision an earlier run of this job stored, if any.</summary>
    public async Task<AssignmentDecision?> EarlierAsync(long jobKey, CancellationToken cancellationToken)
    {
        var earlier = (await _connection.QueryAsync<(string? Assignee, string[] Groups, string Reason)>(new CommandDefinition(
            "SELECT assignee, candidate_groups, reason FROM assignment_decision WHERE job_key = @jobKey", new { jobKey }, _transaction,
            cancellationToken: cancellationToken))).ToList();
        return earlier.Count == 0 ? null : new AssignmentDecision(earlier[0].Assignee, earlier[0].Groups, earlier[0].Reason);
    }

    /// <summary>
    /// The on-duty agents meeting <paramref name="needs"/>, by user name, with their load: open tasks assigned to them
    /// (the engine's user-task store) plus decisions whose job has not completed yet (their task does not exist yet).
    /// Pending decisions are found from the (small) set of live assign jobs, not by scanning every decision ever made.
    /// </summary>
    /// <remarks>
    /// Only profiles of the job's tenant qualify; the load counts a person's open work in every tenant, because an
    /// agent serving two business lines has one pair of hands.
    /// </remarks>
    public async Task<IReadOnlyList<AgentLoad>> QualifiedAgentsAsync(string tenantId, AgentRequirements needs, CancellationToken cancellationToken)
    {
        var agents = (await _connection.QueryAsync<(string UserName, int Capacity)>(new CommandDefinition("""
            SELECT a.user_name, a.capacity
            FROM agent_profile a
            WHERE a.tenant_id = @tenantId AND a.on_duty AND a.skills @> @Skills
              AND (@Region::text IS NULL OR @Region = ANY(a.regions))
              AND (@Language::text IS NULL OR @Language = ANY(a.languages))
              AND (@Tier::text IS NULL OR @Tier = ANY(a.tiers))
              AND (@Channel::text IS NULL OR cardinality(a.channels) = 0 OR @Channel = ANY(a.channels))
              AND (@Position::text IS NULL OR a.position = @Position)
              AND (@Grade::text IS NULL OR a.grade = @Grade)
              AND (@Outsourced::boolean IS NULL OR a.outsourced = @Outsourced)
              -- a position serves the tiers it names (none: every tier)
              AND (@Tier::text IS NULL OR NOT EXISTS (SELECT 1 FROM agent_position p WHERE p.tenant_id = a.tenant_id AND p.name = a.position
                                                      AND cardinality(p.tiers) > 0 AND NOT @Tier = ANY(p.tiers)))
            ORDER BY a.user_name
            """, new { tenantId, Skills = needs.Skills.ToArray(), needs.Region, needs.Language, needs.Tier, needs.Channel, needs.Position, needs.Grade,
                needs.Outsourced }, _transaction,
            cancellationToken: cancellationToken))).ToList();
        if (agents.Count == 0)
        {
            return [];
        }
        var names = agents.Select(a => a.UserName).ToList();
        var open = await UserTaskStore.CountOpenByAssigneeAsync(_connection, _transaction, names, cancellationToken);
        var liveJobs = await JobStore.KeysOfTypeAsync(_connection, _transaction, AssignJobType, cancellationToken);
        var pending = liveJobs.Count == 0
            ? new Dictionary<string, long>(StringComparer.Ordinal)
            : (await _connection.QueryAsync<(string Assignee, long Count)>(new CommandDefinition("""
                SELECT assignee, count(*) FROM assignment_decision
                WHERE job_key = ANY(@liveJobs) AND assignee = ANY(@names) GROUP BY assignee
                """, new { liveJobs = liveJobs.ToArray(), names = names.ToArray() }, _transaction, cancellationToken: cancellationToken)))
                .ToDictionary(p => p.Assignee, p => p.Count, StringComparer.Ordinal);
        return [.. agents.Select(a => new AgentLoad(a.UserName, a.Capacity,
            open.GetValueOrDefault(a.UserName) + pending.GetValueOrDefault(a.UserName)))];
    }

    /// <summary>
    /// The next position of the round-robin among equally loaded agents, shared by all nodes (1, 2, …); each tenant
    /// turns its own wheel ('central' stays the default tenant's, as before tenants).
    /// </summary>
    public Task<long> NextTurnAsync(string tenantId, CancellationToken cancellationToken) =>
        _connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO assignment_rotation (pool, counter) VALUES (@pool, 1)
            ON CONFLICT (pool) DO UPDATE SET counter = assignment_rotation.counter + 1 RETURNING counter
            """, new { pool = tenantId == Processes.Engine.Visibility.TenantIds.Default ? "central" : $"central/{tenantId}" }, _transaction,
            cancellationToken: cancellationToken));

    public Task RecordAsync(long jobKey, long processInstanceKey, AssignmentDecision decision, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO assignment_decision (job_key, assignee, candidate_groups, reason, process_instance_key)
            VALUES (@jobKey, @Assignee, @Groups, @Reason, @processInstanceKey)
            """, new { jobKey, decision.Assignee, Groups = decision.CandidateGroups.ToArray(), decision.Reason, processInstanceKey }, _transaction,
            cancellationToken: cancellationToken));

    // Durability point: the decision, its load and the rotation commit together; a crash before this decides
    // again on the re-run, a crash after it returns this decision on the re-run.
    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
