using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
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
internal sealed class AssignmentHandler(AssignmentStore store, IUserDirectory users, IOptions<ActivitiesOptions> options) : IJobHandler
{
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
                    : Decided(new AssignmentDecision(null, groups, $"pool: left to the candidate group(s) {string.Join(", ", groups)}"));
            case "manual":
                return Decided(await ManualAsync(JobInputs.Text(job, "requestedAssignee"), groups, dispatch, cancellationToken));
            case "central":
                return Decided(await DispatchAsync(job, RequirementsOf(job), groups.Count > 0 ? groups : [dispatch], cancellationToken));
            default:
                return JobOutcome.Fail($"Unknown assignment mode '{mode}' (central, pool or manual).", retryable: false);
        }
    }

    /// <summary>
    /// A person named by whoever reported the work (an exception order's responsible): theirs if they are an enabled
    /// user, else the dispatch queue with the reason — a typo in a name must not leave the work with nobody.
    /// </summary>
    private async Task<AssignmentDecision> ManualAsync(string? requested, IReadOnlyList<string> groups, string dispatch, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return new AssignmentDecision(null, [dispatch], $"manual: routed to the dispatch queue '{dispatch}' for a supervisor to assign");
        }
        requested = requested.Trim();
        var userName = await users.EnabledUserNameAsync(requested, cancellationToken);
        return userName is null
            ? new AssignmentDecision(null, [dispatch], $"manual: '{requested}' is not an enabled user; routed to the dispatch queue '{dispatch}' for a supervisor to assign")
            : new AssignmentDecision(userName, groups, $"manual: {userName}, as requested");
    }

    private async Task<AssignmentDecision> DispatchAsync(JobContext job, AgentRequirements needs, IReadOnlyList<string> fallbackGroups, CancellationToken cancellationToken)
    {
        await using var round = await store.BeginDispatchAsync(cancellationToken);
        if (await round.EarlierAsync(job.Key, cancellationToken) is { } earlier)
        {
            return earlier; // a re-run of the job: the same answer
        }
        var agents = await round.QualifiedAgentsAsync(job.TenantId, needs, cancellationToken);
        AssignmentDecision decision;
        var free = agents.Where(a => a.Load < a.Capacity).ToList();
        if (agents.Count == 0)
        {
            decision = new AssignmentDecision(null, fallbackGroups, $"central: no on-duty agent matches {Describe(needs)}; routed to {string.Join(", ", fallbackGroups)}");
        }
        else if (free.Count == 0)
        {
            decision = new AssignmentDecision(null, fallbackGroups,
                $"central: all {agents.Count} qualified agent(s) are at capacity; routed to {string.Join(", ", fallbackGroups)}");
        }
        else
        {
            var least = free.Min(a => a.Load);
            var tied = free.Where(a => a.Load == least).ToList();
            var turn = await round.NextTurnAsync(job.TenantId, cancellationToken);
            var chosen = tied[(int)((turn - 1) % tied.Count)];
            decision = new AssignmentDecision(chosen.UserName, [],
                $"central: {chosen.UserName} has the least open work ({chosen.Load} of {chosen.Capacity}) among {free.Count} free qualified agent(s)" +
                (tied.Count > 1 ? $", round-robin among {tied.Count} equally loaded" : "") + $" for {Describe(needs)}");
        }
        await round.RecordAsync(job.Key, job.ProcessInstanceKey, decision, cancellationToken);
        await round.CommitAsync(cancellationToken);
        return decision;
    }

    private static JobOutcome Decided(AssignmentDecision decision) => JobOutcome.Complete(new JsonObject
    {
        ["assignee"] = decision.Assignee,
        ["candidateGroups"] = new JsonArray([.. decision.CandidateGroups.Select(g => (JsonNode?)JsonValue.Create(g))]),
        ["assignmentReason"] = decision.Reason,
    });

    private static AgentRequirements RequirementsOf(JobContext job) => new(
        JobInputs.List(job, "requiredSkills", "requiredSkills"),
        Blank(JobInputs.Text(job, "region", "region")),
        Blank(JobInputs.Text(job, "language", "language")),
        Blank(JobInputs.Text(job, "customerTier", "customerTier")),
        Blank(JobInputs.Text(job, "channel", "channel")))
    {
        Position = Blank(JobInputs.Text(job, "position", "position")),
        Grade = Blank(JobInputs.Text(job, "grade", "grade")),
        Outsourced = Blank(JobInputs.Text(job, "outsourced", "outsourced")) is { } staff ? staff.Equals("true", StringComparison.OrdinalIgnoreCase) : null,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Describe(AgentRequirements needs) =>
        $"skills [{string.Join(", ", needs.Skills)}], region {needs.Region ?? "any"}, language {needs.Language ?? "any"}, tier {needs.Tier ?? "any"}" +
        (needs.Channel is null ? "" : $", channel {needs.Channel}") + (needs.Position is null ? "" : $", position {needs.Position}") +
        (needs.Grade is null ? "" : $", grade {needs.Grade}") + (needs.Outsourced is { } outsourced ? outsourced ? ", outsourced staff" : ", in-house staff" : "");
}
