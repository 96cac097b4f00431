using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;

namespace Processes.Host.Camunda;

/// <summary>
/// A v2 search request (<c>{filter, page, sort}</c>) as an engine <see cref="Query"/>: the filter against the read
/// model's declared fields (an unknown one is a 400 naming it), the sort on declared fields, Camunda's offset paging
/// (<c>from</c>, or <c>after</c> holding the offset, as this API has always answered).
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
            var (offset, limit) = SearchPaging.Read(page);
            query = query with { Sort = sorts.Count > 0 ? sorts : query.Sort, Page = new PageRequest(limit, offset) };
            return true;
        }
        catch (QueryException e)
        {
            problem = CamundaResults.BadRequest(e.Message);
            return false;
        }
    }

    /// <summary>Runs a search, turning a query the model refuses (a bad cursor, a sort it cannot do) into a 400.</summary>
    public static async Task<Results<Ok<SearchResponse<TItem>>, ProblemHttpResult>> RespondAsync<TRow, TItem>(Func<Task<QueryPage<TRow>>> run, Query query,
        Func<TRow, TItem> item)
    {
        try
        {
            var page = await run();
            return TypedResults.Ok(SearchPaging.Respond([.. page.Items.Select(item)], page.Total ?? 0, query.Page.Offset ?? 0));
        }
        catch (QueryException e)
        {
            return CamundaResults.BadRequest(e.Message);
        }
    }
}

/// <summary>The engine's read rows in Camunda 8.8's shapes: string keys, ISO dates, the default tenant.</summary>
internal static class ReadItems
{
    public static UserTaskItem Item(this UserTaskRow r) => new(CamundaResults.Key(r.Key), r.Name, r.State, r.Assignee, r.ElementId, r.CandidateGroups,
        r.CandidateUsers, r.BpmnProcessId, CamundaResults.Iso((DateTime?)r.CreatedAt)!, CamundaResults.Iso(r.CompletedAt), CamundaResults.Iso(r.FollowUpDate),
        CamundaResults.Iso(r.DueDate), CamundaResults.DefaultTenant, r.FormKey, CamundaResults.Key(r.ElementInstanceKey), CamundaResults.Key(r.ProcessInstanceKey),
        CamundaResults.Key(r.ProcessDefinitionKey), r.Priority, JsonNode.Parse(r.CustomHeaders)?.AsObject() ?? [], r.Version);

    public static ProcessInstanceItem Item(this InstanceRow r) => new(CamundaResults.Key(r.Key), r.BpmnProcessId, r.Name, r.Version, r.VersionTag,
        CamundaResults.Key(r.ProcessDefinitionKey), CamundaResults.Key(r.ParentProcessInstanceKey), CamundaResults.Key(r.ParentElementInstanceKey),
        CamundaResults.Iso((DateTime?)r.StartedAt)!, CamundaResults.Iso(r.EndedAt), r.State, r.HasIncident, CamundaResults.DefaultTenant, r.BusinessKey);

    public static IncidentItem Item(this IncidentRow r) => new(CamundaResults.Key(r.Key), r.BpmnProcessId, CamundaResults.Key(r.ProcessDefinitionKey),
        CamundaResults.Key(r.ProcessInstanceKey), r.ElementId, CamundaResults.Key(r.ElementInstanceKey), r.ErrorType, r.ErrorMessage, CamundaResults.Key(r.JobKey),
        r.State, CamundaResults.Iso((DateTime?)r.CreatedAt)!, CamundaResults.DefaultTenant);

    public static string Text(long key) => key.ToString(CultureInfo.InvariantCulture);
}
