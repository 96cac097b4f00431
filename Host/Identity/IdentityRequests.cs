using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Host.Camunda;

namespace Processes.Host.Identity;

/// <summary>
/// A search of a group's or a role's members: Camunda's spec gives it a page and a sort on <c>username</c>, no filter;
/// the filter is read only to refuse it, since a filter silently ignored would answer every member.
/// </summary>
public sealed record CamundaMemberSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>The answers the v2 identity endpoints share, in Camunda's problem shape (400 naming the field, 404, 409).</summary>
internal static class IdentityRequests
{
    public static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        CamundaResults.BadRequest(string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));

    public static ProblemHttpResult AlreadyExists(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "ALREADY_EXISTS", detail: detail);

    public static ProblemHttpResult NoUser(string username) => CamundaResults.NotFound($"No user '{username}' exists.");

    public static ProblemHttpResult NoGroup(string groupId) => CamundaResults.NotFound($"No group '{groupId}' exists.");

    public static ProblemHttpResult LastAdmin(string username) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "INVALID_STATE",
        detail: $"This change to '{username}' would leave no enabled user with the admin role; nobody could administer the server.");

    /// <summary>The members of one group or role (<paramref name="owner"/> is the model's field for it), in Camunda's page shape.</summary>
    public static async Task<Results<Ok<SearchResponse<TItem>>, ProblemHttpResult>> MembersAsync<TItem>(ReadModel<MemberSearchRow> model, string owner, string ownerValue,
        CamundaMemberSearchRequest? request, Func<MemberSearchRow, TItem> item, Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (request?.Filter is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            return CamundaResults.BadRequest("filter: a search of members takes no filter (only page and sort on username).");
        }
        if (request?.Sort?.FirstOrDefault(s => s.Field != "username") is { } wrong)
        {
            return CamundaResults.BadRequest($"sort.field: '{wrong.Field}' is not a sort field of members (username).");
        }
        if (!CamundaSearch.TryQuery(model, null, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        query = query.And(new FieldCondition(owner, FilterOperator.Eq, ownerValue));
        return await CamundaSearch.RespondAsync(() => OwnedTableSearch.RunAsync(dataSource, model, query, cancellationToken), query, item);
    }
}
