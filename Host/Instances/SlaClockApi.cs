using System.Security.Claims;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Instances;

public sealed record SlaPauseRequest(string? Reason);

/// <summary>One pause of the ledger; durations are ISO 8601 (working time in the SLA timers' business calendar).</summary>
public sealed record SlaPauseView(string Reason, DateTimeOffset PausedAt, string PausedBy, DateTimeOffset? ResumedAt, string? ResumedBy,
    string? PausedWorkingTime);

public sealed record SlaClockResponse(string ProcessInstanceKey, string State, IReadOnlyList<SlaPauseView> Pauses, string PausedTotal,
    string PausedWorkingTotal);

/// <summary>
/// /api/instances/{key}/sla: a case's SLA clock (paused or running, its ledger of pauses), pausing it while the case
/// waits on the customer or a third party and resuming it when they answer. Any instance of the case names it (a work
/// ticket's instance or the demand). The engine does the work in one command each (<see cref="IProcessEngine.PauseSlaAsync"/>).
/// </summary>
internal static class SlaClockApi
{
    public static IEndpointRouteBuilder MapSlaClockApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/instances/{key}/sla", GetAsync).WithTags("Instances").RequireAuthorization(Policies.Cases);
        var group = app.MapGroup("/api/instances").WithTags("Instances").RequireAuthorization(Policies.Agent);
        group.MapPost("/{key}/sla/pause", PauseAsync);
        group.MapPost("/{key}/sla/resume", ResumeAsync);
        return app;
    }

    private static async Task<Results<Ok<SlaClockResponse>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, SlaClockQueries clocks,
        CancellationToken cancellationToken)
    {
        var clock = CamundaResults.TryKey(key, out var instanceKey) ? await clocks.ClockAsync(user.Caller(), instanceKey, cancellationToken) : null;
        if (clock is null)
        {
            return Problems.NotFound("process instance", key);
        }
        return TypedResults.Ok(new SlaClockResponse(CamundaResults.Key(clock.ProcessInstanceKey)!, clock.Paused ? "paused" : "running",
            [.. clock.Pauses.Select(p => new SlaPauseView(p.Reason, p.PausedAt, p.PausedBy, p.ResumedAt, p.ResumedBy,
                p.PausedWorkingTime is { } w ? XmlConvert.ToString(w) : null))],
            XmlConvert.ToString(clock.PausedTotal), XmlConvert.ToString(clock.PausedWorkingTotal)));
    }

    private static async Task<Results<Ok<SlaClockChange>, ProblemHttpResult>> PauseAsync(string key, SlaPauseRequest? request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason))
        {
            return Problems.Invalid("reason", "Say why the SLA pauses (waiting on the customer, a third party …); the reason is kept in the case history.");
        }
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return Problems.NotFound("process instance", key);
        }
        var paused = await engine.PauseSlaAsync(http.User.Caller(), instanceKey, request.Reason, AuditEntry.ActorFor(http), cancellationToken);
        return paused.Ok ? TypedResults.Ok(paused.Value!) : Refused(paused, key);
    }

    private static async Task<Results<Ok<SlaClockChange>, ProblemHttpResult>> ResumeAsync(string key, HttpContext http, IProcessEngine engine,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return Problems.NotFound("process instance", key);
        }
        var resumed = await engine.ResumeSlaAsync(http.User.Caller(), instanceKey, AuditEntry.ActorFor(http), cancellationToken);
        return resumed.Ok ? TypedResults.Ok(resumed.Value!) : Refused(resumed, key);
    }

    private static ProblemHttpResult Refused(CommandResult<SlaClockChange> result, string key) => result.Error switch
    {
        CommandError.NotFound => Problems.NotFound("process instance", key),
        CommandError.InvalidArgument => Problems.Invalid("reason", result.Message!),
        _ => Problems.Conflict("key", result.Message!),
    };
}
