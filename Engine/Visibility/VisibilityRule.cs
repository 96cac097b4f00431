using Dapper;

namespace Processes.Engine.Visibility;

/// <summary>
/// The one rule of who sees what, as SQL fragments the read models compose into their WHERE clauses (and the task
/// commands into their precondition chain). A case is an instance tree — a demand and the work tickets it called
/// share one <c>root_process_instance_key</c> — and a caller sees a case through its user tasks:
/// <list type="bullet">
/// <item>operators and admins: everything;</item>
/// <item>agents and finance: a task they hold or held (assignee), or an open one they could claim (candidate user,
/// or one of their groups among the candidate groups) — and the whole case of such a task;</item>
/// <item>supervisors: as agents, plus every task, past or present, offered to one of their groups, and those cases;</item>
/// <item>designers alone: no case data (definitions are not case data).</item>
/// </list>
/// A row outside the rule is absent: not in lists, not in totals, 404 when asked for by key.
/// Tenants, when they come, are one more conjunct here (see <see cref="Caller.Tenants"/>).
/// </summary>
internal static class VisibilityRule
{
    /// <summary>The user tasks (rows of <c>user_task</c> under <paramref name="alias"/>) the caller may see.</summary>
    public static string Task(Caller caller, string alias, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(parameters);
        if (caller.SeesEverything)
        {
            return "TRUE";
        }
        if (!caller.WorksTasks)
        {
            return "FALSE";
        }
        parameters.Add("vis_me", caller.UserName);
        parameters.Add("vis_groups", caller.Groups.ToArray());
        // Array containment (@>, &&) rather than = ANY: each arm then has an index (migration 0016), so the planner ORs
        // three index scans over the caller's tasks instead of filtering every open task.
        var own = $"{alias}.assignee = @vis_me OR ({alias}.state = 'CREATED' AND ({alias}.candidate_users @> ARRAY[@vis_me]::text[] OR {alias}.candidate_groups && @vis_groups))";
        return caller.Is(CallerRole.Supervisor) ? $"({own} OR {alias}.candidate_groups && @vis_groups)" : $"({own})";
    }

    /// <summary>The process instances (rows of <c>process_instance</c> under <paramref name="alias"/>) whose case the caller may see.</summary>
    public static string Instance(Caller caller, string alias, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SeesEverything)
        {
            return "TRUE";
        }
        if (!caller.WorksTasks)
        {
            return "FALSE";
        }
        // Starting from the caller's tasks (indexed by assignee and groups) rather than from the instance keeps this a
        // semi-join over few rows, whatever the number of instances listed.
        return $"""
            {alias}.root_process_instance_key IN (SELECT vc.root_process_instance_key FROM user_task vt
                JOIN process_instance vc ON vc.key = vt.process_instance_key WHERE {Task(caller, "vt", parameters)})
            """;
    }

    /// <summary>Rows that belong to an instance (variables, history, incidents, element instances) by their instance key column.</summary>
    public static string OfInstance(Caller caller, string instanceKeyColumn, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SeesEverything)
        {
            return "TRUE";
        }
        return $"EXISTS (SELECT 1 FROM process_instance vi WHERE vi.key = {instanceKeyColumn} AND {Instance(caller, "vi", parameters)})";
    }
}
