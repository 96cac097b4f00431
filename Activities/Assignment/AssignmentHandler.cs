using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Assignment;

/// <summary>
/// Job type <c>assign</c>: decides who gets the next user task, which reads the outputs <c>assignee</c> and
/// <c>candidateGroups</c> in its <c>zeebe:assignmentDefinition</c>. Header <c>mode</c>: <c>central</c> (default —
/// the qualified on-duty agent with the least open work, ties round-robin), <c>pool</c> (the candidate groups
/// decide) or <c>manual</c> (the person named in <c>requestedAssignee</c> — an enabled user — or else the supervisors'
/// dispatch queue). The reason goes to <c>assignmentReason</c>, which
/// the engine records in the instance history with the other output variables.
/// </summary>
internal sealed class AssignmentHandler(NpgsqlDataSource dataSource, IOptions<ActivitiesOptions> options) : IJobHandler
{
    // Serialises central decisions across nodes: two decisions at once would both see the same loads.
    private const long DispatchLock = 0x41737369676e; // "Assign"

    private readonly AssignmentOptions _options = options.Value.Assignment;

    public string Type => "assign";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var mode = (job.CustomHeaders["mode"]?.ToString() ?? "central").Trim().ToLowerInvariant();
        var groups = JobInputs.List(job, "candidateGroups", "candidateGroups");
        var dispatch = job.CustomHeaders["dispatchGroup"]?.ToString() ?? _options.DispatchGroup;
        switch (mode)
        {
            case "pool":
                return groups.Count == 0
                    ? JobOutcome.Fail("Assignment mode 'pool' needs candidate groups (header or variable 'candidateGroups').", retryable: false)
                    : Decided(new Decision(null, groups, $"pool: left to the candidate group(s) {string.Join(", ", groups)}"));
            case "manual":
                return Decided(await ManualAsync(JobInputs.Text(job, "requestedAssignee"), groups, dispatch, cancellationToken));
            case "central":
                return Decided(await DispatchAsync(job, Requirements.Of(job), groups.Count > 0 ? groups : [dispatch], cancellationToken));
            default:
                return JobOutcome.Fail($"Unknown assignment mode '{mode}' (central, pool or manual).", retryable: false);
        }
    }

    /// <summary>
    /// A person named by whoever reported the work (an exception order's responsible): theirs if they are an enabled
    /// user, else the dispatch queue with the reason — a typo in a name must not leave the work with nobody.
    /// </summary>
    private async Task<Decision> ManualAsync(string? requested, IReadOnlyList<string> groups, string dispatch, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return new Decision(null, [dispatch], $"manual: routed to the dispatch queue '{dispatch}' for a supervisor to assign");
        }
        requested = requested.Trim();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var userName = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT user_name FROM app_user WHERE lower(user_name) = lower(@requested) AND enabled", new { requested }, cancellationToken: cancellationToken));
        return userName is null
            ? new Decision(null, [dispatch], $"manual: '{requested}' is not an enabled user; routed to the dispatch queue '{dispatch}' for a supervisor to assign")
            : new Decision(userName, groups, $"manual: {userName}, as requested");
    }

    private async Task<Decision> DispatchAsync(JobContext job, Requirements needs, IReadOnlyList<string> fallbackGroups, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@DispatchLock)", new { DispatchLock }, transaction,
            cancellationToken: cancellationToken));

        var earlier = (await connection.QueryAsync<(string? Assignee, string[] Groups, string Reason)>(new CommandDefinition(
            "SELECT assignee, candidate_groups, reason FROM assignment_decision WHERE job_key = @Key", new { job.Key }, transaction,
            cancellationToken: cancellationToken))).ToList();
        if (earlier.Count > 0)
        {
            return new Decision(earlier[0].Assignee, earlier[0].Groups, earlier[0].Reason); // a re-run of the job: the same answer
        }

        // Load = open tasks assigned + decisions whose job has not completed yet (their task does not exist yet).
        // Pending decisions are found from the (small) job table, not by scanning every decision ever made.
        var agents = (await connection.QueryAsync<(string UserName, int Capacity, long Load)>(new CommandDefinition("""
            WITH pending AS (
                SELECT d.assignee, count(*) AS n FROM job j JOIN assignment_decision d ON d.job_key = j.key
                WHERE d.assignee IS NOT NULL GROUP BY d.assignee)
            SELECT a.user_name, a.capacity,
                   (SELECT count(*) FROM user_task t WHERE t.state = 'CREATED' AND t.assignee = a.user_name)
                 + coalesce((SELECT p.n FROM pending p WHERE p.assignee = a.user_name), 0) AS load
            FROM agent_profile a
            WHERE a.on_duty AND a.skills @> @Skills
              AND (@Region::text IS NULL OR @Region = ANY(a.regions))
              AND (@Language::text IS NULL OR @Language = ANY(a.languages))
              AND (@Tier::text IS NULL OR @Tier = ANY(a.tiers))
              AND (@Channel::text IS NULL OR cardinality(a.channels) = 0 OR @Channel = ANY(a.channels))
            ORDER BY a.user_name
            """, new { Skills = needs.Skills.ToArray(), needs.Region, needs.Language, needs.Tier, needs.Channel }, transaction, cancellationToken: cancellationToken))).ToList();

        Decision decision;
        var free = agents.Where(a => a.Load < a.Capacity).ToList();
        if (agents.Count == 0)
        {
            decision = new Decision(null, fallbackGroups, $"central: no on-duty agent matches {needs}; routed to {string.Join(", ", fallbackGroups)}");
        }
        else if (free.Count == 0)
        {
            decision = new Decision(null, fallbackGroups,
                $"central: all {agents.Count} qualified agent(s) are at capacity; routed to {string.Join(", ", fallbackGroups)}");
        }
        else
        {
            var least = free.Min(a => a.Load);
            var tied = free.Where(a => a.Load == least).ToList();
            var turn = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                INSERT INTO assignment_rotation (pool, counter) VALUES ('central', 1)
                ON CONFLICT (pool) DO UPDATE SET counter = assignment_rotation.counter + 1 RETURNING counter
                """, transaction: transaction, cancellationToken: cancellationToken));
            var chosen = tied[(int)((turn - 1) % tied.Count)];
            decision = new Decision(chosen.UserName, [],
                $"central: {chosen.UserName} has the least open work ({chosen.Load} of {chosen.Capacity}) among {free.Count} free qualified agent(s)" +
                (tied.Count > 1 ? $", round-robin among {tied.Count} equally loaded" : "") + $" for {needs}");
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO assignment_decision (job_key, assignee, candidate_groups, reason, process_instance_key)
            VALUES (@Key, @Assignee, @Groups, @Reason, @ProcessInstanceKey)
            """, new { job.Key, decision.Assignee, Groups = decision.CandidateGroups.ToArray(), decision.Reason, job.ProcessInstanceKey }, transaction,
            cancellationToken: cancellationToken));
        // Durability point: the decision, its load and the rotation commit together; a crash before this decides
        // again on the re-run, a crash after it returns this decision on the re-run.
        await transaction.CommitAsync(cancellationToken);
        return decision;
    }

    private static JobOutcome Decided(Decision decision) => JobOutcome.Complete(new JsonObject
    {
        ["assignee"] = decision.Assignee,
        ["candidateGroups"] = new JsonArray([.. decision.CandidateGroups.Select(g => (JsonNode?)JsonValue.Create(g))]),
        ["assignmentReason"] = decision.Reason,
    });

    private sealed record Decision(string? Assignee, IReadOnlyList<string> CandidateGroups, string Reason);

    /// <summary>What central dispatch matches: every required skill, and region, language and tier when given.</summary>
    private sealed record Requirements(IReadOnlyList<string> Skills, string? Region, string? Language, string? Tier, string? Channel)
    {
        public static Requirements Of(JobContext job) => new(
            JobInputs.List(job, "requiredSkills", "requiredSkills"),
            Blank(JobInputs.Text(job, "region", "region")),
            Blank(JobInputs.Text(job, "language", "language")),
            Blank(JobInputs.Text(job, "customerTier", "customerTier")),
            Blank(JobInputs.Text(job, "channel", "channel")));

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        public override string ToString() =>
            $"skills [{string.Join(", ", Skills)}], region {Region ?? "any"}, language {Language ?? "any"}, tier {Tier ?? "any"}" +
            (Channel is null ? "" : $", channel {Channel}");
    }
}
