using System.Globalization;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Execution;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;
using Processes.Host.Idempotency;

namespace Processes.Host.Inbox;

/// <summary>A task in an agent's inbox with its SLA countdown.</summary>
public sealed record InboxTask(UserTaskItem Task, long? SecondsLeft, bool Breached);

public sealed record ReassignRequest(string? Assignee, string? Reason);

public sealed record CommentRequest(string? Text);

public sealed record TaskComment(long Id, string Author, string Text, DateTimeOffset CreatedAt);

/// <summary>
/// The agents' inbox (/api/tasks): views mine, group, unassigned, due-soon and breached, cursor-paged; reassignment
/// with a reason; comments. Visibility is the same as /v2/user-tasks: own, offered, or of one's groups.
/// </summary>
internal static class InboxApi
{
    private static readonly TimeSpan DueSoon = TimeSpan.FromHours(4);

    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tasks").WithTags("Inbox").RequireAuthorization(Policies.Tasks);
        group.MapGet("/", ListAsync);
        group.MapPost("/{key}/reassign", ReassignAsync);
        group.MapGet("/{key}/comments", CommentsAsync);
        group.MapPost("/{key}/comments", CommentAsync).Idempotent();
        return app;
    }

    private static async Task<Results<Ok<Page<InboxTask>>, ProblemHttpResult>> ListAsync(string? view, string? after, string? limit, ClaimsPrincipal user,
        NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (cursor, size) = Paging.Read(after, limit, errors);
        var now = clock.GetUtcNow();
        var where = new SqlFilter().Always("t.state = 'CREATED'");
        var parameters = where.Parameters;
        parameters.Add("now", now);
        switch (view ?? "mine")
        {
            case "mine":
                where.Always("t.assignee = @meExact");
                break;
            case "group":
                where.Always("t.candidate_groups && @groups");
                break;
            case "unassigned":
                where.Always("t.assignee IS NULL");
                break;
            case "due-soon":
                where.Always("t.due_date > @now AND t.due_date <= @soon");
                parameters.Add("soon", now + DueSoon);
                break;
            case "breached":
                where.Always("t.due_date <= @now");
                break;
            default:
                errors["view"] = ["Use one of: mine, group, unassigned, due-soon, breached."];
                break;
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        parameters.Add("meExact", user.Identity?.Name ?? "");
        parameters.Add("groups", user.FindAll(IdentitySchemes.GroupClaim).Select(c => c.Value).ToArray());
        where.When(cursor, "t.key > @last", "last");
        UserTasksApi.AddVisibility(user, where);
        // Keyset paging by key keeps pages stable while tasks come and go.
        var (items, _) = await UserTasksApi.QueryAsync(dataSource, where, 0, size + 1, cancellationToken, count: false, orderByKey: true);
        var page = items.Take(size).Select(t => Countdown(t, now)).ToList();
        var next = items.Count > size ? Paging.Encode(long.Parse(page[^1].Task.UserTaskKey, CultureInfo.InvariantCulture)) : null;
        return TypedResults.Ok(new Page<InboxTask>(page, next));
    }

    private static InboxTask Countdown(UserTaskItem task, DateTimeOffset now)
    {
        if (task.DueDate is null || !DateTimeOffset.TryParse(task.DueDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var due))
        {
            return new InboxTask(task, null, false);
        }
        var left = (long)Math.Floor((due - now).TotalSeconds);
        return new InboxTask(task, left, left <= 0);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ReassignAsync(string key, ReassignRequest request, HttpContext http,
        NpgsqlDataSource dataSource, ProcessEngine engine, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Assignee))
        {
            errors["assignee"] = ["Name the user who takes the task over."];
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            errors["reason"] = ["Say why the task is reassigned; the reason is kept in the case history."];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var task = await UserTasksApi.FindVisibleAsync(key, http.User, dataSource, cancellationToken);
        if (task is null)
        {
            return Problems.NotFound("task", key);
        }
        var me = http.User.Identity!.Name!;
        if (task.Assignee != me && !http.User.IsInRole(Roles.Supervisor) && !http.User.IsInRole(Roles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: "Only the task's assignee or a supervisor may reassign it.");
        }
        var result = await engine.AssignUserTaskAsync(long.Parse(task.UserTaskKey, CultureInfo.InvariantCulture), request.Assignee!.Trim(), null, me, request.Reason, cancellationToken);
        if (!result.Ok)
        {
            return CamundaResults.Refused(result);
        }
        await audit.RecordAsync(AuditEntry.For(http, "task.reassigned", "userTask", task.UserTaskKey, new { from = task.Assignee, to = request.Assignee, reason = request.Reason }), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IReadOnlyList<TaskComment>>, ProblemHttpResult>> CommentsAsync(string key, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await UserTasksApi.FindVisibleAsync(key, user, dataSource, cancellationToken) is not { } task)
        {
            return Problems.NotFound("task", key);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Author, string Text, DateTime CreatedAt)>(new CommandDefinition(
            "SELECT id, author, text, created_at FROM task_comment WHERE user_task_key = @key ORDER BY id",
            new { key = long.Parse(task.UserTaskKey, CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken));
        return TypedResults.Ok<IReadOnlyList<TaskComment>>([.. rows.Select(r => new TaskComment(r.Id, r.Author, r.Text, new DateTimeOffset(DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc))))]);
    }

    private static async Task<Results<Created<TaskComment>, ProblemHttpResult>> CommentAsync(string key, CommentRequest request, HttpContext http,
        NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > 4000)
        {
            return Problems.Invalid("text", "A comment has between 1 and 4000 characters.");
        }
        if (await UserTasksApi.FindVisibleAsync(key, http.User, dataSource, cancellationToken) is not { } task)
        {
            return Problems.NotFound("task", key);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var author = http.User.Identity!.Name!;
        var (id, createdAt) = await connection.QuerySingleAsync<(long, DateTime)>(new CommandDefinition(
            "INSERT INTO task_comment (user_task_key, author, text) VALUES (@key, @author, @text) RETURNING id, created_at",
            new { key = long.Parse(task.UserTaskKey, CultureInfo.InvariantCulture), author, text = request.Text.Trim() }, transaction, cancellationToken: cancellationToken));
        await audit.RecordAsync(AuditEntry.For(http, "task.commented", "userTask", task.UserTaskKey), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var comment = new TaskComment(id, author, request.Text.Trim(), new DateTimeOffset(DateTime.SpecifyKind(createdAt, DateTimeKind.Utc)));
        return TypedResults.Created($"/api/tasks/{key}/comments", comment);
    }
}
