using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

/// <summary>Camunda's VariableResult (get by key): the whole value, as JSON text.</summary>
public sealed record VariableResultItem(string Name, string Value, string TenantId, string VariableKey, string ScopeKey, string ProcessInstanceKey);

/// <summary>A v2 search: the filter is read against the variable read model's declared fields; an unknown one is a 400.</summary>
public sealed record VariableSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>
/// /v2/variables: search and get by key over the instances the caller may see, values masked for callers whose role
/// does not need them (the engine's read model does both). A search item's value is cut at 8 KiB and marked
/// <c>isTruncated</c>, as in Camunda; get by key answers the whole value.
/// </summary>
internal static class VariablesApi
{
    private const int MaxValueChars = 8192;

    public static IEndpointRouteBuilder MapVariablesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/variables").WithTags("Variables").RequireAuthorization(Policies.Agent);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<VariableItem>>, ProblemHttpResult>> SearchAsync(VariableSearchRequest? request, ClaimsPrincipal user,
        VariableQueries variables, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(VariableQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => variables.SearchAsync(caller, query, cancellationToken), query, r =>
        {
            var truncated = r.Value.Length > MaxValueChars;
            return new VariableItem(r.Name, truncated ? r.Value[..MaxValueChars] : r.Value, truncated, r.TenantId, CamundaResults.Key(r.Key),
                CamundaResults.Key(r.ScopeKey), CamundaResults.Key(r.ProcessInstanceKey));
        });
    }

    private static async Task<Results<Ok<VariableResultItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, VariableQueries variables,
        CancellationToken cancellationToken)
    {
        var row = CamundaResults.TryKey(key, out var variableKey) ? await variables.FindAsync(user.Caller(), variableKey, cancellationToken) : null;
        return row is null
            ? CamundaResults.NotFound($"Variable {key} does not exist or is not visible to you.")
            : TypedResults.Ok(new VariableResultItem(row.Name, row.Value, row.TenantId, CamundaResults.Key(row.Key), CamundaResults.Key(row.ScopeKey),
                CamundaResults.Key(row.ProcessInstanceKey)));
    }
}
