using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Assignment;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Inbox;

public sealed record TakeOverRequest(string? Reason);

/// <summary>
/// Who may hold a task: GET /api/tasks/{key}/eligible (the reassign picker: members of the task's candidate groups,
/// its candidate users), the check reassignment makes (an unknown or ineligible user is a 400 saying why), and
/// POST /api/tasks/{key}/take-over (a supervisor takes a member's task with a reason, kept in history and audit).
/// </summary>
internal static class InboxPeople
{
    public static async Task<Results<Ok<IReadOnlyList<TaskPerson>>, ProblemHttpResult>> EligibleAsync(string key, ClaimsPrincipal user,
        UserTaskQueries tasks, TaskPeople people, CancellationToken cancellationToken)
    {
        var task = CamundaResults.TryKey(key, out var taskKey) ? await tasks.FindAsync(user.Caller(), taskKey, cancellationToken) : null;
        return task is null ? Problems.NotFound("task", key)
            : TypedResults.Ok(await people.EligibleAsync(task.CandidateGroups, task.CandidateUsers, task.TenantId, cancellationToken));
    }

    /// <summary>The stored name of <paramref name="name"/> if that user may hold the task; otherwise the problem to answer (404 for a task not visible).</summary>
    public static async Task<(string? UserName, ProblemHttpResult? Problem)> EligibleUserAsync(Caller caller, long taskKey, string key, string name,
        UserTaskQueries tasks, IUserDirectory users, TaskPeople people, CancellationToken cancellationToken)
    {
        if (await tasks.FindAsync(caller, taskKey, cancellationToken) is not { } task)
        {
            return (null, Problems.NotFound("task", key));
        }
        if (await users.EnabledUserNameAsync(name, cancellationToken) is not { } userName)
        {
            return (null, Problems.Invalid("assignee", $"There is no enabled user named '{name}' to take the task over."));
        }
        var eligible = await people.EligibleAsync(task.CandidateGroups, task.CandidateUsers, task.TenantId, cancellationToken);
        if (!eligible.Any(p => string.Equals(p.UserName, userName, StringComparison.Ordinal)))
        {
            var offered = task.CandidateGroups.Length > 0 ? $"the groups {string.Join(", ", task.CandidateGroups)}" : "its candidate users";
            return (null, Problems.Invalid("assignee",
                $"'{userName}' may not hold this task: it is offered to {offered}, and '{userName}' is not among them (or not in the task's tenant)."));
        }
        return (userName, null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> TakeOverAsync(string key, TakeOverRequest request, HttpContext http,
        IProcessEngine engine, CancellationToken cancellationToken)
    {
        if (!(http.User.IsInRole(Roles.Supervisor) || http.User.IsInRole(Roles.Admin)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: "Taking over a member's task needs the role supervisor; claim unassigned tasks instead.");
        }
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 1000)
        {
            return Problems.Invalid("reason", "Say why you take the task over (1 to 1000 characters); the reason is kept in the case history.");
        }
        if (!CamundaResults.TryKey(key, out var taskKey))
        {
            return Problems.NotFound("task", key);
        }
        var caller = http.User.Caller();
        // A reassignment to oneself: the engine's chain lets a supervisor move a task on, and writes history and audit with it.
        var result = await engine.AssignUserTaskAsync(caller, TaskAction.Reassign, taskKey, caller.UserName, null, null, "take-over: " + request.Reason.Trim(),
            AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent()
            : result.Error == CommandError.NotFound ? Problems.NotFound("task", key) : CamundaResults.Refused(result);
    }
}
