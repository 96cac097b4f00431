using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;

namespace Processes.Host.Camunda;

/// <summary>
/// A v2 search request (<c>{filter, page, sort}</c>) as an engine <see cref="Query"/>: the filter against the read
/// model's declared fields (an unknown one is a 400 naming it), the sort on declared fields, Camunda's paging
/// (<c>from</c>, or the opaque keyset cursors <c>after</c> / <c>before</c> of a previous page's <c>endCursor</c> / <c>startCursor</c>).
/// </summary>
internal static class CamundaSearch
{
    public static bool TryQuery<TRow>(ReadModel<TRow> model, JsonElement? filter, SearchPage? page, IReadOnlyList<SearchSort>? sort,
        out Query query, out ProblemHttpResult? problem, Query? defaults = null)
    {
        problem = null;
        query = new Query();
        try
        {
            query = JsonFilter.Read(model, filter, defaults);
            var sorts = new List<SortBy>();
            foreach (var (by, i) in (sort ?? []).Select((s, i) => (s, i)))
            {
                var order = (by.Order ?? "ASC").ToUpperInvariant() switch
                {
                    "ASC" => SortOrder.Asc,
                    "DESC" => SortOrder.Desc,
                    _ => throw new QueryException($"sort[{i}].order", $"sort[{i}].order '{by.Order}' is not ASC or DESC."),
                };
                model.Field(by.Field ?? "", $"sort[{i}].field");
                sorts.Add(new SortBy(by.Field!, order));
            }
            query = query with { Sort = sorts.Count > 0 ? sorts : query.Sort, Page = Page(page) };
            return true;
        }
        catch (QueryException e)
        {
            problem = CamundaResults.BadRequest(e.Message);
            return false;
        }
    }

    /// <summary>Camunda's page: <c>from</c> (an offset) or one opaque cursor, <c>after</c> or <c>before</c>, never two of them.</summary>
    private static PageRequest Page(SearchPage? page)
    {
        var limit = page?.Limit ?? PageRequest.DefaultLimit;
        if (limit is < 1 or > PageRequest.MaximumLimit)
        {
            throw new QueryException("page.limit", $"page.limit must be between 1 and {PageRequest.MaximumLimit}.");
        }
        if (page?.From is < 0)
        {
            throw new QueryException("page.from", "page.from must not be negative.");
        }
        if (new object?[] { page?.From, page?.After, page?.Before }.Count(v => v is not null) > 1)
        {
            throw new QueryException("page", "page takes one of from, after and before.");
        }
        return new PageRequest(limit, page?.From, page?.After, page?.Before);
    }

    /// <summary>Runs a search, turning a query the model refuses (a bad cursor, a sort it cannot do) into a 400.</summary>
    public static Task<Results<Ok<SearchResponse<TItem>>, ProblemHttpResult>> RespondAsync<TRow, TItem>(Func<Task<QueryPage<TRow>>> run, Query query,
        Func<TRow, TItem> item) =>
        RespondAsync(run, query, rows => Task.FromResult<IReadOnlyList<TItem>>([.. rows.Select(item)]));

    /// <summary>As above, for items that need one more read per page (element names from the models).</summary>
    public static async Task<Results<Ok<SearchResponse<TItem>>, ProblemHttpResult>> RespondAsync<TRow, TItem>(Func<Task<QueryPage<TRow>>> run, Query query,
        Func<IReadOnlyList<TRow>, Task<IReadOnlyList<TItem>>> items)
    {
        try
        {
            var page = await run();
            // A total is exact unless the query capped it (Query.TotalCap); then, as 8.8's hasMoreTotalItems says,
            // totalItems is a lower bound and more items match.
            return TypedResults.Ok(new SearchResponse<TItem>(await items(page.Items),
                new SearchPageResponse(page.Total ?? 0, page.StartCursor, page.EndCursor, HasMoreTotalItems: page.TotalCapped)));
        }
        catch (QueryException e)
        {
            return CamundaResults.BadRequest(e.Message);
        }
    }
}

/// <summary>The engine's read rows in Camunda 8.8's shapes: string keys, ISO dates, each row's tenant.</summary>
internal static class ReadItems
{
    public static UserTaskItem Item(this UserTaskRow r) => new(CamundaResults.Key(r.Key), r.Name, r.State, r.Assignee, r.ElementId, r.CandidateGroups,
        r.CandidateUsers, r.BpmnProcessId, CamundaResults.Iso((DateTime?)r.CreatedAt)!, CamundaResults.Iso(r.CompletedAt), CamundaResults.Iso(r.FollowUpDate),
        CamundaResults.Iso(r.DueDate), r.TenantId, CamundaResults.Key(r.LinkedFormKey), CamundaResults.Key(r.ElementInstanceKey), CamundaResults.Key(r.ProcessInstanceKey),
        CamundaResults.Key(r.ProcessDefinitionKey), r.Priority, JsonNode.Parse(r.CustomHeaders)?.AsObject() ?? [], r.Version,
        r.FormKey is { } formKey && !formKey.StartsWith("form:", StringComparison.Ordinal) && !formKey.StartsWith("camunda-forms:", StringComparison.Ordinal) ? formKey : null);

    // 8.8 requires a process definition name; a process without one is called by its id, as Camunda does.
    public static ProcessInstanceItem Item(this InstanceRow r) => new(CamundaResults.Key(r.Key), r.BpmnProcessId, r.Name ?? r.BpmnProcessId, r.Version, r.VersionTag,
        CamundaResults.Key(r.ProcessDefinitionKey), CamundaResults.Key(r.ParentProcessInstanceKey), CamundaResults.Key(r.ParentElementInstanceKey),
        CamundaResults.Iso((DateTime?)r.StartedAt)!, CamundaResults.Iso(r.EndedAt), r.State, r.HasIncident, r.TenantId, r.BusinessKey, r.Tags);

    public static IncidentItem Item(this IncidentRow r) => new(CamundaResults.Key(r.Key), r.BpmnProcessId, CamundaResults.Key(r.ProcessDefinitionKey),
        CamundaResults.Key(r.ProcessInstanceKey), r.ElementId, CamundaResults.Key(r.ElementInstanceKey), r.ErrorType, r.ErrorMessage, CamundaResults.Key(r.JobKey),
        r.State, CamundaResults.Iso((DateTime?)r.CreatedAt)!, r.TenantId);

    public static ProcessDefinitionItem Item(this ProcessDefinitionRow r) => new(CamundaResults.Key(r.Key), r.BpmnProcessId, r.Name, r.Version, r.VersionTag,
        r.ResourceName, r.TenantId, r.StartFormId is not null);

    public static string Text(long key) => key.ToString(CultureInfo.InvariantCulture);
}
