using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Comments;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;
using Processes.Host.Idempotency;

namespace Processes.Host.Inbox;

/// <summary>
/// A task in an agent's inbox with its SLA countdown; <c>title</c> is what the model calls this task (property
/// <c>title</c>, e.g. "D-1042 · VIP · delivery"; null when it names none) and <c>caseKey</c> the case it belongs to
/// (a work ticket's demand, not the instance that runs the ticket).
/// </summary>
/// <c>slaPausedSince</c>: the SLA is paused (the case waits on the customer or a third party), so there is no countdown.
public sealed record InboxTask(UserTaskItem Task, long? SecondsLeft, bool Breached, string? Title = null, string? CaseKey = null,
    DateTimeOffset? SlaPausedSince = null);

public sealed record ReassignRequest(string? Assignee, string? Reason);

public sealed record CommentRequest(string? Text);

public sealed record TaskComment(long Id, string Author, string Text, DateTimeOffset CreatedAt);

/// <summary>
/// The agents' inbox (/api/tasks): views mine, group, unassigned, due-soon and breached, cursor-paged; reassignment
/// with a reason; comments. Visibility is the same as /v2/user-tasks: own, offered, or of one's groups.
/// </summary>
internal static class InboxApi
{
    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tasks").WithTags("Inbox").RequireAuthorization(Policies.Tasks);
        group.MapGet("/", ListAsync);
        group.MapPost("/{key}/reassign", ReassignAsync);
        group.MapGet("/{key}/eligible", InboxPeople.EligibleAsync);

        group.MapGet("/{key}/comments", CommentsAsync);
        group.MapPost("/{key}/comments", CommentAsync).Idempotent();
        // Taking a member's task over is a supervisor's move: the policy says so (an agent claims instead).
        app.MapPost("/api/tasks/{key}/take-over", InboxPeople.TakeOverAsync).WithTags("Inbox").RequireAuthorization(Policies.Supervisor);
        return app;
    }

    private static async Task<Results<Ok<Page<InboxTask>>, ProblemHttpResult>> ListAsync([AsParameters] InboxListRequest request, string? after,
        string? limit, ClaimsPrincipal user, UserTaskQueries tasks, TaskPeople people, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (_, size) = Paging.Read(null, limit, errors);
        var now = clock.GetUtcNow().UtcDateTime;
        var caller = user.Caller();
        IReadOnlyList<string> team = [];
        if (request.View == "team")
        {
            if (!IsSupervisor(user))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                    detail: "The team view shows the tasks of your groups' members; it needs the role supervisor.");
            }
            team = await people.TeamAsync(caller.Groups, caller.UserName, cancellationToken);
        }
        var query = InboxList.Build(request, caller, team, now, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        query = query with { Page = new PageRequest(size, After: string.IsNullOrEmpty(after) ? null : after) };
        try
        {
            var page = await tasks.SearchAsync(caller, query, cancellationToken);
            var clockNow = clock.GetUtcNow();
            return TypedResults.Ok(new Page<InboxTask>([.. page.Items.Select(t => (t.SlaPausedSince is { } since
                ? new InboxTask(t.Item(), null, false, SlaPausedSince: new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)))
                : Countdown(t.Item(), clockNow)) with
            {
                Title = t.Title,
                CaseKey = CamundaResults.Key(t.RootProcessInstanceKey),
            })], page.HasMore ? page.EndCursor : null));
        }
        catch (QueryException)
        {
            return Problems.Invalid("after", "Not a cursor returned by this list with this sort (nextCursor).");
        }
    }

    private static bool IsSupervisor(ClaimsPrincipal user) => user.IsInRole(Roles.Supervisor) || user.IsInRole(Roles.Admin);

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
        IProcessEngine engine, Processes.Activities.Assignment.IUserDirectory users, UserTaskQueries tasks, TaskPeople people, CancellationToken cancellationToken)
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
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return Problems.NotFound("task", key);
        }
        // Only a real, enabled user who may hold the task takes it over ("Reassigned to nobody.here." left it with no one).
        var (assignee, refused) = await InboxPeople.EligibleUserAsync(http.User.Caller(), taskKey, key, request.Assignee!.Trim(), tasks, users, people,
            cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        var result = await engine.AssignUserTaskAsync(http.User.Caller(), TaskAction.Reassign, taskKey, assignee, null, null,
            request.Reason, AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent()
            : result.Error == CommandError.NotFound ? Problems.NotFound("task", key) : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<IReadOnlyList<TaskComment>>, ProblemHttpResult>> CommentsAsync(string key, ClaimsPrincipal user, TaskComments comments,
        CancellationToken cancellationToken)
    {
        var rows = CamundaResults.TryKey(key, out var taskKey) ? await comments.ListAsync(user.Caller(), taskKey, cancellationToken) : null;
        return rows is null ? Problems.NotFound("task", key) : TypedResults.Ok<IReadOnlyList<TaskComment>>([.. rows.Select(Comment)]);
    }

    private static async Task<Results<Created<TaskComment>, ProblemHttpResult>> CommentAsync(string key, CommentRequest request, HttpContext http,
        TaskComments comments, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > 4000)
        {
            return Problems.Invalid("text", "A comment has between 1 and 4000 characters.");
        }
        var row = CamundaResults.TryKey(key, out var taskKey)
            ? await comments.AddAsync(http.User.Caller(), taskKey, request.Text.Trim(), AuditEntry.ActorFor(http), cancellationToken)
            : null;
        return row is null ? Problems.NotFound("task", key) : TypedResults.Created($"/api/tasks/{key}/comments", Comment(row));
    }

    internal static TaskComment Comment(TaskCommentRow row) =>
        new(row.Id, row.Author, row.Text, new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)));
}
