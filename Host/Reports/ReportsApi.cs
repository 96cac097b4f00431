using System.Globalization;
using System.Security.Claims;
using Processes.Engine.Reports;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Reports;

/// <summary>
/// /api/reports: the supervisors' reports (supervisor or admin) and the diagram heatmap, each a thin call of the
/// engine's report read models, which count only what the caller may see. Filters: <c>from</c>/<c>to</c> (ISO 8601;
/// default the last 30 days, at most 400), <c>processId</c>, <c>group</c>, <c>period</c> (day, week, month);
/// <c>format=csv</c> answers the rows as CSV. A parameter a report does not know is refused (422) with its name, never
/// ignored — <c>tenantId</c> too, until tenants exist.
/// </summary>
internal static class ReportsApi
{
    private static readonly string[] Common = ["from", "to", "processId", "group", "period", "format"];

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Policies.Supervisor);
        group.MapGet("/sla", SlaAsync);
        group.MapGet("/durations", DurationsAsync);
        group.MapGet("/workload", WorkloadAsync);
        group.MapGet("/handovers", HandoversAsync);
        group.MapGet("/exception-orders", ExceptionOrdersAsync);
        group.MapGet("/surveys", SurveysAsync);
        group.MapGet("/completions", CompletionsAsync);
        group.MapGet("/fulfilment", FulfilmentAsync);
        group.MapGet("/settlement", SettlementAsync);
        // The heatmap is aggregate case data: whoever signs in may ask, and sees the instances the visibility rule shows them.
        app.MapGet("/api/reports/heatmap", HeatmapAsync).WithTags("Reports").RequireAuthorization(Policies.Authenticated);
        return app;
    }

    private static async Task<IResult> SlaAsync(HttpContext http, ClaimsPrincipal user, ReportQueries reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, ["by"]);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        if (Dimension(http, "by", ReportDimension.Process, ReportDimension.Process, ReportDimension.Step, ReportDimension.Group, ReportDimension.Period) is not { } by)
        {
            return Problems.Invalid("by", "by must be one of process, step, group, period.");
        }
        var rows = await reports.SlaAsync(user.Caller(), filter.Value, by, cancellationToken);
        return filter.Csv
            ? Csv("sla", ["key", "met", "warned", "breached", "open", "total", "compliancePercent", "paused", "pausedSeconds", "pausedWorkingSeconds"],
                rows.Select(r => new object?[] { r.Key, r.Met, r.Warned, r.Breached, r.Open, r.Total, r.CompliancePercent, r.Paused, r.PausedSeconds,
                    r.PausedWorkingSeconds }))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, by = Word(by), rows = rows.Select(r => new { r.Key, r.Met, r.Warned, r.Breached, r.Open,
                r.Total, r.CompliancePercent, r.Paused, r.PausedSeconds, r.PausedWorkingSeconds }) });
    }

    private static async Task<IResult> DurationsAsync(HttpContext http, ClaimsPrincipal user, ReportQueries reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var rows = await reports.DurationsAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("durations", ["measure", "bucket", "upToSeconds", "count"],
                rows.SelectMany(d => d.Buckets.Select(b => new object?[] { d.Measure, b.Label, b.UpToSeconds, b.Count })))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, distributions = rows });
    }

    private static async Task<IResult> WorkloadAsync(HttpContext http, ClaimsPrincipal user, ReportQueries reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, ["by"]);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        if (Dimension(http, "by", ReportDimension.Agent, ReportDimension.Agent, ReportDimension.Group) is not { } by)
        {
            return Problems.Invalid("by", "by must be agent or group.");
        }
        var rows = await reports.WorkloadAsync(user.Caller(), filter.Value, by, cancellationToken);
        return filter.Csv
            ? Csv("workload", ["key", "open", "completed", "averageHandlingSeconds"], rows.Select(r => new object?[] { r.Key, r.Open, r.Completed, r.AverageHandlingSeconds }))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, by = Word(by), rows });
    }

    private static async Task<IResult> HandoversAsync(HttpContext http, ClaimsPrincipal user, ReportQueries reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var report = await reports.HandoversAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("handovers", ["kind", "reason", "count"], report.Rows.Select(r => new object?[] { r.Kind, r.Reason, r.Count }))
            : TypedResults.Ok(new
            {
                filter.Value.From,
                filter.Value.To,
                report.CompletedTasks,
                transferRatePercent = report.RateOf("transfer"),
                escalationRatePercent = report.RateOf("escalation"),
                reassignmentRatePercent = report.RateOf("reassignment"),
                rows = report.Rows,
            });
    }

    private static async Task<IResult> ExceptionOrdersAsync(HttpContext http, ClaimsPrincipal user, ReportQueries reports, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var rows = await reports.ExceptionOrdersAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("exception-orders", ["problemType", "problemDetail", "total", "open", "closed", "averageResolutionSeconds"],
                rows.Select(r => new object?[] { r.ProblemType, r.ProblemDetail, r.Total, r.Open, r.Closed, r.AverageResolutionSeconds }))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, rows });
    }

    private static async Task<IResult> SurveysAsync(HttpContext http, ClaimsPrincipal user, ServiceResultQueries results, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var report = await results.SurveysAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("surveys", ["result", "score", "count"], report.Rows.Select(r => new object?[] { r.Result, r.Score, r.Count }))
            : TypedResults.Ok(new
            {
                filter.Value.From,
                filter.Value.To,
                report.Surveyed,
                report.Answered,
                report.ResponseRatePercent,
                report.AverageScore,
                report.SatisfiedPercent,
                rows = report.Rows.Select(r => r.Score is { } score
                    ? (object)new { r.Result, score, r.Count }
                    : new { r.Result, r.Count }),
            });
    }

    private static async Task<IResult> CompletionsAsync(HttpContext http, ClaimsPrincipal user, ServiceResultQueries results, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var rows = await results.CompletionsAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("completions", ["standard", "reason", "count"], rows.Select(r => new object?[] { r.Standard, r.Reason, r.Count }))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, rows });
    }

    private static async Task<IResult> FulfilmentAsync(HttpContext http, ClaimsPrincipal user, FulfilmentQueries fulfilment, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var rows = await fulfilment.FulfilmentAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("fulfilment", ["network", "orders", "offers", "accepted", "acceptanceRatePercent", "verifications", "verified", "verificationRatePercent"],
                rows.Select(r => new object?[] { r.Network, r.Orders, r.Offers, r.Accepted, r.AcceptanceRatePercent, r.Verifications, r.Verified, r.VerificationRatePercent }))
            : TypedResults.Ok(new
            {
                filter.Value.From,
                filter.Value.To,
                rows = rows.Select(r => new
                {
                    r.Network, r.Orders, r.Offers, r.Accepted, r.AcceptanceRatePercent, r.Verifications, r.Verified, r.VerificationRatePercent,
                }),
            });
    }

    /// <summary>Per network and month; amounts are decimals (JSON numbers as the ledger wrote them, never rounded through a float).</summary>
    private static async Task<IResult> SettlementAsync(HttpContext http, ClaimsPrincipal user, FulfilmentQueries fulfilment, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var filter = Read(http, clock, []);
        if (filter.Problem is { } problem)
        {
            return problem;
        }
        var rows = await fulfilment.SettlementAsync(user.Caller(), filter.Value, cancellationToken);
        return filter.Csv
            ? Csv("settlement", ["network", "period", "releasedOrders", "released", "frozenOrders", "frozen", "paid"],
                rows.Select(r => new object?[] { r.Network, r.Period, r.ReleasedOrders, r.Released, r.FrozenOrders, r.Frozen, r.Paid }))
            : TypedResults.Ok(new { filter.Value.From, filter.Value.To, rows });
    }

    private static async Task<IResult> HeatmapAsync(HttpContext http, ClaimsPrincipal user, HeatmapQueries heatmaps, CancellationToken cancellationToken)
    {
        if (http.Request.Query.Keys.FirstOrDefault(k => k is not ("processDefinitionKey" or "format")) is { } unknown)
        {
            return Problems.Invalid(unknown, $"'{unknown}' is not a parameter of the heatmap (processDefinitionKey, format).");
        }
        var text = http.Request.Query["processDefinitionKey"].ToString();
        if (!CamundaResults.TryKey(text, out var key))
        {
            return Problems.Invalid("processDefinitionKey", "processDefinitionKey is required: the key of a deployed process definition.");
        }
        if (await heatmaps.HeatmapAsync(user.Caller(), key, cancellationToken) is not { } elements)
        {
            return Problems.NotFound("process definition", text);
        }
        return http.Request.Query["format"].ToString() == "csv"
            ? Csv("heatmap", ["elementId", "count", "active", "averageSeconds", "p90Seconds", "slaBreaches"],
                elements.Select(e => new object?[] { e.ElementId, e.Count, e.Active, e.AverageSeconds, e.P90Seconds, e.SlaBreaches }))
            : TypedResults.Ok(new { processDefinitionKey = text, elements });
    }

    /// <summary>A parsed filter, or the problem with the first bad parameter.</summary>
    private sealed record Parsed(ReportFilter Value, bool Csv, IResult? Problem);

    private static Parsed Read(HttpContext http, TimeProvider clock, string[] extra)
    {
        var query = http.Request.Query;
        IResult Bad(string field, string message) => Problems.Invalid(field, message);
        var empty = new ReportFilter(default, default);
        if (query.ContainsKey("tenantId"))
        {
            return new Parsed(empty, false, Bad("tenantId", "Reports are not filtered by tenant yet: this server has one tenant."));
        }
        if (query.Keys.FirstOrDefault(k => !Common.Contains(k, StringComparer.Ordinal) && !extra.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            return new Parsed(empty, false, Bad(unknown, $"'{unknown}' is not a parameter of this report; known: {string.Join(", ", Common.Concat(extra))}."));
        }
        var now = clock.GetUtcNow();
        if (!Instant(query["to"], now, out var to))
        {
            return new Parsed(empty, false, Bad("to", "to must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T00:00:00Z."));
        }
        if (!Instant(query["from"], to.AddDays(-30), out var from))
        {
            return new Parsed(empty, false, Bad("from", "from must be an ISO 8601 date-time with an offset, e.g. 2026-11-01T00:00:00Z."));
        }
        if (from >= to)
        {
            return new Parsed(empty, false, Bad("from", "from must be before to."));
        }
        if (to - from > ReportFilter.MaximumRange)
        {
            return new Parsed(empty, false, Bad("from", $"A report covers at most {ReportFilter.MaximumRange.TotalDays:0} days."));
        }
        ReportPeriod? period = query["period"].ToString() switch
        {
            "" or "day" => ReportPeriod.Day,
            "week" => ReportPeriod.Week,
            "month" => ReportPeriod.Month,
            _ => null,
        };
        if (period is null)
        {
            return new Parsed(empty, false, Bad("period", "period must be day, week or month."));
        }
        var format = query["format"].ToString();
        if (format is not ("" or "json" or "csv"))
        {
            return new Parsed(empty, false, Bad("format", "format must be json or csv."));
        }
        var process = query["processId"].ToString();
        var group = query["group"].ToString();
        return new Parsed(new ReportFilter(from, to, process.Length == 0 ? null : process, group.Length == 0 ? null : group, period.Value), format == "csv", null);
    }

    private static bool Instant(Microsoft.Extensions.Primitives.StringValues text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (text.Count == 0 || string.IsNullOrEmpty(text[0]))
        {
            value = fallback;
            return true;
        }
        return DateTimeOffset.TryParse(text[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value) && text.Count == 1;
    }

    private static ReportDimension? Dimension(HttpContext http, string name, ReportDimension fallback, params ReportDimension[] allowed)
    {
        var text = http.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }
        return allowed.FirstOrDefault(d => Word(d) == text) is var found && Word(found) == text ? found : null;
    }

    private static string Word(ReportDimension dimension) => dimension.ToString().ToLowerInvariant();

    /// <summary>RFC 4180 CSV; a cell that a spreadsheet would run as a formula is quoted with a leading apostrophe.</summary>
    private static IResult Csv(string name, string[] header, IEnumerable<object?[]> rows)
    {
        var text = new System.Text.StringBuilder();
        text.AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', row.Select(Cell)).Append("\r\n");
        }
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", $"{name}.csv");
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            double d => d.ToString("0.###", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (text.Length > 0 && "=+-@".Contains(text[0], StringComparison.Ordinal) && value is string)
        {
            text = "'" + text;
        }
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }
}
