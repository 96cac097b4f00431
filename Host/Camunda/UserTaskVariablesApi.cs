using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

/// <summary>The filter is read here (only <c>name</c>, a plain value or a filter object), so a wrongly typed one is a 400 naming it.</summary>
public sealed record UserTaskVariableSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>A variable as Camunda's v2 API returns it: the value is JSON text.</summary>
public sealed record VariableItem(string Name, string Value, bool IsTruncated, string TenantId, string VariableKey, string ScopeKey, string ProcessInstanceKey);

/// <summary>
/// <c>POST /v2/user-tasks/{key}/variables/search</c>: what the task's form shows — the variables visible at the task,
/// its own scope first, then each enclosing scope up to the instance (an inner one hides an outer one of the same
/// name). Visibility follows the task: someone who may not see the task gets 404; sensitive values come masked for
/// callers whose role does not need them (the engine's read model does both).
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
        ClaimsPrincipal user, UserTaskQueries tasks, CancellationToken cancellationToken)
    {
        if (!UserTaskVariableFilters.TryRead(request?.Filter, request?.Sort, out var matches, out var order, out var problem))
        {
            return problem!;
        }
        var visible = CamundaResults.TryKey(key, out var taskKey) ? await tasks.FormVariablesAsync(user.Caller(), taskKey, null, cancellationToken) : null;
        if (visible is null)
        {
            return Problems.NotFound("user task", key);
        }
        var rows = order(visible.Where(matches)).ToList();
        if (SearchPaging.Read(request?.Page) is not { } paging)
        {
            return CamundaResults.BadRequest("page.after / page.before is not a cursor this search issued.");
        }
        var (offset, limit) = paging;
        var items = rows.Skip(offset).Take(limit).Select(r =>
        {
            var truncated = r.Value.Length > MaxValueChars;
            return new VariableItem(r.Name, truncated ? r.Value[..MaxValueChars] : r.Value, truncated, r.TenantId,
                CamundaResults.Key(r.Key), CamundaResults.Key(r.ScopeKey), CamundaResults.Key(r.ProcessInstanceKey));
        }).ToList();
        return TypedResults.Ok(SearchPaging.Respond(items, rows.Count, offset));
    }
}
