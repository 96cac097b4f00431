using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Lifecycle;

/// <summary>A version on the lifecycle page: its definition, and the instances the caller sees by state.</summary>
public sealed record VersionItem(
    string ProcessDefinitionKey, int Version, string? VersionTag, string? Name, string ResourceName, string DeploymentKey, string DeployedAt,
    bool IsLatest, string? SuspendedAt, long Running, long Completed, long Terminated, long WithIncidents)
{
    /// <summary>Who deployed it (absent for the host's own deployments of shipped models).</summary>
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? DeployedBy { get; init; }
}

/// <summary>Every version of one process id, newest first.</summary>
public sealed record ProcessVersions(string ProcessDefinitionId, string? Name, IReadOnlyList<VersionItem> Versions, string TenantId);

/// <summary>Camunda's migration body (also our batch's plan): the target and the element mapping.</summary>
public sealed record MigrationPlanRequest(string? TargetProcessDefinitionKey, IReadOnlyList<MappingInstructionRequest>? MappingInstructions);

public sealed record MappingInstructionRequest(string? SourceElementId, string? TargetElementId);

/// <summary>
/// Our batch: the instances (by key, or the active ones of a source version, at most <see cref="LifecycleApi.BatchLimit"/>
/// per call), the plan, and whether to only check (a dry run moves nothing).
/// </summary>
public sealed record MigrationBatchRequest(
    IReadOnlyList<string>? ProcessInstanceKeys, string? SourceProcessDefinitionKey, int? Limit, MigrationPlanRequest? MigrationPlan, bool DryRun);

public sealed record MigrationItem(string ProcessInstanceKey, bool Migrated, int? SourceVersion, int? TargetVersion, IReadOnlyList<MigrationProblem> Problems,
    string? Error)
{
    /// <summary>The instance was on the target already (a batch run again after it stopped half-way): left as it is.</summary>
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool AlreadyOnTarget { get; init; }
}

public sealed record MigrationBatchResponse(IReadOnlyList<MigrationItem> Items, int Migrated, int Refused);

/// <summary>
/// The life of a definition (admin): <c>GET /api/versions</c> lists every version with instance counts;
/// <c>POST /api/migrations</c> checks (dry run) or moves a batch of instances, one transaction per instance; and
/// Camunda's <c>POST /v2/process-instances/{key}/migration</c> moves one (204, or 400 naming each problem).
/// </summary>
internal static class LifecycleApi
{
    public const int BatchLimit = 100;

    public static IEndpointRouteBuilder MapLifecycleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/versions", ListAsync).RequireAuthorization(Policies.Admin).WithTags("Definition lifecycle");
        app.MapPost("/api/versions/{key}/suspend", (string key, HttpContext http, VersionSuspension suspension, CancellationToken cancellationToken) =>
            SuspendAsync(key, true, http, suspension, cancellationToken)).RequireAuthorization(Policies.Admin).WithTags("Definition lifecycle");
        app.MapPost("/api/versions/{key}/resume", (string key, HttpContext http, VersionSuspension suspension, CancellationToken cancellationToken) =>
            SuspendAsync(key, false, http, suspension, cancellationToken)).RequireAuthorization(Policies.Admin).WithTags("Definition lifecycle");
        app.MapPost("/api/migrations", MigrateBatchAsync).RequireAuthorization(Policies.Admin).WithTags("Definition lifecycle");
        app.MapPost("/v2/process-instances/{key}/migration", MigrateAsync).RequireAuthorization(Policies.Admin).WithTags("Process instances");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ProcessVersions>>> ListAsync(string? processDefinitionId, ClaimsPrincipal user, VersionQueries versions,
        CancellationToken cancellationToken)
    {
        var rows = await versions.ListAsync(user.Caller(), string.IsNullOrWhiteSpace(processDefinitionId) ? null : processDefinitionId, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ProcessVersions>>([.. rows.GroupBy(r => (r.BpmnProcessId, r.TenantId)).Select(g => new ProcessVersions(g.Key.BpmnProcessId,
            g.First().Name, [.. g.Select(r => new VersionItem(CamundaResults.Key(r.Key), r.Version, r.VersionTag, r.Name, r.ResourceName,
                CamundaResults.Key(r.DeploymentKey), CamundaResults.Iso((DateTime?)r.DeployedAt)!, r.IsLatest, CamundaResults.Iso(r.SuspendedAt), r.Running, r.Completed, r.Terminated, r.WithIncidents)
            { DeployedBy = r.DeployedBy })], g.Key.TenantId))]);
    }

    /// <summary>Suspends (or resumes) a version for new starts; running instances continue.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SuspendAsync(string key, bool suspend, HttpContext http, VersionSuspension suspension,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process definition key.");
        }
        return await suspension.SetAsync(http.User.Caller(), definitionKey, suspend, AuditEntry.ActorFor(http), cancellationToken)
            ? TypedResults.NoContent()
            : CamundaResults.NotFound($"No process definition has the key {definitionKey}.");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> MigrateAsync(string key, MigrationPlanRequest? request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        if (!TryPlan(request, "", out var plan, out var problem))
        {
            return problem!;
        }
        var result = await engine.MigrateInstanceAsync(http.User.Caller(), instanceKey, plan!, dryRun: false, AuditEntry.ActorFor(http), cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        return result.Value!.Migrated || result.Value.AlreadyOnTarget ? TypedResults.NoContent() : Refusal(result.Value);
    }

    private static async Task<Results<Ok<MigrationBatchResponse>, ProblemHttpResult>> MigrateBatchAsync(MigrationBatchRequest? request, HttpContext http,
        IProcessEngine engine, InstanceQueries instances, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return CamundaResults.BadRequest("The body must name processInstanceKeys or sourceProcessDefinitionKey, and a migrationPlan.");
        }
        if (!TryPlan(request.MigrationPlan, "migrationPlan.", out var plan, out var problem))
        {
            return problem!;
        }
        var caller = http.User.Caller();
        var keys = new List<long>();
        if (request.ProcessInstanceKeys is { Count: > 0 } listed)
        {
            if (listed.Count > BatchLimit)
            {
                return CamundaResults.BadRequest($"processInstanceKeys: at most {BatchLimit} instances per call (got {listed.Count}).");
            }
            foreach (var text in listed)
            {
                if (!CamundaResults.TryKey(text, out var instanceKey))
                {
                    return CamundaResults.BadRequest($"processInstanceKeys: '{text}' is not a process instance key.");
                }
                keys.Add(instanceKey);
            }
        }
        else if (CamundaResults.TryKey(request.SourceProcessDefinitionKey, out var sourceKey))
        {
            var limit = request.Limit ?? BatchLimit;
            if (limit is < 1 or > BatchLimit)
            {
                return CamundaResults.BadRequest($"limit must be between 1 and {BatchLimit}.");
            }
            var page = await instances.SearchAsync(caller, Query.Where(
                    new FieldCondition("processDefinitionKey", FilterOperator.Eq, sourceKey),
                    new FieldCondition("state", FilterOperator.Eq, "ACTIVE")) with { CountTotal = false, Page = new PageRequest(limit) },
                cancellationToken);
            keys.AddRange(page.Items.Select(i => i.Key));
        }
        else
        {
            return CamundaResults.BadRequest("Name the instances: processInstanceKeys, or sourceProcessDefinitionKey for the active instances of a version.");
        }
        var audit = AuditEntry.ActorFor(http);
        var items = new List<MigrationItem>();
        foreach (var instanceKey in keys)
        {
            // One command per instance: each moves in its own transaction, so a batch stopped half-way leaves no instance half-moved.
            var result = await engine.MigrateInstanceAsync(caller, instanceKey, plan!, request.DryRun, audit, cancellationToken);
            items.Add(result.Ok
                ? new MigrationItem(CamundaResults.Key(instanceKey), result.Value!.Migrated, result.Value.SourceVersion, result.Value.TargetVersion,
                    result.Value.Problems, null) { AlreadyOnTarget = result.Value.AlreadyOnTarget }
                : new MigrationItem(CamundaResults.Key(instanceKey), false, null, null, [], result.Message));
        }
        return TypedResults.Ok(new MigrationBatchResponse(items, items.Count(i => i.Migrated), items.Count(i => i.Problems.Count > 0 || i.Error is not null)));
    }

    internal static bool TryPlan(MigrationPlanRequest? request, string prefix, out MigrationPlan? plan, out ProblemHttpResult? problem)
    {
        plan = null;
        problem = null;
        if (request is null || !CamundaResults.TryKey(request.TargetProcessDefinitionKey, out var target))
        {
            problem = CamundaResults.BadRequest($"{prefix}targetProcessDefinitionKey must be the key of a process definition (got '{request?.TargetProcessDefinitionKey}').");
            return false;
        }
        var instructions = new List<MigrationMappingInstruction>();
        var index = 0;
        foreach (var instruction in request.MappingInstructions ?? [])
        {
            if (instruction is null || string.IsNullOrWhiteSpace(instruction.SourceElementId) || string.IsNullOrWhiteSpace(instruction.TargetElementId))
            {
                problem = CamundaResults.BadRequest($"{prefix}mappingInstructions[{index}] needs sourceElementId and targetElementId.");
                return false;
            }
            instructions.Add(new MigrationMappingInstruction(instruction.SourceElementId, instruction.TargetElementId));
            index++;
        }
        plan = new MigrationPlan(target, instructions);
        return true;
    }

    private static ProblemHttpResult Refusal(InstanceMigration migration) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "INVALID_ARGUMENT", detail: migration.Describe(),
        extensions: new Dictionary<string, object?> { ["problems"] = migration.Problems });
}
