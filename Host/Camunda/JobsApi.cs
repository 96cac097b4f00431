using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Camunda;

/// <summary>
/// Camunda's activation request. <c>tenantIds</c> names the tenants whose jobs the worker serves (the default tenant
/// when absent); <c>tenantFilter</c> <c>ASSIGNED</c> serves every tenant of the worker's user instead.
/// </summary>
public sealed record JobActivationRequest(string? Type, string? Worker, long? Timeout, int? MaxJobsToActivate, IReadOnlyList<string>? FetchVariable, long? RequestTimeout,
    IReadOnlyList<string>? TenantIds, string? TenantFilter = null);

public sealed record ActivatedJobItem(
    string JobKey, string Type, string ProcessInstanceKey, string ProcessDefinitionId, int ProcessDefinitionVersion, string ProcessDefinitionKey,
    string ElementId, string ElementInstanceKey, JsonObject CustomHeaders, string Worker, int Retries, long Deadline, JsonObject Variables, string TenantId,
    IReadOnlyList<string> Tags)
{
    /// <summary>Camunda 8.8's job kind: every job here is a BPMN element's (no execution or task listeners).</summary>
    public string Kind => "BPMN_ELEMENT";

    public string ListenerEventType => "UNSPECIFIED";
}

public sealed record JobActivationResponse(IReadOnlyList<ActivatedJobItem> Jobs);

/// <summary>Camunda 8.8's JobSearchResult; <c>worker</c> is required there, so a job no worker holds has an empty one.</summary>
public sealed record JobSearchItem(
    string JobKey, string Type, string Worker, string State, string Kind, string ListenerEventType, int Retries, bool HasFailedWithRetriesLeft,
    string? ErrorMessage, string? Deadline, JsonObject CustomHeaders, string ProcessDefinitionId, string ProcessDefinitionKey, string ProcessInstanceKey,
    string ElementId, string ElementInstanceKey, string TenantId, string? EndTime = null, string? ErrorCode = null);

/// <summary>A v2 search: the filter is read against the job read model's declared fields; an unknown one is a 400.</summary>
public sealed record JobSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record JobChangeset(int? Retries, long? Timeout);

public sealed record JobUpdateRequest(JobChangeset? Changeset, long? OperationReference);

public sealed record JobCompletionRequest(JsonElement? Variables);

public sealed record JobFailureRequest(int? Retries, string? ErrorMessage, long? RetryBackOff, JsonElement? Variables);

public sealed record JobErrorRequest(string? ErrorCode, string? ErrorMessage, JsonElement? Variables);

/// <summary>
/// /v2/jobs: what Camunda's job workers call. Activation long-polls up to <c>requestTimeout</c> ms when nothing is
/// activatable, so idle workers do not hammer the database.
/// </summary>
internal static class JobsApi
{
    private static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromSeconds(60);

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/jobs").WithTags("Jobs").RequireAuthorization(Policies.Operator);
        group.MapPost("/activation", ActivateAsync);
        group.MapPost("/search", SearchAsync);
        group.MapPatch("/{key}", UpdateAsync);
        group.MapPost("/{key}/completion", CompleteAsync);
        group.MapPost("/{key}/failure", FailAsync);
        group.MapPost("/{key}/error", ThrowErrorAsync);
        return app;
    }

    private static async Task<Results<Ok<JobActivationResponse>, ProblemHttpResult>> ActivateAsync(JobActivationRequest request, IProcessEngine engine,
        HttpContext http, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Type))
        {
            return CamundaResults.BadRequest("type is required: the job type the worker handles.");
        }
        if (request.MaxJobsToActivate is null or < 1)
        {
            return CamundaResults.BadRequest("maxJobsToActivate must be at least 1.");
        }
        IReadOnlyList<string>? tenants;
        switch (request.TenantFilter?.ToUpperInvariant())
        {
            case "ASSIGNED":
                tenants = http.User.Tenants();
                break;
            case null or "PROVIDED" when request.TenantIds is { Count: > 0 }:
                var (named, namedProblem) = await tenantRequests.FilterAsync(http.User, request.TenantIds, "tenantIds", cancellationToken);
                if (namedProblem is not null)
                {
                    return namedProblem;
                }
                tenants = named;
                break;
            case null or "PROVIDED":
                // None named: the default tenant (or the page session's choice), as Camunda's workers expect.
                var (one, oneProblem) = await tenantRequests.TargetAsync(http.User, null, "tenantIds", cancellationToken);
                if (oneProblem is not null)
                {
                    return oneProblem;
                }
                tenants = [one!];
                break;
            default:
                return CamundaResults.BadRequest($"tenantFilter '{request.TenantFilter}' is not PROVIDED or ASSIGNED.");
        }
        var lease = request.Timeout is > 0 ? TimeSpan.FromMilliseconds(request.Timeout.Value) : DefaultLease;
        var worker = string.IsNullOrWhiteSpace(request.Worker) ? http.User.Identity?.Name ?? "worker" : request.Worker;
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.RequestTimeout ?? 0, 0, (long)MaxRequestTimeout.TotalMilliseconds));
        var until = DateTimeOffset.UtcNow + wait;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var jobs = await engine.ActivateJobsAsync(request.Type, worker, lease, Math.Min(request.MaxJobsToActivate.Value, 1000), request.FetchVariable, cancellationToken,
                tenants);
            if (jobs.Count > 0 || DateTimeOffset.UtcNow >= until)
            {
                return TypedResults.Ok(new JobActivationResponse([.. jobs.Select(ToItem)]));
            }
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    private static async Task<Results<Ok<SearchResponse<JobSearchItem>>, ProblemHttpResult>> SearchAsync(JobSearchRequest? request,
        System.Security.Claims.ClaimsPrincipal user, Processes.Engine.Queries.JobSearchQueries jobs, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(Processes.Engine.Queries.JobSearchQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => jobs.SearchAsync(caller, query, cancellationToken), query, r => new JobSearchItem(
            CamundaResults.Key(r.Key), r.Type, r.Worker ?? "", r.State, "BPMN_ELEMENT", "UNSPECIFIED", r.Retries, r.Failures > 0 && r.State == "CREATED",
            r.ErrorMessage, CamundaResults.Iso(r.Deadline), JsonNode.Parse(r.CustomHeaders)?.AsObject() ?? [], r.BpmnProcessId,
            CamundaResults.Key(r.ProcessDefinitionKey), CamundaResults.Key(r.ProcessInstanceKey), r.ElementId, CamundaResults.Key(r.ElementInstanceKey),
            r.TenantId, CamundaResults.Iso(r.EndedAt), r.ErrorCode));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UpdateAsync(string key, JobUpdateRequest? request,
        Processes.Engine.Jobs.JobOperations operations, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var jobKey))
        {
            return CamundaResults.NotFound($"No job with key {key}.");
        }
        var changes = request?.Changeset;
        var result = await operations.UpdateJobAsync(jobKey, changes?.Retries, changes?.Timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : null, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static ActivatedJobItem ToItem(ActivatedJob job) => new(CamundaResults.Key(job.Key), job.Type, CamundaResults.Key(job.ProcessInstanceKey),
        job.BpmnProcessId, job.ProcessVersion, CamundaResults.Key(job.ProcessDefinitionKey), job.ElementId, CamundaResults.Key(job.ElementInstanceKey),
        job.CustomHeaders, job.Worker, job.Retries, job.Deadline.ToUnixTimeMilliseconds(), job.Variables, job.TenantId, job.Tags);

    private static async Task<Results<NoContent, ProblemHttpResult>> CompleteAsync(string key, JobCompletionRequest? request, IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var jobKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a job key.");
        }
        if (!CamundaResults.TryVariables(request?.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var result = await engine.CompleteJobAsync(jobKey, variables, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FailAsync(string key, JobFailureRequest? request, IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var jobKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a job key.");
        }
        if (!CamundaResults.TryVariables(request?.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        if (request?.Retries is < 0)
        {
            return CamundaResults.BadRequest("retries must not be negative.");
        }
        var result = await engine.FailJobAsync(jobKey, request?.Retries ?? 0, request?.ErrorMessage,
            TimeSpan.FromMilliseconds(Math.Max(0, request?.RetryBackOff ?? 0)), variables, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ThrowErrorAsync(string key, JobErrorRequest? request, IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var jobKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a job key.");
        }
        if (string.IsNullOrWhiteSpace(request?.ErrorCode))
        {
            return CamundaResults.BadRequest("errorCode is required: the code an error catch event of the model matches.");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var result = await engine.ThrowJobErrorAsync(jobKey, request.ErrorCode, request.ErrorMessage, variables, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }
}
