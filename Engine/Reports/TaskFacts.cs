using Dapper;
using Processes.Engine.Visibility;

namespace Processes.Engine.Reports;

/// <summary>
/// The facts every task report starts from, as the CTE <c>facts</c>: each user task created in the filter's range
/// that the caller may see (the one visibility rule), with what its own history says — when someone first held it,
/// when it was completed (the engine's clock, as the rest of the history), whether it got the SLA warning — and its
/// SLA status. A task's events are found by its key through the partial index of migration 0020.
/// </summary>
internal static class TaskFacts
{
    /// <summary>The SLA status of a fact row <c>f</c>, as of <c>@now</c>: met, warned, breached, open, or null (no target, cancelled in time).</summary>
    public const string SlaStatus = """
        CASE
            WHEN f.due_date IS NULL THEN NULL
            WHEN f.state = 'CREATED' THEN CASE WHEN @now > f.due_date THEN 'breached' WHEN f.warned THEN 'warned' ELSE 'open' END
            WHEN f.done_at > f.due_date THEN 'breached'
            WHEN f.state <> 'COMPLETED' THEN NULL
            WHEN f.warned THEN 'warned'
            ELSE 'met'
        END
        """;

    public static string Cte(Caller caller, ReportFilter filter, DateTimeOffset now, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(filter);
        parameters.Add("from", filter.From.UtcDateTime);
        parameters.Add("to", filter.To.UtcDateTime);
        parameters.Add("now", now.UtcDateTime);
        parameters.Add("process", filter.ProcessId);
        parameters.Add("group", filter.Group);
        var visible = VisibilityRule.Task(caller, "t", parameters);
        // The task events are aggregated once (a hash join over the partial index of migration 0020) rather than
        // looked up per task: measured over 1 M history rows, that is what keeps a report near a second.
        return $"""
            task_events AS (
                SELECT (h.details->>'userTaskKey')::bigint AS task_key,
                       min(h.at) FILTER (WHERE h.event IN ('TASK_CREATED', 'TASK_ASSIGNED') AND h.details->>'assignee' IS NOT NULL) AS first_held_at,
                       min(h.at) FILTER (WHERE h.event = 'TASK_COMPLETED') AS completed_at,
                       bool_or(h.event = 'TASK_SLA_WARNING') AS warned
                FROM execution_history h
                WHERE h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING') AND h.at >= @from
                GROUP BY 1),
            task_pauses AS (
                SELECT (h.details->>'userTaskKey')::bigint AS task_key, sum((h.details->>'pausedSeconds')::bigint) AS paused_seconds,
                       sum((h.details->>'pausedWorkingSeconds')::bigint) AS paused_working_seconds
                FROM execution_history h
                WHERE h.event = 'SLA_RESUMED' AND (h.details->>'userTaskKey')::bigint IS NOT NULL AND h.at >= @from
                GROUP BY 1),
            facts AS (
                SELECT t.key, t.process_instance_key, t.bpmn_process_id, t.element_id, t.state, t.assignee, t.candidate_groups, t.created_at, t.due_date,
                       e.first_held_at, coalesce(e.warned, false) AS warned,
                       coalesce(p.paused_seconds, 0) AS paused_seconds, coalesce(p.paused_working_seconds, 0) AS paused_working_seconds,
                       CASE WHEN t.state = 'COMPLETED' THEN coalesce(e.completed_at, t.completed_at) ELSE t.completed_at END AS done_at
                FROM user_task t
                LEFT JOIN task_events e ON e.task_key = t.key
                LEFT JOIN task_pauses p ON p.task_key = t.key
                WHERE t.created_at >= @from AND t.created_at < @to
                  AND (@process::text IS NULL OR t.bpmn_process_id = @process)
                  AND (@group::text IS NULL OR @group = ANY(t.candidate_groups))
                  AND {visible})
            """;
    }

    /// <summary>The SQL of a row key for <paramref name="dimension"/> over <c>f</c> (and <c>g.name</c>, the group, where <see cref="NeedsGroups"/>).</summary>
    public static string Key(ReportDimension dimension, DynamicParameters parameters, ReportPeriod period)
    {
        parameters.Add("unit", period.ToString().ToLowerInvariant());
        return dimension switch
        {
            ReportDimension.Process => "f.bpmn_process_id",
            ReportDimension.Step => "f.bpmn_process_id || '/' || f.element_id",
            ReportDimension.Group => "g.name",
            ReportDimension.Period => "to_char(date_trunc(@unit, f.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
            ReportDimension.Agent => "coalesce(f.assignee, '(unassigned)')",
            _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
        };
    }

    /// <summary>The join that gives each fact one row per candidate group (<c>(none)</c> without), limited to the filtered group.</summary>
    public static string Groups(ReportDimension dimension) => dimension != ReportDimension.Group ? "" : """
        CROSS JOIN LATERAL unnest(CASE WHEN cardinality(f.candidate_groups) = 0 THEN ARRAY['(none)'] ELSE f.candidate_groups END) AS g(name)
        """;

    public static string GroupFilter(ReportDimension dimension) => dimension != ReportDimension.Group ? "TRUE" : "(@group::text IS NULL OR g.name = @group)";
}
