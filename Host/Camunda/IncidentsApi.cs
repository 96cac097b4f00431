using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Execution;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record IncidentItem(
    string IncidentKey, string ProcessDefinitionId, string ProcessDefinitionKey, string ProcessInstanceKey, string ElementId, string ElementInstanceKey,
    string ErrorType, string ErrorMessage, string? JobKey, string State, string CreationTime, string TenantId);

public sealed record IncidentFilter(string? ProcessInstanceKey, string? State, string? ErrorType, string? ProcessDefinitionId);

public sealed record IncidentSearchRequest(IncidentFilter? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

public sealed record SetVariablesRequest(JsonElement? Variables, bool? Local);

/// <summary>/v2/incidents (search, resolve) and /v2/element-instances/{key}/variables: what operators fix failures with.</summary>
internal static class IncidentsApi
{
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/incidents").WithTags("Incidents").RequireAuthorization(Policies.Operator);
        group.MapPost("/search", SearchAsync);
        group.MapPost("/{key}/resolution", ResolveAsync);
        app.MapPut("/v2/element-instances/{key}/variables", SetVariablesAsync).RequireAuthorization(Policies.Operator).WithTags("Element instances");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<IncidentItem>>, ProblemHttpResult>> SearchAsync(IncidentSearchRequest? request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var filter = request?.Filter;
        long? instanceKey = null;
        if (filter?.ProcessInstanceKey is { } instanceText)
        {
            if (!CamundaResults.TryKey(instanceText, out var parsed))
            {
                return CamundaResults.BadRequest($"filter.processInstanceKey '{instanceText}' is not a key.");
            }
            instanceKey = parsed;
        }
        var where = new SqlFilter()
            .When(instanceKey, "process_instance_key = @instanceKey", "instanceKey")
            .When(filter?.State?.ToUpperInvariant(), "state = @state", "state")
            .When(filter?.ErrorType, "error_type = @errorType", "errorType")
            .When(filter?.ProcessDefinitionId, "bpmn_process_id = @processId", "processId");
        var (clause, parameters) = (where.Where, where.Parameters);
        var (offset, limit) = SearchPaging.Read(request?.Page);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM incident {clause}", parameters, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT key, bpmn_process_id, process_definition_key, process_instance_key, element_id, element_instance_key, error_type, error_message, job_key, state, created_at
            FROM incident {clause} ORDER BY key OFFSET {offset} LIMIT {limit}
            """, parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(SearchPaging.Respond([.. rows.Select(r => r.ToItem())], total, offset));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResolveAsync(string key, HttpContext http, ProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var incidentKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not an incident key.");
        }
        var result = await engine.ResolveIncidentAsync(incidentKey, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "incident.resolved", "incident", key), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetVariablesAsync(string key, SetVariablesRequest request, HttpContext http, ProcessEngine engine,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var elementInstanceKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not an element instance key.");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        if (variables is null || variables.Count == 0)
        {
            return CamundaResults.BadRequest("variables must name at least one variable.");
        }
        var result = await engine.SetVariablesAsync(elementInstanceKey, variables, request.Local ?? false, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "variables.set", "elementInstance", key, new { names = variables.Select(v => v.Key).ToArray(), local = request.Local ?? false }), cancellationToken);
        return TypedResults.NoContent();
    }

#pragma warning disable IDE1006, CA1707
    private sealed record Row(long key, string bpmn_process_id, long process_definition_key, long process_instance_key, string element_id, long element_instance_key,
        string error_type, string error_message, long? job_key, string state, DateTime created_at)
    {
        public IncidentItem ToItem() => new(CamundaResults.Key(key), bpmn_process_id, CamundaResults.Key(process_definition_key), CamundaResults.Key(process_instance_key),
            element_id, CamundaResults.Key(element_instance_key), error_type, error_message, CamundaResults.Key(job_key), state,
            CamundaResults.Iso((DateTime?)created_at)!, CamundaResults.DefaultTenant);
    }
#pragma warning restore IDE1006, CA1707
}
