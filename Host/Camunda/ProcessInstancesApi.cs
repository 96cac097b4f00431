using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Host.Idempotency;

namespace Processes.Host.Camunda;

/// <summary>Start request; <c>businessKey</c> is our extension (unique per process id).</summary>
public sealed record CreateProcessInstanceRequest(
    string? ProcessDefinitionId,
    int? ProcessDefinitionVersion,
    string? ProcessDefinitionKey,
    JsonElement? Variables,
    string? BusinessKey,
    IReadOnlyList<StartInstruction>? StartInstructions,
    string? TenantId);

public sealed record StartInstruction(string ElementId);

public sealed record CreateProcessInstanceResponse(
    string ProcessDefinitionId, int ProcessDefinitionVersion, string TenantId, JsonObject Variables, string ProcessDefinitionKey, string ProcessInstanceKey)
{
    /// <summary>Camunda's instance tags; Processes has none (the business key is its way to label an instance).</summary>
    public IReadOnlyList<string> Tags => [];
}

public sealed record ProcessInstanceItem(
    string ProcessInstanceKey, string ProcessDefinitionId, string? ProcessDefinitionName, int ProcessDefinitionVersion, string? ProcessDefinitionVersionTag,
    string ProcessDefinitionKey, string? ParentProcessInstanceKey, string? ParentElementInstanceKey, string StartDate, string? EndDate,
    string State, bool HasIncident, string TenantId, string? BusinessKey);

public sealed record ProcessInstanceFilter(string? ProcessDefinitionId, string? ProcessDefinitionKey, string? State, string? ParentProcessInstanceKey, string? BusinessKey, bool? HasIncident);

public sealed record ProcessInstanceSearchRequest(ProcessInstanceFilter? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>/v2/process-instances: start, cancel, search, get.</summary>
internal static class ProcessInstancesApi
{
    public static IEndpointRouteBuilder MapProcessInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/process-instances").WithTags("Process instances");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Agent).Idempotent();
        group.MapPost("/{key}/cancellation", CancelAsync).RequireAuthorization(Policies.Operator);
        group.MapPost("/search", SearchAsync).RequireAuthorization(Policies.Agent);
        group.MapGet("/{key}", GetAsync).RequireAuthorization(Policies.Agent);
        return app;
    }

    private static async Task<Results<Ok<CreateProcessInstanceResponse>, ProblemHttpResult>> CreateAsync(
        CreateProcessInstanceRequest request, ProcessEngine engine, Processes.Engine.Deployment.ProcessDefinitions definitions, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
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
        var result = await engine.CreateInstanceAsync(processId, version, variables, request.BusinessKey, cancellationToken, start);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        var created = result.Value!;
        return TypedResults.Ok(new CreateProcessInstanceResponse(created.BpmnProcessId, created.Version, CamundaResults.DefaultTenant,
            variables ?? [], CamundaResults.Key(created.ProcessDefinitionKey), CamundaResults.Key(created.ProcessInstanceKey)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(string key, ProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        var result = await engine.CancelInstanceAsync(instanceKey, cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<ProcessInstanceItem>, ProblemHttpResult>> GetAsync(string key, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process instance key.");
        }
        var (items, _) = await QueryAsync(dataSource, "WHERE i.key = @instanceKey", new { instanceKey }, 0, 1, cancellationToken);
        return items.Count == 0 ? CamundaResults.NotFound($"Process instance {instanceKey} does not exist.") : TypedResults.Ok(items[0]);
    }

    private static async Task<Results<Ok<SearchResponse<ProcessInstanceItem>>, ProblemHttpResult>> SearchAsync(
        ProcessInstanceSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var filter = request?.Filter;
        long? definitionKey = null;
        if (filter?.ProcessDefinitionKey is { } definitionKeyText)
        {
            if (!CamundaResults.TryKey(definitionKeyText, out var parsed))
            {
                return CamundaResults.BadRequest($"filter.processDefinitionKey '{definitionKeyText}' is not a key.");
            }
            definitionKey = parsed;
        }
        string? state = null;
        if (filter?.State is { } requested)
        {
            state = requested.ToUpperInvariant() switch { "ACTIVE" => "ACTIVE", "COMPLETED" => "COMPLETED", "TERMINATED" or "CANCELED" => "TERMINATED", _ => null };
            if (state is null)
            {
                return CamundaResults.BadRequest($"filter.state '{requested}' is not one of ACTIVE, COMPLETED, TERMINATED.");
            }
        }
        long? parent = filter?.ParentProcessInstanceKey is { } parentText && CamundaResults.TryKey(parentText, out var parentKey) ? parentKey : null;
        var where = new SqlFilter()
            .When(filter?.ProcessDefinitionId, "i.bpmn_process_id = @id", "id")
            .When(definitionKey, "i.process_definition_key = @definitionKey", "definitionKey")
            .When(state, "i.state = @state", "state")
            .When(parent, "i.parent_process_instance_key = @parent", "parent")
            .When(filter?.BusinessKey, "i.business_key = @businessKey", "businessKey")
            .When(filter?.HasIncident, "i.has_incident = @hasIncident", "hasIncident");
        var (offset, limit) = SearchPaging.Read(request?.Page);
        var (items, total) = await QueryAsync(dataSource, where.Where, where.Parameters, offset, limit, cancellationToken);
        return TypedResults.Ok(SearchPaging.Respond(items, total, offset));
    }

    private static async Task<(IReadOnlyList<ProcessInstanceItem> Items, long Total)> QueryAsync(NpgsqlDataSource dataSource, string where, object parameters,
        int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM process_instance i {where}", parameters, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT i.key, i.bpmn_process_id, d.name, i.process_version, d.version_tag, i.process_definition_key, i.parent_process_instance_key,
                   i.parent_element_instance_key, i.started_at, i.ended_at, i.state, i.has_incident, i.business_key
            FROM process_instance i LEFT JOIN process_definition d ON d.process_definition_key = i.process_definition_key
            {where}
            ORDER BY i.key
            OFFSET {offset} LIMIT {limit}
            """, parameters, cancellationToken: cancellationToken));
        return ([.. rows.Select(r => r.ToItem())], total);
    }

#pragma warning disable IDE1006, CA1707
    private sealed record Row(long key, string bpmn_process_id, string? name, int process_version, string? version_tag, long process_definition_key,
        long? parent_process_instance_key, long? parent_element_instance_key, DateTime started_at, DateTime? ended_at, string state, bool has_incident, string? business_key)
    {
        public ProcessInstanceItem ToItem() => new(CamundaResults.Key(key), bpmn_process_id, name, process_version, version_tag,
            CamundaResults.Key(process_definition_key), CamundaResults.Key(parent_process_instance_key), CamundaResults.Key(parent_element_instance_key),
            CamundaResults.Iso((DateTime?)started_at)!, CamundaResults.Iso(ended_at), state, has_incident, CamundaResults.DefaultTenant, business_key);
    }
#pragma warning restore IDE1006, CA1707
}
