using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Reports;

/// <summary>
/// The supervisors' reports, computed from the engine's history and task rows at the time of asking (no copy to
/// drift): SLA compliance, first-response and resolution times, workload, hand-overs and exception orders. Every
/// report counts only what the caller may see (<see cref="VisibilityRule"/>): a supervisor the tasks offered to
/// their groups (and their own), an admin everything.
/// </summary>
public sealed class ReportQueries(NpgsqlDataSource dataSource, TimeProvider clock, ReportVocabulary vocabulary)
{
    /// <summary>The histogram's upper bounds in seconds: 15 min, 1 h, 4 h, 8 h, 1 day, 3 days, then the rest.</summary>
    private static readonly (string Label, double? UpTo)[] Buckets =
        [("≤ 15 min", 900), ("≤ 1 h", 3_600), ("≤ 4 h", 14_400), ("≤ 8 h", 28_800), ("≤ 1 day", 86_400), ("≤ 3 days", 259_200), ("> 3 days", null)];

    public ReportQueries(NpgsqlDataSource dataSource, TimeProvider clock) : this(dataSource, clock, ReportVocabulary.Shipped)
    {
    }

    public async Task<IReadOnlyList<SlaRow>> SlaAsync(Caller caller, ReportFilter filter, ReportDimension by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters();
        var facts = TaskFacts.Cte(caller, filter, clock.GetUtcNow(), parameters);
        var key = TaskFacts.Key(by, parameters, filter.Period);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Key, long Met, long Warned, long Breached, long Open, long Paused, long PausedSeconds, long PausedWorkingSeconds)>(
            new CommandDefinition($"""
            WITH {facts},
            statuses AS (SELECT f.*, {TaskFacts.SlaStatus} AS sla FROM facts f)
            SELECT {key} AS key,
                   count(*) FILTER (WHERE f.sla = 'met'), count(*) FILTER (WHERE f.sla = 'warned'),
                   count(*) FILTER (WHERE f.sla = 'breached'), count(*) FILTER (WHERE f.sla = 'open'),
                   count(*) FILTER (WHERE f.paused_seconds > 0), coalesce(sum(f.paused_seconds), 0)::bigint, coalesce(sum(f.paused_working_seconds), 0)::bigint
            FROM statuses f {TaskFacts.Groups(by)}
            WHERE f.sla IS NOT NULL AND {TaskFacts.GroupFilter(by)}
            GROUP BY 1 ORDER BY 1
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SlaRow(r.Key, r.Met, r.Warned, r.Breached, r.Open)
        {
            Paused = r.Paused,
            PausedSeconds = r.PausedSeconds,
            PausedWorkingSeconds = r.PausedWorkingSeconds,
        })];
    }

    /// <summary>First-response and resolution times of the tasks created in the range (the finished ones of each measure).</summary>
    public async Task<IReadOnlyList<DurationDistribution>> DurationsAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters();
        var facts = TaskFacts.Cte(caller, filter, clock.GetUtcNow(), parameters);
        var sql = $"""
            WITH {facts},
            measured AS (
                SELECT 'firstResponse' AS measure, extract(epoch FROM f.first_held_at - f.created_at)::float8 AS s FROM facts f WHERE f.first_held_at IS NOT NULL
                UNION ALL
                SELECT 'resolution', extract(epoch FROM f.done_at - f.created_at)::float8 FROM facts f WHERE f.state = 'COMPLETED' AND f.done_at IS NOT NULL)
            """;
        // A duration exactly on an edge belongs to the bar that ends there ("≤ 1 h"): a bar counts what is above the edge before it.
        var bars = string.Join(", ", Buckets.Select((b, i) =>
            $"count(*) FILTER (WHERE {(i == 0 ? "TRUE" : $"s > {Buckets[i - 1].UpTo!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")}" +
            $"{(b.UpTo is { } up ? $" AND s <= {up.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")})"));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        using var reader = await connection.ExecuteReaderAsync(new CommandDefinition($"""
            {sql}
            SELECT measure, count(*), avg(s), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s), max(s), {bars}
            FROM measured GROUP BY measure
            """, parameters, cancellationToken: cancellationToken));
        var found = new Dictionary<string, DurationDistribution>(StringComparer.Ordinal);
        double? Number(int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);
        while (await reader.ReadAsync(cancellationToken))
        {
            var measure = reader.GetString(0);
            found[measure] = new DurationDistribution(measure, reader.GetInt64(1), Number(2), Number(3), Number(4), Number(5),
                [.. Buckets.Select((b, i) => new DurationBucket(b.Label, b.UpTo, reader.GetInt64(6 + i)))]);
        }
        return [.. new[] { "firstResponse", "resolution" }.Select(measure => found.GetValueOrDefault(measure)
            ?? new DurationDistribution(measure, 0, null, null, null, null, [.. Buckets.Select(b => new DurationBucket(b.Label, b.UpTo, 0))]))];
    }

    /// <summary>Open and completed tasks and the average handling time, per agent or per group.</summary>
    public async Task<IReadOnlyList<WorkloadRow>> WorkloadAsync(Caller caller, ReportFilter filter, ReportDimension by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (by is not (ReportDimension.Agent or ReportDimension.Group))
        {
            throw new ArgumentOutOfRangeException(nameof(by), by, "Workload is reported per agent or per group.");
        }
        var parameters = new DynamicParameters();
        var facts = TaskFacts.Cte(caller, filter, clock.GetUtcNow(), parameters);
        var key = TaskFacts.Key(by, parameters, filter.Period);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Key, long Open, long Completed, double? Handling)>(new CommandDefinition($"""
            WITH {facts}
            SELECT {key} AS key, count(*) FILTER (WHERE f.state = 'CREATED'), count(*) FILTER (WHERE f.state = 'COMPLETED'),
                   avg(extract(epoch FROM f.done_at - coalesce(f.first_held_at, f.created_at))::float8) FILTER (WHERE f.state = 'COMPLETED')
            FROM facts f {TaskFacts.Groups(by)}
            WHERE f.state IN ('CREATED', 'COMPLETED') AND {TaskFacts.GroupFilter(by)}
            GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new WorkloadRow(r.Key, r.Open, r.Completed, r.Handling))];
    }

    /// <summary>
    /// Transfers and escalations (the outcome the completing agent chose, with its reason, read from the variables
    /// that completion set — same instance, same instant) and reassignments between people (with the reason given).
    /// </summary>
    public async Task<HandoverReport> HandoversAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new
        {
            outcome = vocabulary.OutcomeVariable,
            transfer = vocabulary.TransferValue,
            transferReason = vocabulary.TransferReasonVariable,
            escalation = vocabulary.EscalationValue,
            escalationReason = vocabulary.EscalationReasonVariable,
            names = new[] { vocabulary.OutcomeVariable, vocabulary.TransferReasonVariable, vocabulary.EscalationReasonVariable },
        });
        var facts = TaskFacts.Cte(caller, filter, clock.GetUtcNow(), parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(string Kind, string Reason, long Count)>(new CommandDefinition($"""
            WITH {facts},
            outcomes AS (
                SELECT f.key,
                       max(v.details->>'value') FILTER (WHERE v.details->>'name' = @outcome) AS outcome,
                       max(v.details->>'value') FILTER (WHERE v.details->>'name' = @transferReason) AS transfer_reason,
                       max(v.details->>'value') FILTER (WHERE v.details->>'name' = @escalationReason) AS escalation_reason
                FROM facts f
                JOIN execution_history v ON v.process_instance_key = f.process_instance_key AND v.at = f.done_at
                WHERE f.state = 'COMPLETED' AND v.event IN ('VARIABLE_CREATED', 'VARIABLE_UPDATED') AND v.details->>'name' = ANY(@names)
                GROUP BY f.key)
            SELECT 'transfer', coalesce(nullif(transfer_reason, ''), '(none)'), count(*) FROM outcomes WHERE outcome = @transfer GROUP BY 2
            UNION ALL
            SELECT 'escalation', coalesce(nullif(escalation_reason, ''), '(none)'), count(*) FROM outcomes WHERE outcome = @escalation GROUP BY 2
            UNION ALL
            SELECT 'reassignment', coalesce(nullif(h.details->>'reason', ''), '(none)'), count(*)
            FROM facts f JOIN execution_history h ON (h.details->>'userTaskKey')::bigint = f.key
                AND h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING')
            WHERE h.event = 'TASK_ASSIGNED' AND h.details->>'assignee' IS NOT NULL AND h.details->>'previousAssignee' IS NOT NULL
              AND h.details->>'assignee' <> h.details->>'previousAssignee'
            GROUP BY 2
            UNION ALL
            SELECT '', '', count(*) FROM facts f WHERE f.state = 'COMPLETED'
            ORDER BY 1, 3 DESC, 2
            """, parameters, cancellationToken: cancellationToken))).ToList();
        var completed = rows.Single(r => r.Kind.Length == 0).Count;
        return new HandoverReport(completed, [.. rows.Where(r => r.Kind.Length > 0).Select(r => new HandoverRow(r.Kind, r.Reason, r.Count))]);
    }

    /// <summary>Exception orders started in the range by problem type and detail (the group filter: orders with a task offered to it).</summary>
    public async Task<IReadOnlyList<ExceptionOrderRow>> ExceptionOrdersAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new
        {
            from = filter.From.UtcDateTime,
            to = filter.To.UtcDateTime,
            process = vocabulary.ExceptionProcessId,
            type = vocabulary.ProblemTypeVariable,
            detail = vocabulary.ProblemDetailVariable,
            group = filter.Group,
        });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        if (filter.ProcessId is not null && filter.ProcessId != vocabulary.ExceptionProcessId)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Type, string Detail, long Total, long Open, long Closed, double? Resolution)>(new CommandDefinition($"""
            SELECT coalesce(pt.value #>> ARRAY[]::text[], '(none)'), coalesce(pd.value #>> ARRAY[]::text[], '(none)'), count(*),
                   count(*) FILTER (WHERE i.state = 'ACTIVE'), count(*) FILTER (WHERE i.state = 'COMPLETED'),
                   avg(extract(epoch FROM i.ended_at - i.started_at)::float8) FILTER (WHERE i.state = 'COMPLETED')
            FROM process_instance i
            LEFT JOIN variable pt ON pt.scope_key = i.key AND pt.name = @type
            LEFT JOIN variable pd ON pd.scope_key = i.key AND pd.name = @detail
            WHERE i.bpmn_process_id = @process AND i.started_at >= @from AND i.started_at < @to
              AND (@group::text IS NULL OR EXISTS (SELECT 1 FROM user_task gt WHERE gt.process_instance_key = i.key AND @group = ANY(gt.candidate_groups)))
              AND {visible}
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ExceptionOrderRow(r.Type, r.Detail, r.Total, r.Open, r.Closed, r.Resolution))];
    }
}
