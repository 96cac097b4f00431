using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Reports;

/// <summary>
/// Service results of the demands started in a report's range (the cohort, as the exception-order report counts):
/// what the customers answered to the satisfaction survey, and how the closed demands were completed — the
/// completion standard the agent picked with the reason the model recorded. Read from the demands' variables
/// (<c>survey</c>, <c>completionStandard</c>, <c>completionReason</c>), only of the demands the caller may see.
/// </summary>
public sealed class ServiceResultQueries(NpgsqlDataSource dataSource, string demandProcessId)
{
    public ServiceResultQueries(NpgsqlDataSource dataSource) : this(dataSource, "demand-ticket")
    {
    }

    /// <summary>Survey answers by result (answered, no answer, awaiting: surveyed, window open) and score.</summary>
    public async Task<SurveyReport> SurveysAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        var (parameters, where) = Cohort(caller, filter);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // A demand's survey is "awaiting" while the instance is still active after its close (the close recorded
        // slaCompliance, no survey yet); demands still being worked count nowhere.
        var rows = await connection.QueryAsync<(string Result, int? Score, long Count)>(new CommandDefinition($"""
            SELECT CASE WHEN sv.value IS NOT NULL THEN coalesce(sv.value->>'result', 'answered') ELSE 'awaiting' END,
                   CASE WHEN sv.value->>'score' ~ '^[1-5]$' THEN (sv.value->>'score')::int END, count(*)
            FROM process_instance i
            LEFT JOIN variable sv ON sv.scope_key = i.key AND sv.name = 'survey'
            LEFT JOIN variable sc ON sc.scope_key = i.key AND sc.name = 'slaCompliance'
            WHERE {where} AND (sv.value IS NOT NULL OR (sc.value IS NOT NULL AND i.state = 'ACTIVE'))
            GROUP BY 1, 2 ORDER BY 1, 2
            """, parameters, cancellationToken: cancellationToken));
        return new SurveyReport([.. rows.Select(r => new SurveyRow(r.Result, r.Score, r.Count))]);
    }

    /// <summary>Closed demands by completion standard and completion reason.</summary>
    public async Task<IReadOnlyList<CompletionRow>> CompletionsAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        var (parameters, where) = Cohort(caller, filter);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Standard, string Reason, long Count)>(new CommandDefinition($"""
            SELECT cs.value #>> ARRAY[]::text[], coalesce(cr.value #>> ARRAY[]::text[], '(none)'), count(*)
            FROM process_instance i
            JOIN variable cs ON cs.scope_key = i.key AND cs.name = 'completionStandard'
            LEFT JOIN variable cr ON cr.scope_key = i.key AND cr.name = 'completionReason'
            WHERE {where} AND jsonb_typeof(cs.value) = 'string'
              -- closed demands only: a ticket's form sets completionStandard before the demand is closed
              AND EXISTS (SELECT 1 FROM variable sc WHERE sc.scope_key = i.key AND sc.name = 'slaCompliance')
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new CompletionRow(r.Standard, r.Reason, r.Count))];
    }

    private (DynamicParameters Parameters, string Where) Cohort(Caller caller, ReportFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new { from = filter.From.UtcDateTime, to = filter.To.UtcDateTime, process = demandProcessId, group = filter.Group });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        // Another process filtered for: no demand matches (the report is of the demand model only).
        var process = filter.ProcessId is null || filter.ProcessId == demandProcessId ? "TRUE" : "FALSE";
        return (parameters, $"""
            i.bpmn_process_id = @process AND i.parent_process_instance_key IS NULL AND i.started_at >= @from AND i.started_at < @to AND {process}
              AND (@group::text IS NULL OR EXISTS (SELECT 1 FROM user_task gt JOIN process_instance c ON c.key = gt.process_instance_key
                                                   WHERE (c.key = i.key OR c.root_process_instance_key = i.key) AND @group = ANY(gt.candidate_groups)))
              AND {visible}
            """);
    }
}

/// <summary>Demands with one survey result (<c>answered</c>, <c>no answer</c>, <c>awaiting</c>) and score (answered only).</summary>
public sealed record SurveyRow(string Result, int? Score, long Count);

/// <summary>The survey rows with their summary: response rate over the surveyed demands, average score, share satisfied (4 or 5).</summary>
public sealed record SurveyReport(IReadOnlyList<SurveyRow> Rows)
{
    public long Surveyed => Rows.Sum(r => r.Count);

    public long Answered => Rows.Where(r => r.Result == "answered").Sum(r => r.Count);

    public double? ResponseRatePercent => Surveyed == 0 ? null : Math.Round(100.0 * Answered / Surveyed, 1);

    public double? AverageScore => Scored == 0 ? null : Math.Round((double)Rows.Where(r => r.Score is not null).Sum(r => r.Score!.Value * r.Count) / Scored, 2);

    public double? SatisfiedPercent => Scored == 0 ? null : Math.Round(100.0 * Rows.Where(r => r.Score >= 4).Sum(r => r.Count) / Scored, 1);

    private long Scored => Rows.Where(r => r.Score is not null).Sum(r => r.Count);
}

/// <summary>Closed demands with one completion standard (the agent's pick; <c>none</c> at the deadline) and completion reason.</summary>
public sealed record CompletionRow(string Standard, string Reason, long Count);
