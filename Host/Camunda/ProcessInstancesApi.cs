using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Processes.Activities.Catalogues;
using Processes.Engine.Queries;
using Processes.Engine.Execution;
using Processes.Host.Catalogues;
using Processes.Host.Identity;
using Processes.Host.Idempotency;
using Processes.Host.Tenants;

namespace Processes.Host.Camunda;

/// <summary>Start request; <c>businessKey</c> is our extension (unique per process id); <c>tags</c> Camunda's (a set, at most 10).</summary>
public sealed record CreateProcessInstanceRequest(
    string? ProcessDefinitionId,
    int? ProcessDefinitionVersion,
    string? ProcessDefinitionKey,
    JsonElement? Variables,
    string? BusinessKey,
    IReadOnlyList<StartInstruction>? StartInstructions,
    string? TenantId,
    IReadOnlyList<string?>? Tags = null);

public sealed record StartInstruction(string ElementId);

public sealed record CreateProcessInstanceResponse(
    string ProcessDefinitionId, int ProcessDefinitionVersion, string TenantId, JsonObject Variables, string ProcessDefinitionKey, string ProcessInstanceKey,
    IReadOnlyList<string> Tags);

public sealed record ProcessInstanceItem(
    string ProcessInstanceKey, string ProcessDefinitionId, string ProcessDefinitionName, int ProcessDefinitionVersion, string? ProcessDefinitionVersionTag,
    string ProcessDefinitionKey, string? ParentProcessInstanceKey, string? ParentElementInstanceKey, string StartDate, string? EndDate,
    string State, bool HasIncident, string TenantId, string? BusinessKey, IReadOnlyList<string> Tags);

/// <summary>A v2 search: the filter is read against the instance read model's declared fields; an unknown one is a 400.</summary>
public sealed record ProcessInstanceSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>/v2/process-instances: start, cancel, search, get.</summary>
internal static class ProcessInstancesApi
{
    public static IEndpointRouteBuilder MapProcessInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/process-instances").WithTags("Process instances");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Agent).Idempotent();
        group.MapPost("/{key}/cancellation", CancelAsync).RequireAuthorization(Policies.Operator);
        group.MapPost("/search", SearchAsync).RequireAuthorization(Policies.Cases);
        group.MapGet("/{key}", GetAsync).RequireAuthorization(Policies.Cases);
        return app;
    }

    private static async Task<Results<Ok<CreateProcessInstanceResponse>, ProblemHttpResult>> CreateAsync(
        CreateProcessInstanceRequest request, IProcessEngine engine, Processes.Engine.Deployment.ProcessDefinitions definitions, HttpContext http,
        TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        // Refused before any lookup, so a wrong tag is a 400 whatever else the request names (the engine checks again).
        var (tags, tagProblem) = InstanceTags.Normalize(request.Tags);
        if (tagProblem is not null)
        {
            return CamundaResults.BadRequest(tagProblem);
        }
        // A definition key names its tenant: without a tenantId the instance starts there (the key is checked below).
        var (tenant, tenantProblem) = request.ProcessDefinitionKey is not null && string.IsNullOrEmpty(request.TenantId)
            ? ((string?)null, (ProblemHttpResult?)null)
            : await tenantRequests.TargetAsync(http.User, request.TenantId, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        string? processId = request.ProcessDefinitionId;
        int? version = request.ProcessDefinitionVersion is null or -1 ? null : request.ProcessDefinitionVersion;
        if (request.ProcessDefinitionKey is { } keyText)
        {
            if (!CamundaResults.TryKey(keyText, out var definitionKey))
            {
                return CamundaResults.BadRequest($"processDefinitionKey '{keyText}' is not a key.");
            }
            var definition = await definitions.FindAsync(definitionKey, cancellationToken);
            if (definition is not null && (definition.IsDeleted || !http.User.Caller().InTenant(definition.TenantId)))
            {
                definition = null; // another tenant's definition, or a deleted one, does not exist for this caller
            }
            if (definition is not null && string.IsNullOrEmpty(request.TenantId))
            {
                tenant = definition.TenantId; // the key names the tenant; a tenantId given must agree with it
            }
            else if (definition is not null && definition.TenantId != tenant)
            {
                return CamundaResults.BadRequest($"processDefinitionKey {definitionKey} belongs to tenant '{definition.TenantId}', not to tenantId '{tenant}'.");
            }
            if (definition is null)
            {
                return CamundaResults.NotFound($"No process definition with key {definitionKey}.");
            }
            (processId, version) = (definition.BpmnProcessId, definition.Version);
        }
        if (string.IsNullOrWhiteSpace(processId))
        {
            return CamundaResults.BadRequest("Give processDefinitionId (with an optional processDefinitionVersion) or processDefinitionKey.");
        }
        var start = request.StartInstructions is { Count: > 0 } instructions ? instructions[0].ElementId : null;
        // The engine refuses values outside the start form's catalogues (a 422 naming each field), as for every start.
        var result = await engine.CreateInstanceAsync(processId, version, variables, request.BusinessKey, cancellationToken, start, tenant, tags);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        var created = result.Value!;
        return TypedResults.Ok(new CreateProcessInstanceResponse(created.BpmnProcessId, created.Version, created.TenantId,
            variables ?? [], CamundaResults.Key(created.ProcessDefinitionKey), CamundaResults.Key(created.ProcessInstanceKey), created.Tags));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(string key, IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        var result = await engine.CancelInstanceAsync(instanceKey, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<ProcessInstanceItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, InstanceQueries instances,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        var instance = await instances.FindAsync(user.Caller(), instanceKey, cancellationToken);
        return instance is null ? CamundaResults.NotFound($"Process instance {instanceKey} does not exist or is not visible to you.") : TypedResults.Ok(instance.Item());
    }

    private static async Task<Results<Ok<SearchResponse<ProcessInstanceItem>>, ProblemHttpResult>> SearchAsync(
        ProcessInstanceSearchRequest? request, ClaimsPrincipal user, InstanceQueries instances, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(InstanceQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => instances.SearchAsync(caller, query, cancellationToken), query, ReadItems.Item);
    }
}
