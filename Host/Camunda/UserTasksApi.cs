using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Activities.Catalogues;
using Processes.Host.Audit;
using Processes.Host.Catalogues;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record UserTaskItem(
    string UserTaskKey, string? Name, string State, string? Assignee, string ElementId, IReadOnlyList<string> CandidateGroups, IReadOnlyList<string> CandidateUsers,
    string ProcessDefinitionId, string CreationDate, string? CompletionDate, string? FollowUpDate, string? DueDate, string TenantId, string? FormKey,
    string ElementInstanceKey, string ProcessInstanceKey, string ProcessDefinitionKey, int Priority, JsonObject CustomHeaders, int Version,
    string? ExternalFormReference = null);

/// <summary>A v2 search: the filter is read against the user-task read model's declared fields (Camunda 8.8's names); an unknown one is a 400.</summary>
public sealed record UserTaskSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>Camunda's user task form: the linked form's latest version, its form-js schema as JSON text; <c>formKey</c> is the form's int64 key.</summary>
public sealed record UserTaskFormResponse(string FormKey, string FormId, int Version, string Schema, string TenantId);

public sealed record UserTaskAssignmentRequest(string? Assignee, bool? AllowOverride, string? Action, string? Reason);

public sealed record UserTaskCompletionRequest(JsonElement? Variables, string? Action);

/// <summary>Camunda's PATCH body: the fields to change.</summary>
public sealed record UserTaskChangeset(int? Priority, DateTimeOffset? DueDate, DateTimeOffset? FollowUpDate, IReadOnlyList<string>? CandidateGroups);

public sealed record UserTaskUpdateRequest(UserTaskChangeset? Changeset, string? Action);

/// <summary>
/// /v2/user-tasks with the product's single-direction assignment: only the assignee completes a task; candidates
/// claim unassigned tasks of their groups; supervisors (and the assignee) reassign. What a caller sees is the
/// engine's visibility rule; what a caller may do is the engine's task precondition chain. This class parses,
/// calls and maps.
/// </summary>
internal static class UserTasksApi
{
    public static IEndpointRouteBuilder MapUserTasksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/user-tasks").WithTags("User tasks").RequireAuthorization(Policies.Tasks);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        group.MapGet("/{key}/form", GetFormAsync);
        group.MapPost("/{key}/assignment", AssignAsync);
        group.MapDelete("/{key}/assignee", UnassignAsync);
        group.MapPost("/{key}/completion", CompleteAsync);
        group.MapPatch("/{key}", UpdateAsync).RequireAuthorization(Policies.Supervisor);
        group.MapUserTaskVariables();
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<UserTaskItem>>, ProblemHttpResult>> SearchAsync(UserTaskSearchRequest? request, ClaimsPrincipal user,
        UserTaskQueries tasks, CancellationToken cancellationToken)
    {
        // As in Camunda 8.8, no state filter means every state: the inbox asks for open tasks by state itself.
        if (!CamundaSearch.TryQuery(UserTaskQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        // Counted exactly up to Camunda's own limit (its search index tracks 10,000 hits), beyond it "at least" with
        // hasMoreTotalItems: an agent's open tasks at a million rows then cost what they cost at ten thousand.
        query = query with { TotalCap = UserTaskQueries.TotalCap };
        return await CamundaSearch.RespondAsync(() => tasks.SearchAsync(caller, query, cancellationToken), query, ReadItems.Item);
    }

    private static async Task<Results<Ok<UserTaskItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, UserTaskQueries tasks, CancellationToken cancellationToken)
    {
        var task = CamundaResults.TryKey(key, out var taskKey) ? await tasks.FindAsync(user.Caller(), taskKey, cancellationToken) : null;
        return task is null ? NotVisible(key) : TypedResults.Ok(task.Item());
    }

    /// <summary>
    /// The task's linked form (<c>form:&lt;id&gt;</c>), latest deployed version. As in Camunda, 204 when the task has no
    /// linked form; a key naming a form that was never deployed is a 404 naming the form id.
    /// </summary>
    private static async Task<Results<Ok<UserTaskFormResponse>, NoContent, ProblemHttpResult>> GetFormAsync(string key, ClaimsPrincipal user,
        UserTaskQueries tasks, DefinitionQueries definitions, CatalogueStore catalogues, HttpResponse response, CancellationToken cancellationToken)
    {
        var task = CamundaResults.TryKey(key, out var taskKey) ? await tasks.FindAsync(user.Caller(), taskKey, cancellationToken) : null;
        if (task is null)
        {
            return NotVisible(key);
        }
        if (task.FormKey is not { } formKey || !formKey.StartsWith(LinkedFormPrefix, StringComparison.Ordinal) || formKey.Length == LinkedFormPrefix.Length)
        {
            return CamundaResults.NoForm(response);
        }
        var formId = formKey[LinkedFormPrefix.Length..];
        var form = await definitions.LatestFormAsync(task.TenantId, formId, cancellationToken);
        if (form is null)
        {
            return CamundaResults.NotFound($"User task {key} refers to the form '{formId}', which is not deployed.");
        }
        ModelDocuments.MarkAsDownload(response, $"{form.FormId}.form.json");
        // The choices of catalogue fields are the catalogue's current version, not what the form was deployed with.
        var schema = await CatalogueForms.FillAsync(catalogues, task.TenantId, form.Schema, cancellationToken);
        return TypedResults.Ok(new UserTaskFormResponse(CamundaResults.Key(form.FormKey), form.FormId, form.Version, schema, task.TenantId));
    }

    /// <summary>The form key the engine stores for <c>zeebe:formDefinition formId</c> (a linked, deployed form).</summary>
    private const string LinkedFormPrefix = "form:";

    private static async Task<Results<NoContent, ProblemHttpResult>> AssignAsync(string key, UserTaskAssignmentRequest request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return NotVisible(key);
        }
        var assignee = string.IsNullOrWhiteSpace(request.Assignee) ? null : request.Assignee.Trim();
        if (assignee is null)
        {
            return CamundaResults.BadRequest("assignee is required; to unassign, DELETE /v2/user-tasks/{key}/assignee.");
        }
        var result = await engine.AssignUserTaskAsync(http.User.Caller(), TaskAction.Assign, taskKey, assignee, request.AllowOverride, ExpectedVersion(http),
            request.Reason, AuditEntry.ActorFor(http), cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        http.Response.Headers.ETag = Versions.ETag(result.Value);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnassignAsync(string key, HttpContext http, IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return NotVisible(key);
        }
        var result = await engine.AssignUserTaskAsync(http.User.Caller(), TaskAction.Unassign, taskKey, null, null, ExpectedVersion(http), null,
            AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CompleteAsync(string key, UserTaskCompletionRequest? request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return NotVisible(key);
        }
        if (!CamundaResults.TryVariables(request?.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var result = await engine.CompleteUserTaskAsync(http.User.Caller(), taskKey, variables, ExpectedVersion(http), AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UpdateAsync(string key, UserTaskUpdateRequest request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return NotVisible(key);
        }
        if (request.Changeset is not { } changes || (changes.Priority is null && changes.DueDate is null && changes.FollowUpDate is null && changes.CandidateGroups is null))
        {
            return CamundaResults.BadRequest("changeset must name at least one of priority, dueDate, followUpDate, candidateGroups.");
        }
        var result = await engine.UpdateUserTaskAsync(http.User.Caller(), taskKey,
            new UserTaskChanges(changes.Priority, changes.DueDate, changes.FollowUpDate, changes.CandidateGroups), ExpectedVersion(http), AuditEntry.ActorFor(http),
            cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        http.Response.Headers.ETag = Versions.ETag(result.Value);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotVisible(string key) => CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");

    /// <summary>If-Match carries the task version the client saw (its ETag); a stale one is refused.</summary>
    private static int? ExpectedVersion(HttpContext http) => Versions.Read(http.Request, null).Expected;
}
