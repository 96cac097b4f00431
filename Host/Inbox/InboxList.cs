using System.Globalization;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Inbox;

/// <summary>What GET /api/tasks was asked for: the view, the search text, the filters and the order, as the query string says.</summary>
internal sealed record InboxListRequest(string? View, string? Q, string? Process, string? Group, string? Priority, string? Due, string? Sort,
    string? Order);

/// <summary>
/// The inbox's views and filters as one query of the engine's user-task read model (so visibility, keyset paging
/// and the indexes stay the engine's): views mine, group, unassigned, due-soon, breached, completed (my completed
/// tasks) and team (open tasks held by members of a supervisor's groups); search text; filters by process, group,
/// minimum priority and due (overdue, today, none); sort by priority, due, created or completed.
/// </summary>
internal static class InboxList
{
    public static readonly string[] Views = ["mine", "group", "unassigned", "due-soon", "breached", "completed", "team"];

    private static readonly TimeSpan DueSoon = TimeSpan.FromHours(4);

    private static readonly Dictionary<string, string> SortFields = new(StringComparer.Ordinal)
    {
        ["priority"] = "priority",
        ["due"] = "dueDate",
        ["created"] = "creationDate",
        ["completed"] = "completionDate",
    };

    /// <summary>The query for the request; each bad parameter adds an error naming it. <paramref name="team"/>: the members, for the team view.</summary>
    public static Query Build(InboxListRequest request, Caller caller, IReadOnlyList<string> team, DateTime now, Dictionary<string, string[]> errors)
    {
        var view = request.View ?? "mine";
        var query = Query.Where(new FieldCondition("state", FilterOperator.Eq, view == "completed" ? "COMPLETED" : "CREATED"));
        query = view switch
        {
            "mine" or "completed" => query.And(new FieldCondition("assignee", FilterOperator.Eq, caller.UserName)),
            "group" => query.And(new FieldCondition("candidateGroup", FilterOperator.In, caller.Groups)),
            "unassigned" => query.And(new FieldCondition("assignee", FilterOperator.Exists, false)),
            "due-soon" => query.And(new FieldCondition("dueDate", FilterOperator.Gt, now)).And(new FieldCondition("dueDate", FilterOperator.Lte, now + DueSoon)),
            "breached" => query.And(new FieldCondition("dueDate", FilterOperator.Lte, now)),
            "team" => query.And(new FieldCondition("assignee", FilterOperator.In, team)),
            _ => query,
        };
        if (!Views.Contains(view))
        {
            errors["view"] = [$"Use one of: {string.Join(", ", Views)}."];
        }
        if (!string.IsNullOrWhiteSpace(request.Q))
        {
            if (request.Q.Length > 200)
            {
                errors["q"] = ["Search for at most 200 characters."];
            }
            // Every word must occur somewhere (title, name, process, business key, key), in any case.
            foreach (var word in request.Q.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8))
            {
                query = query.And(new FieldCondition("text", FilterOperator.Like, "*" + word.Replace("*", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal) + "*"));
            }
        }
        if (!string.IsNullOrWhiteSpace(request.Process))
        {
            query = query.And(new FieldCondition("processDefinitionId", FilterOperator.Eq, request.Process.Trim()));
        }
        if (!string.IsNullOrWhiteSpace(request.Group))
        {
            query = query.And(new FieldCondition("candidateGroup", FilterOperator.Eq, request.Group.Trim()));
        }
        if (!string.IsNullOrWhiteSpace(request.Priority))
        {
            if (int.TryParse(request.Priority, NumberStyles.None, CultureInfo.InvariantCulture, out var priority) && priority <= 100)
            {
                query = query.And(new FieldCondition("priority", FilterOperator.Gte, (long)priority));
            }
            else
            {
                errors["priority"] = ["The minimum priority is a whole number from 0 to 100."];
            }
        }
        switch (request.Due)
        {
            case null or "":
                break;
            case "overdue":
                query = query.And(new FieldCondition("dueDate", FilterOperator.Lte, now));
                break;
            case "today":
                query = query.And(new FieldCondition("dueDate", FilterOperator.Lt, now.Date.AddDays(1)));
                break;
            case "none":
                query = query.And(new FieldCondition("dueDate", FilterOperator.Exists, false));
                break;
            default:
                errors["due"] = ["Use one of: overdue, today, none."];
                break;
        }
        var sortField = request.Sort is null or "" ? view == "completed" ? "completed" : "priority" : request.Sort;
        if (!SortFields.TryGetValue(sortField, out var field))
        {
            errors["sort"] = [$"Sort by one of: {string.Join(", ", SortFields.Keys)}."];
            field = "priority";
        }
        var order = request.Order switch
        {
            null or "" => sortField is "priority" or "completed" ? SortOrder.Desc : SortOrder.Asc,
            "asc" => SortOrder.Asc,
            "desc" => SortOrder.Desc,
            _ => (SortOrder?)null,
        };
        if (order is null)
        {
            errors["order"] = ["Use asc or desc."];
        }
        // The key breaks ties (the read model appends it), so the keyset cursor pages stably while tasks come and go.
        // By priority, the earliest due comes first within a priority: the read model's default order, which an index
        // serves (migration 0061), so a page of a large queue is read in order instead of sorting every open task.
        // No total: the page shows none, and counting a queue of a hundred thousand tasks would cost more than the page.
        SortBy[] sort = field == "priority"
            ? [new SortBy(field, order ?? SortOrder.Desc), new SortBy("dueDate", order == SortOrder.Asc ? SortOrder.Desc : SortOrder.Asc)]
            : [new SortBy(field, order ?? SortOrder.Desc)];
        return query with { Sort = sort, CountTotal = false };
    }
}
