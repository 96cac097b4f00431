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
/// Tenants are one more conjunct of every fragment: whoever the caller is, a row of a tenant they do not belong to
/// (see <see cref="Caller.Tenants"/>) is absent.
/// </summary>
internal static class VisibilityRule
{
    /// <summary>The user tasks (rows of <c>user_task</c> under <paramref name="alias"/>) the caller may see.</summary>
    public static string Task(Caller caller, string alias, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!caller.SeesEverything && !caller.WorksTasks)
        {
            return "FALSE";
        }
        var tenant = Tenant(caller, $"{alias}.tenant_id", parameters);
        if (caller.SeesEverything)
        {
            return tenant;
        }
        parameters.Add("vis_me", caller.UserName);
        parameters.Add("vis_groups", caller.Groups.ToArray());
        // Array containment (@>, &&) rather than = ANY: each arm then has an index (migration 0016), so the planner ORs
        // three index scans over the caller's tasks instead of filtering every open task.
        var own = $"{alias}.assignee = @vis_me OR ({alias}.state = 'CREATED' AND ({alias}.candidate_users @> ARRAY[@vis_me]::text[] OR {alias}.candidate_groups && @vis_groups))";
        return caller.Is(CallerRole.Supervisor) ? $"{tenant} AND ({own} OR {alias}.candidate_groups && @vis_groups)" : $"{tenant} AND ({own})";
    }

    /// <summary>The process instances (rows of <c>process_instance</c> under <paramref name="alias"/>) whose case the caller may see.</summary>
    public static string Instance(Caller caller, string alias, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SeesEverything)
        {
            return Tenant(caller, $"{alias}.tenant_id", parameters);
        }
        if (!caller.WorksTasks)
        {
            return "FALSE";
        }
        // Starting from the caller's tasks (indexed by assignee and groups) rather than from the instance keeps this a
        // semi-join over few rows, whatever the number of instances listed.
        return $"""
            {Tenant(caller, $"{alias}.tenant_id", parameters)} AND {alias}.root_process_instance_key IN (SELECT vc.root_process_instance_key FROM user_task vt
                JOIN process_instance vc ON vc.key = vt.process_instance_key WHERE {Task(caller, "vt", parameters)})
            """;
    }

    /// <summary>Rows that belong to an instance (variables, history, incidents, element instances) by their instance key column.</summary>
    public static string OfInstance(Caller caller, string instanceKeyColumn, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SeesEverything && caller.Tenants is null)
        {
            return "TRUE";
        }
        return $"EXISTS (SELECT 1 FROM process_instance vi WHERE vi.key = {instanceKeyColumn} AND {Instance(caller, "vi", parameters)})";
    }

    /// <summary>
    /// Rows of the caller's tenants, by a row's tenant column (definitions, jobs, incidents, messages as well as case
    /// data): TRUE for a caller of every tenant, FALSE for one of none.
    /// </summary>
    public static string Tenant(Caller caller, string tenantColumn, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(parameters);
        if (caller.Tenants is null)
        {
            return "TRUE";
        }
        if (caller.Tenants.Count == 0)
        {
            return "FALSE";
        }
        if (caller.Tenants.Count == 1)
        {
            // Equality rather than = ANY: the planner then takes the column as fixed, so an index led by the tenant
            // (the inbox's order, migration 0061) still yields rows in the requested order.
            parameters.Add("vis_tenant", caller.Tenants[0]);
            return $"{tenantColumn} = @vis_tenant";
        }
        parameters.Add("vis_tenants", caller.Tenants.ToArray());
        return $"{tenantColumn} = ANY(@vis_tenants)";
    }
}
