using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Processes.Engine.Queries;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Instances;

public sealed record ActiveElement(string ElementInstanceKey, string ElementId, string State, bool IsMultiInstanceBody, string? IncidentKey, DateTimeOffset ActivatedAt);

/// <summary>
/// One case: the instance, its live elements, variables and incidents; the user tasks of the instance and of every
/// instance it called (a demand's work tickets run in called instances), and those called instances.
/// </summary>
/// <remarks><see cref="Title"/> is what people call the case (<see cref="CaseTitles"/>), null when the model names none and it has no business key.</remarks>
public sealed record InstanceView(ProcessInstanceItem Instance, string? Title, IReadOnlyList<ActiveElement> ActiveElements, JsonObject Variables,
    IReadOnlyList<IncidentItem> Incidents, IReadOnlyList<UserTaskItem> Tasks, IReadOnlyList<CalledInstance> CalledInstances);

/// <remarks><see cref="ParentElementInstanceKey"/>: the call activity's instance in the parent, so a page marks that element with the called one's state.</remarks>
public sealed record CalledInstance(string ProcessInstanceKey, string ProcessDefinitionId, int Version, string ParentProcessInstanceKey,
    string? ParentElementInstanceKey, string State, DateTimeOffset StartDate, DateTimeOffset? EndDate);

public sealed record HistoryEntry(long Id, string? ElementInstanceKey, string? ElementId, string? ElementType, string Event, JsonNode? Details, DateTimeOffset At,
    string ProcessInstanceKey);

/// <summary>
/// /api/instances: what Camunda's API lacks for the case view — one instance with its live elements, variables,
/// incidents and tasks, and its audit trail (every element, variable, task and incident event; <c>?event=</c> picks one kind), cursor-paged; with
/// <c>?include=called</c> the trail of the instances it called too, in the order things happened. Both are the
/// engine's case read model: a case the caller may not see is a 404, sensitive variables come masked.
/// </summary>
internal static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/instances").WithTags("Instances").RequireAuthorization(Policies.Cases);
        group.MapGet("/{key}", GetAsync);
        group.MapGet("/{key}/history", HistoryAsync);
        app.MapCaseActionsApi();
        app.MapCaseEditsApi();
        app.MapSlaClockApi();
        return app;
    }

    private static async Task<Results<Ok<InstanceView>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, CaseQueries cases, CaseTitles titles,
        CancellationToken cancellationToken)
    {
        var view = CamundaResults.TryKey(key, out var instanceKey) ? await cases.CaseAsync(user.Caller(), instanceKey, cancellationToken) : null;
        if (view is null)
        {
            return Problems.NotFound("process instance", key);
        }
        return TypedResults.Ok(new InstanceView(
            view.Instance.Item(),
            await titles.TitleAsync(view, cancellationToken),
            [.. view.Elements.Select(e => new ActiveElement(CamundaResults.Key(e.Key), e.ElementId, e.State, e.IsMultiInstanceBody, CamundaResults.Key(e.IncidentKey), Utc(e.ActivatedAt)))],
            view.Variables,
            [.. view.Incidents.Select(ReadItems.Item)],
            [.. view.Tasks.Select(ReadItems.Item)],
            [.. view.Called.Select(c => new CalledInstance(CamundaResults.Key(c.Key), c.BpmnProcessId, c.Version, CamundaResults.Key(c.ParentProcessInstanceKey) ?? "",
                CamundaResults.Key(c.ParentElementInstanceKey), c.State, Utc(c.StartedAt), c.EndedAt is { } ended ? Utc(ended) : null))]));
    }

    private static async Task<Results<Ok<Page<HistoryEntry>>, ProblemHttpResult>> HistoryAsync(string key, string? after, string? limit, string? include,
        string? @event, ClaimsPrincipal user, CaseQueries cases, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (_, size) = Paging.Read(null, limit, errors);
        var withCalled = include switch
        {
            null or "" => false,
            "called" => true,
            _ => AddError(errors, "include", $"'{include}' is not known: 'called' adds the history of the instances it called."),
        };
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var filter = string.IsNullOrEmpty(@event) ? null : Query.Where(new FieldCondition("event", FilterOperator.Eq, @event));
        QueryPage<HistoryRow>? rows;
        try
        {
            rows = CamundaResults.TryKey(key, out var instanceKey)
                ? await cases.HistoryAsync(user.Caller(), instanceKey, withCalled, new PageRequest(size, After: string.IsNullOrEmpty(after) ? null : after), filter,
                    cancellationToken)
                : null;
        }
        catch (QueryException)
        {
            return Problems.Invalid("after", "Not a cursor returned by this list (nextCursor).");
        }
        if (rows is null)
        {
            return Problems.NotFound("process instance", key);
        }
        var page = rows.Items.Select(r => new HistoryEntry(r.Id, CamundaResults.Key(r.ElementInstanceKey), r.ElementId, r.ElementType, r.Event,
            r.Details, Utc(r.At), CamundaResults.Key(r.ProcessInstanceKey))).ToList();
        return TypedResults.Ok(new Page<HistoryEntry>(page, rows.HasMore ? rows.EndCursor : null));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static bool AddError(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return false;
    }
}
