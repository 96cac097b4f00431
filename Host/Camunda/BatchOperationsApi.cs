using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Batches;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Identity;
using Processes.Host.Lifecycle;

namespace Processes.Host.Camunda;

/// <summary>A batch over the process instances a filter names (cancellation and incident resolution).</summary>
public sealed record BatchFilterRequest(JsonElement? Filter);

public sealed record BatchMigrationRequest(JsonElement? Filter, MigrationPlanRequest? MigrationPlan);

public sealed record BatchModificationRequest(JsonElement? Filter, IReadOnlyList<BatchMoveRequest?>? MoveInstructions);

public sealed record BatchMoveRequest(string? SourceElementId, string? TargetElementId);

public sealed record BatchOperationCreated(string BatchOperationKey, string BatchOperationType);

public sealed record BatchOperationItem(
    string BatchOperationKey, string State, string BatchOperationType, string StartDate, string? EndDate, long OperationsTotalCount,
    long OperationsFailedCount, long OperationsCompletedCount);

public sealed record BatchOperationItemItem(
    string OperationType, string BatchOperationKey, string ItemKey, string ProcessInstanceKey, string State, string? ProcessedDate, string? ErrorMessage);

public sealed record BatchSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>
/// Camunda 8.8's batch operations: created from a process instance filter (read with the caller's visibility, so a batch
/// touches only instances its creator sees), run by the engine nodes one command per item; searched, read, cancelled,
/// suspended and resumed by their creator or an operator who sees as much.
/// </summary>
internal static class BatchOperationsApi
{
    public static IEndpointRouteBuilder MapBatchOperationsApi(this IEndpointRouteBuilder app)
    {
        var instances = app.MapGroup("/v2/process-instances").WithTags("Batch operations");
        instances.MapPost("/cancellation", CancelInstancesAsync).RequireAuthorization(Policies.Operator);
        instances.MapPost("/incident-resolution", ResolveIncidentsAsync).RequireAuthorization(Policies.Operator);
        instances.MapPost("/migration", MigrateInstancesAsync).RequireAuthorization(Policies.Admin);
        instances.MapPost("/modification", ModifyInstancesAsync).RequireAuthorization(Policies.Operator);
        var batches = app.MapGroup("/v2/batch-operations").WithTags("Batch operations");
        batches.MapPost("/search", SearchAsync).RequireAuthorization(Policies.Operator);
        batches.MapGet("/{key}", GetAsync).RequireAuthorization(Policies.Operator);
        batches.MapPost("/{key}/cancellation", (string key, ClaimsPrincipal user, BatchOperations operations, CancellationToken cancellationToken) =>
            ChangeAsync(key, (caller, k) => operations.CancelAsync(caller, k, cancellationToken), user)).RequireAuthorization(Policies.Operator);
        batches.MapPost("/{key}/suspension", (string key, ClaimsPrincipal user, BatchOperations operations, CancellationToken cancellationToken) =>
            ChangeAsync(key, (caller, k) => operations.SuspendAsync(caller, k, cancellationToken), user)).RequireAuthorization(Policies.Operator);
        batches.MapPost("/{key}/resumption", (string key, ClaimsPrincipal user, BatchOperations operations, CancellationToken cancellationToken) =>
            ChangeAsync(key, (caller, k) => operations.ResumeAsync(caller, k, cancellationToken), user)).RequireAuthorization(Policies.Operator);
        app.MapPost("/v2/batch-operation-items/search", SearchItemsAsync).RequireAuthorization(Policies.Operator).WithTags("Batch operations");
        return app;
    }

    private static Task<Results<Ok<BatchOperationCreated>, ProblemHttpResult>> CancelInstancesAsync(BatchFilterRequest? request, ClaimsPrincipal user,
        BatchOperations operations, CancellationToken cancellationToken) =>
        CreateAsync(request?.Filter, BatchOperationTypes.Cancel, filter => operations.CancelInstancesAsync(user.Caller(), filter, cancellationToken));

    private static Task<Results<Ok<BatchOperationCreated>, ProblemHttpResult>> ResolveIncidentsAsync(BatchFilterRequest? request, ClaimsPrincipal user,
        BatchOperations operations, CancellationToken cancellationToken) =>
        CreateAsync(request?.Filter, BatchOperationTypes.ResolveIncident, filter => operations.ResolveIncidentsAsync(user.Caller(), filter, cancellationToken));

    private static async Task<Results<Ok<BatchOperationCreated>, ProblemHttpResult>> MigrateInstancesAsync(BatchMigrationRequest? request, ClaimsPrincipal user,
        BatchOperations operations, CancellationToken cancellationToken)
    {
        if (!LifecycleApi.TryPlan(request?.MigrationPlan, "migrationPlan.", out var plan, out var problem))
        {
            return problem!;
        }
        return await CreateAsync(request?.Filter, BatchOperationTypes.Migrate, filter => operations.MigrateInstancesAsync(user.Caller(), filter, plan!, cancellationToken));
    }

    private static async Task<Results<Ok<BatchOperationCreated>, ProblemHttpResult>> ModifyInstancesAsync(BatchModificationRequest? request, ClaimsPrincipal user,
        BatchOperations operations, CancellationToken cancellationToken)
    {
        if (request?.MoveInstructions is not { Count: > 0 } instructions)
        {
            return CamundaResults.BadRequest("moveInstructions must name at least one move.");
        }
        var moves = new List<BatchMove>();
        for (var i = 0; i < instructions.Count; i++)
        {
            if (instructions[i] is not { SourceElementId: { Length: > 0 } source, TargetElementId: { Length: > 0 } target })
            {
                return CamundaResults.BadRequest($"moveInstructions[{i}] needs sourceElementId and targetElementId.");
            }
            moves.Add(new BatchMove(source, target));
        }
        return await CreateAsync(request.Filter, BatchOperationTypes.Modify, filter => operations.ModifyInstancesAsync(user.Caller(), filter, moves, cancellationToken));
    }

    private static async Task<Results<Ok<BatchOperationCreated>, ProblemHttpResult>> CreateAsync(JsonElement? filter, string type,
        Func<Query, Task<CommandResult<long>>> create)
    {
        if (filter is not { ValueKind: JsonValueKind.Object })
        {
            return CamundaResults.BadRequest("filter is required: an object naming the process instances of the batch ({} for every one you see).");
        }
        if (!CamundaSearch.TryQuery(InstanceQueries.Model, filter, null, null, out var query, out var problem))
        {
            return problem!;
        }
        try
        {
            var result = await create(query);
            return result.Ok ? TypedResults.Ok(new BatchOperationCreated(CamundaResults.Key(result.Value), type)) : CamundaResults.Refused(result);
        }
        catch (QueryException e)
        {
            return CamundaResults.BadRequest(e.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangeAsync(string key, Func<Processes.Engine.Visibility.Caller, long, Task<CommandResult<bool>>> change,
        ClaimsPrincipal user)
    {
        if (!CamundaResults.TryKey(key, out var batchKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a batch operation key.");
        }
        var result = await change(user.Caller(), batchKey);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<BatchOperationItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, BatchOperationQueries batches,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var batchKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a batch operation key.");
        }
        var batch = await batches.FindAsync(user.Caller(), batchKey, cancellationToken);
        return batch is null ? CamundaResults.NotFound($"Batch operation {batchKey} does not exist or is not visible to you.") : TypedResults.Ok(Item(batch));
    }

    private static async Task<Results<Ok<SearchResponse<BatchOperationItem>>, ProblemHttpResult>> SearchAsync(BatchSearchRequest? request, ClaimsPrincipal user,
        BatchOperationQueries batches, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(BatchOperationQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => batches.SearchAsync(caller, query, cancellationToken), query, Item);
    }

    private static async Task<Results<Ok<SearchResponse<BatchOperationItemItem>>, ProblemHttpResult>> SearchItemsAsync(BatchSearchRequest? request,
        ClaimsPrincipal user, BatchOperationQueries batches, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(BatchOperationQueries.ItemModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => batches.ItemsAsync(caller, query, cancellationToken), query, r => new BatchOperationItemItem(
            r.OperationType, CamundaResults.Key(r.BatchOperationKey), CamundaResults.Key(r.ItemKey), CamundaResults.Key(r.ProcessInstanceKey), r.State,
            CamundaResults.Iso(r.ProcessedAt), r.ErrorMessage));
    }

    private static BatchOperationItem Item(BatchOperationRow r) => new(CamundaResults.Key(r.Key), r.State, r.OperationType,
        CamundaResults.Iso((DateTime?)r.StartedAt)!, CamundaResults.Iso(r.EndedAt), r.Total, r.Failed, r.Completed);
}
