using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Jobs;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Operations;

public sealed record RetryRequest(int? Retries);

/// <summary>
/// /api/operations: what operators watch and fix — jobs by state, timers by due time, counts per type, throughput
/// per minute, the servers of the cluster; retrying a failed job, firing a timer now. Every action is audited.
/// </summary>
internal static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/operations").WithTags("Operations").RequireAuthorization(Policies.Operator);
        group.MapGet("/jobs", JobsAsync);
        group.MapGet("/timers", TimersAsync);
        group.MapGet("/job-types", (JobQueries queries, CancellationToken cancellationToken) => queries.CountsByTypeAsync(cancellationToken));
        group.MapGet("/throughput", ThroughputAsync);
        group.MapGet("/servers", (JobQueries queries, CancellationToken cancellationToken) => queries.NodesAsync(cancellationToken));
        group.MapPost("/jobs/{key}/retry", RetryAsync);
        group.MapDelete("/jobs/{key}", DeleteAsync);
        group.MapPost("/timers/{key}/trigger", TriggerAsync);
        return app;
    }

    private static async Task<Results<Ok<Processes.Engine.Jobs.Page<JobSummary>>, ProblemHttpResult>> JobsAsync(string? state, string? type, string? after, int? limit,
        JobQueries queries, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<JobView>(state ?? "activatable", ignoreCase: true, out var view) || int.TryParse(state, out _))
        {
            return Problems.Invalid("state", "Use one of: activatable, running, retrying, failed.");
        }
        return TypedResults.Ok(await queries.JobsAsync(view, type, after, limit ?? 50, cancellationToken));
    }

    private static async Task<Ok<Processes.Engine.Jobs.Page<TimerSummary>>> TimersAsync(string? after, int? limit, JobQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.TimersAsync(after, limit ?? 50, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<JobMinute>>, ProblemHttpResult>> ThroughputAsync(int? hours, string? type, JobQueries queries, CancellationToken cancellationToken)
    {
        if (hours is < 1 or > 168)
        {
            return Problems.Invalid("hours", "Between 1 and 168 hours.");
        }
        return TypedResults.Ok(await queries.PerMinuteAsync(TimeSpan.FromHours(hours ?? 3), type, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RetryAsync(string key, RetryRequest? request, HttpContext http, JobOperations operations,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var jobKey))
        {
            return Problems.NotFound("job", key);
        }
        if (request?.Retries is < 1)
        {
            return Problems.Invalid("retries", "Give the job at least one retry.");
        }
        var result = await operations.RetryJobAsync(jobKey, request?.Retries ?? 3, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "job.retried", "job", key, new { retries = request?.Retries ?? 3 }), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult> DeleteAsync(string key, JobOperations operations, CancellationToken cancellationToken)
    {
        var result = CamundaResults.TryKey(key, out var jobKey)
            ? await operations.DeleteJobAsync(jobKey, cancellationToken)
            : Processes.Engine.Execution.CommandResult<bool>.Fail(Processes.Engine.Execution.CommandError.NotFound, $"Job {key} does not exist.");
        return CamundaResults.Refused(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> TriggerAsync(string key, HttpContext http, JobOperations operations, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var timerKey))
        {
            return Problems.NotFound("timer", key);
        }
        var result = await operations.TriggerTimerNowAsync(timerKey, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "timer.triggered", "timer", key.ToString(CultureInfo.InvariantCulture)), cancellationToken);
        return TypedResults.NoContent();
    }
}
