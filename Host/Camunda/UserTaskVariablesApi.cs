using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record UserTaskVariableFilter(string? Name);

public sealed record UserTaskVariableSearchRequest(UserTaskVariableFilter? Filter, SearchPage? Page);

/// <summary>A variable as Camunda's v2 API returns it: the value is JSON text.</summary>
public sealed record VariableItem(string Name, string Value, bool IsTruncated, string TenantId, string VariableKey, string ScopeKey, string ProcessInstanceKey);

/// <summary>
/// <c>POST /v2/user-tasks/{key}/variables/search</c>: what the task's form shows — the variables visible at the task,
/// its own scope first, then each enclosing scope up to the instance (an inner one hides an outer one of the same
/// name). A reviewer of one network's settlement sees that network, the multi-instance element of their task.
/// Visibility follows the task: someone who may not see the task gets 404.
/// </summary>
internal static class UserTaskVariablesApi
{
    /// <summary>Longest value returned whole; longer ones are cut and marked <c>isTruncated</c>, as Camunda does.</summary>
    private const int MaxValueChars = 8192;

    public static RouteGroupBuilder MapUserTaskVariables(this RouteGroupBuilder group)
    {
        group.MapPost("/{key}/variables/search", SearchAsync);
        return group;
    }

    private static async Task<Results<Ok<SearchResponse<VariableItem>>, ProblemHttpResult>> SearchAsync(string key, UserTaskVariableSearchRequest? request,
        ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await UserTasksApi.FindVisibleAsync(key, user, dataSource, cancellationToken) is not { } task)
        {
            return Problems.NotFound("user task", key);
        }
        var elementInstanceKey = long.Parse(task.ElementInstanceKey, System.Globalization.CultureInfo.InvariantCulture);
        var processInstanceKey = long.Parse(task.ProcessInstanceKey, System.Globalization.CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The scopes from the task's element up its flow scopes; a completed task's element is gone, leaving the instance.
        var rows = (await connection.QueryAsync<(long Scope, string Name, string? Value, int Depth)>(new CommandDefinition("""
            WITH RECURSIVE scopes AS (
                SELECT key, flow_scope_key, 0 AS depth FROM element_instance WHERE key = @elementInstanceKey
                UNION ALL
                SELECT e.key, e.flow_scope_key, s.depth + 1 FROM element_instance e JOIN scopes s ON e.key = s.flow_scope_key),
            visible AS (
                SELECT key, depth FROM scopes
                UNION ALL SELECT @processInstanceKey, 1000000)
            SELECT DISTINCT ON (v.name) v.scope_key, v.name, v.value::text, s.depth
            FROM variable v JOIN visible s ON v.scope_key = s.key
            WHERE v.process_instance_key = @processInstanceKey AND (@name::text IS NULL OR v.name = @name)
            ORDER BY v.name, s.depth
            """, new { elementInstanceKey, processInstanceKey, name = request?.Filter?.Name }, cancellationToken: cancellationToken))).ToList();
        var (offset, limit) = SearchPaging.Read(request?.Page);
        var items = rows.Skip(offset).Take(limit).Select(r =>
        {
            var value = r.Value ?? "null";
            var truncated = value.Length > MaxValueChars;
            return new VariableItem(r.Name, truncated ? value[..MaxValueChars] : value, truncated, CamundaResults.DefaultTenant,
                $"{CamundaResults.Key(r.Scope)}-{r.Name}", CamundaResults.Key(r.Scope), task.ProcessInstanceKey);
        }).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, rows.Count, offset));
    }
}
