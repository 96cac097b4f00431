using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record UserTaskItem(
    string UserTaskKey, string? Name, string State, string? Assignee, string ElementId, IReadOnlyList<string> CandidateGroups, IReadOnlyList<string> CandidateUsers,
    string ProcessDefinitionId, string CreationDate, string? CompletionDate, string? FollowUpDate, string? DueDate, string TenantId, string? FormKey,
    string ElementInstanceKey, string ProcessInstanceKey, string ProcessDefinitionKey, int Priority, JsonObject CustomHeaders, int Version);

public sealed record UserTaskFilter(string? State, string? Assignee, string? CandidateGroup, string? CandidateUser, string? ProcessInstanceKey, string? ElementId, string? ProcessDefinitionId);

public sealed record UserTaskSearchRequest(UserTaskFilter? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>Camunda's user task form: the linked form's latest version, its form-js schema as JSON text.</summary>
public sealed record UserTaskFormResponse(string FormKey, string FormId, int Version, string Schema, string TenantId);

public sealed record UserTaskAssignmentRequest(string? Assignee, bool? AllowOverride, string? Action, string? Reason);

public sealed record UserTaskCompletionRequest(JsonElement? Variables, string? Action);

/// <summary>Camunda's PATCH body: the fields to change.</summary>
public sealed record UserTaskChangeset(int? Priority, DateTimeOffset? DueDate, DateTimeOffset? FollowUpDate, IReadOnlyList<string>? CandidateGroups);

public sealed record UserTaskUpdateRequest(UserTaskChangeset? Changeset, string? Action);

/// <summary>
/// /v2/user-tasks with the product's single-direction assignment: only the assignee completes a task; candidates
/// claim unassigned tasks of their groups; supervisors (and the assignee) reassign. An agent sees only tasks of
/// their groups, offered to them, or assigned to them.
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

    internal static bool SeesAll(ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    private static async Task<Ok<SearchResponse<UserTaskItem>>> SearchAsync(UserTaskSearchRequest? request, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var filter = request?.Filter;
        long? instanceKey = filter?.ProcessInstanceKey is { } instanceText && CamundaResults.TryKey(instanceText, out var parsed) ? parsed : null;
        var where = new SqlFilter()
            .When((filter?.State ?? "CREATED").ToUpperInvariant(), "t.state = @state", "state")
            .When(filter?.Assignee, "t.assignee = @assignee", "assignee")
            .When(filter?.CandidateGroup, "@candidateGroup = ANY(t.candidate_groups)", "candidateGroup")
            .When(filter?.CandidateUser, "@candidateUser = ANY(t.candidate_users)", "candidateUser")
            .When(instanceKey, "t.process_instance_key = @instanceKey", "instanceKey")
            .When(filter?.ElementId, "t.element_id = @elementId", "elementId")
            .When(filter?.ProcessDefinitionId, "t.bpmn_process_id = @processId", "processId");
        AddVisibility(user, where);
        var (offset, limit) = SearchPaging.Read(request?.Page);
        var (items, total) = await QueryAsync(dataSource, where, offset, limit, cancellationToken);
        return TypedResults.Ok(SearchPaging.Respond(items, total, offset));
    }

    /// <summary>Agents and supervisors see their groups' tasks, tasks offered to them and their own; admins see all.</summary>
    internal static void AddVisibility(ClaimsPrincipal user, SqlFilter where)
    {
        if (SeesAll(user))
        {
            return;
        }
        where.Always("(t.assignee = @me OR @me = ANY(t.candidate_users) OR t.candidate_groups && @myGroups)");
        where.Parameters.Add("me", user.Identity?.Name ?? "");
        where.Parameters.Add("myGroups", user.FindAll(IdentitySchemes.GroupClaim).Select(c => c.Value).ToArray());
    }

    private static async Task<Results<Ok<UserTaskItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, user, dataSource, cancellationToken);
        return task is null ? CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.") : TypedResults.Ok(task);
    }

    /// <summary>
    /// The task's linked form (<c>form:&lt;id&gt;</c>), latest deployed version. As in Camunda, 204 when the task has no
    /// linked form; a key naming a form that was never deployed is a 404 naming the form id.
    /// </summary>
    private static async Task<Results<Ok<UserTaskFormResponse>, NoContent, ProblemHttpResult>> GetFormAsync(string key, ClaimsPrincipal user,
        NpgsqlDataSource dataSource, HttpResponse response, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, user, dataSource, cancellationToken);
        if (task is null)
        {
            return CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");
        }
        if (task.FormKey is not { } formKey || !formKey.StartsWith(LinkedFormPrefix, StringComparison.Ordinal) || formKey.Length == LinkedFormPrefix.Length)
        {
            return TypedResults.NoContent();
        }
        var formId = formKey[LinkedFormPrefix.Length..];
        var form = await FormDeployment.LatestAsync(dataSource, formId, cancellationToken);
        if (form is null)
        {
            return CamundaResults.NotFound($"User task {key} refers to the form '{formId}', which is not deployed.");
        }
        ModelDocuments.MarkAsDownload(response, $"{form.FormId}.form.json");
        return TypedResults.Ok(new UserTaskFormResponse(CamundaResults.Key(form.FormKey), form.FormId, form.Version, form.Schema, CamundaResults.DefaultTenant));
    }

    /// <summary>The form key the engine stores for <c>zeebe:formDefinition formId</c> (a linked, deployed form).</summary>
    private const string LinkedFormPrefix = "form:";

    private static async Task<Results<NoContent, ProblemHttpResult>> AssignAsync(string key, UserTaskAssignmentRequest request, HttpContext http,
        NpgsqlDataSource dataSource, ProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, http.User, dataSource, cancellationToken);
        if (task is null)
        {
            return CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");
        }
        var me = http.User.Identity!.Name!;
        var assignee = string.IsNullOrWhiteSpace(request.Assignee) ? null : request.Assignee.Trim();
        if (assignee is null)
        {
            return CamundaResults.BadRequest("assignee is required; to unassign, DELETE /v2/user-tasks/{key}/assignee.");
        }
        var isSupervisor = http.User.IsInRole(Roles.Supervisor) || http.User.IsInRole(Roles.Admin);
        if (task.Assignee is not null && request.AllowOverride == false && task.Assignee != assignee)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "INVALID_STATE",
                detail: $"User task {key} is already assigned to '{task.Assignee}' and allowOverride is false.");
        }
        // Single direction: a task moves on from its assignee (or a supervisor); an unassigned task is claimed by its candidates.
        var allowed = isSupervisor || task.Assignee == me || (task.Assignee is null && assignee == me);
        if (!allowed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN", detail: task.Assignee is null
                ? "You may claim this task for yourself; assigning it to someone else needs the supervisor role."
                : $"User task {key} is assigned to '{task.Assignee}'; only that user or a supervisor may reassign it.");
        }
        var result = await engine.AssignUserTaskAsync(long.Parse(task.UserTaskKey, System.Globalization.CultureInfo.InvariantCulture), assignee,
            ExpectedVersion(http), me, request.Reason, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, task.Assignee is null && assignee == me ? "task.claimed" : "task.reassigned", "userTask", task.UserTaskKey,
            new { from = task.Assignee, to = assignee, reason = request.Reason }), cancellationToken);
        http.Response.Headers.ETag = Versions.ETag(result.Value);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnassignAsync(string key, HttpContext http, NpgsqlDataSource dataSource, ProcessEngine engine,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, http.User, dataSource, cancellationToken);
        if (task is null)
        {
            return CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");
        }
        var me = http.User.Identity!.Name!;
        if (task.Assignee != me && !http.User.IsInRole(Roles.Supervisor) && !http.User.IsInRole(Roles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN",
                detail: $"Only the assignee or a supervisor may put user task {key} back to its group.");
        }
        var result = await engine.AssignUserTaskAsync(long.Parse(task.UserTaskKey, System.Globalization.CultureInfo.InvariantCulture), null, ExpectedVersion(http), me, null, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "task.unassigned", "userTask", task.UserTaskKey, new { from = task.Assignee }), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CompleteAsync(string key, UserTaskCompletionRequest? request, HttpContext http,
        NpgsqlDataSource dataSource, ProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, http.User, dataSource, cancellationToken);
        if (task is null)
        {
            return CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");
        }
        if (!CamundaResults.TryVariables(request?.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var result = await engine.CompleteUserTaskAsync(long.Parse(task.UserTaskKey, System.Globalization.CultureInfo.InvariantCulture), variables,
            ExpectedVersion(http), http.User.Identity!.Name, cancellationToken);
        if (!result.Ok)
        {
            return result.Error == CommandError.InvalidState && task.Assignee != http.User.Identity.Name
                ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "FORBIDDEN", detail: result.Message)
                : CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "task.completed", "userTask", task.UserTaskKey), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UpdateAsync(string key, UserTaskUpdateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, ProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        var task = await FindVisibleAsync(key, http.User, dataSource, cancellationToken);
        if (task is null)
        {
            return CamundaResults.NotFound($"User task {key} does not exist or is not visible to you.");
        }
        if (request.Changeset is not { } changes || (changes.Priority is null && changes.DueDate is null && changes.FollowUpDate is null && changes.CandidateGroups is null))
        {
            return CamundaResults.BadRequest("changeset must name at least one of priority, dueDate, followUpDate, candidateGroups.");
        }
        var result = await engine.UpdateUserTaskAsync(long.Parse(task.UserTaskKey, System.Globalization.CultureInfo.InvariantCulture),
            new UserTaskChanges(changes.Priority, changes.DueDate, changes.FollowUpDate, changes.CandidateGroups), ExpectedVersion(http), http.User.Identity?.Name, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "task.updated", "userTask", task.UserTaskKey, changes), cancellationToken);
        http.Response.Headers.ETag = Versions.ETag(result.Value);
        return TypedResults.NoContent();
    }

    /// <summary>If-Match carries the task version the client saw (its ETag); a stale one is refused.</summary>
    private static int? ExpectedVersion(HttpContext http) => Versions.Read(http.Request, null).Expected;

    /// <summary>The task, if the user may see it (else null, whether it exists or not: no probing of others' tasks).</summary>
    internal static async Task<UserTaskItem?> FindVisibleAsync(string key, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return null;
        }
        var where = new SqlFilter().When(taskKey, "t.key = @taskKey", "taskKey");
        AddVisibility(user, where);
        var (items, _) = await QueryAsync(dataSource, where, 0, 1, cancellationToken, count: false);
        return items.FirstOrDefault();
    }

    internal static async Task<(IReadOnlyList<UserTaskItem> Items, long Total)> QueryAsync(NpgsqlDataSource dataSource, SqlFilter filter,
        int offset, int limit, CancellationToken cancellationToken, bool count = true, bool orderByKey = false)
    {
        var (where, parameters) = (filter.Where, filter.Parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = count ? await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM user_task t {where}", parameters, cancellationToken: cancellationToken)) : 0;
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT t.key, t.name, t.state, t.assignee, t.element_id, t.candidate_groups, t.candidate_users, t.bpmn_process_id, t.created_at, t.completed_at,
                   t.follow_up_date, t.due_date, t.form_key, t.element_instance_key, t.process_instance_key, t.process_definition_key, t.priority,
                   t.custom_headers::text AS custom_headers, t.version
            FROM user_task t {where}
            ORDER BY {(orderByKey ? "t.key" : "t.priority DESC, t.due_date NULLS LAST, t.key")}
            OFFSET {offset} LIMIT {limit}
            """, parameters, cancellationToken: cancellationToken));
        return ([.. rows.Select(r => r.ToItem())], total);
    }

#pragma warning disable IDE1006, CA1707, CA1819
    // Properties, not a positional record: Dapper reports text[] columns as System.Array, which no constructor matches.
    private sealed class Row
    {
        public long key { get; init; }
        public string? name { get; init; }
        public string state { get; init; } = "";
        public string? assignee { get; init; }
        public string element_id { get; init; } = "";
        public string[] candidate_groups { get; init; } = [];
        public string[] candidate_users { get; init; } = [];
        public string bpmn_process_id { get; init; } = "";
        public DateTime created_at { get; init; }
        public DateTime? completed_at { get; init; }
        public DateTime? follow_up_date { get; init; }
        public DateTime? due_date { get; init; }
        public string? form_key { get; init; }
        public long element_instance_key { get; init; }
        public long process_instance_key { get; init; }
        public long process_definition_key { get; init; }
        public int priority { get; init; }
        public string custom_headers { get; init; } = "{}";
        public int version { get; init; }

        public UserTaskItem ToItem() => new(CamundaResults.Key(key), name, state, assignee, element_id, candidate_groups, candidate_users, bpmn_process_id,
            CamundaResults.Iso((DateTime?)created_at)!, CamundaResults.Iso(completed_at), CamundaResults.Iso(follow_up_date), CamundaResults.Iso(due_date),
            CamundaResults.DefaultTenant, form_key, CamundaResults.Key(element_instance_key), CamundaResults.Key(process_instance_key),
            CamundaResults.Key(process_definition_key), priority, JsonNode.Parse(custom_headers)?.AsObject() ?? [], version);
    }
#pragma warning restore IDE1006, CA1707, CA1819
}
