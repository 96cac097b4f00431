using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>What a task command does; the chain's "allowed" step depends on it.</summary>
public enum TaskAction
{
    Complete,
    /// <summary>Camunda's assignment: candidates claim an unassigned task for themselves; the assignee or a supervisor hands it on.</summary>
    Assign,
    /// <summary>The inbox's reassignment with a reason: only the assignee or a supervisor (claiming is done by assignment).</summary>
    Reassign,
    Unassign,
    Update,
}

/// <summary>
/// The one precondition chain of every task command, in Zeebe's order (its UserTaskCommandPreconditionValidator):
/// the task exists → the caller may see it → the caller may do this → the task's lifecycle state allows it → the
/// version the caller saw is current. The row is read once, <c>FOR UPDATE</c>: the checks hold until the commit, so a
/// reassignment cannot slip in between the check and the change. Not visible reads as not existing (404, no probing).
/// </summary>
internal static class TaskPreconditions
{
    /// <summary>Null when every step passes; otherwise the first refusal.</summary>
    public static (CommandError Error, string Message)? Check(LockedTask? task, long key, Caller caller, TaskAction action, string? newAssignee,
        bool? allowOverride, int? expectedVersion)
    {
        if (task is null || !task.Visible)
        {
            return (CommandError.NotFound, $"User task {key} does not exist or is not visible to you.");
        }
        if (Forbidden(task, caller, action, newAssignee) is { } forbidden)
        {
            return (CommandError.Forbidden, forbidden);
        }
        if (task.State != UserTaskState.Created)
        {
            return (CommandError.InvalidState, $"User task {key} is {task.State.ToString().ToLowerInvariant()}, it cannot be {Verb(action)}.");
        }
        if (action == TaskAction.Assign && allowOverride == false && task.Assignee is not null && task.Assignee != newAssignee)
        {
            return (CommandError.InvalidState, $"User task {key} is already assigned to '{task.Assignee}' and allowOverride is false.");
        }
        if (expectedVersion is { } expected && expected != task.Version)
        {
            return (CommandError.Conflict, $"User task {key} changed since it was read (version {task.Version}, the request expected {expected}); reload it.");
        }
        return null;
    }

    /// <summary>The engine itself (a worker's update, a test's direct call) is not bound by single-direction assignment.</summary>
    private static bool IsEngine(Caller caller) => ReferenceEquals(caller, Caller.System);

    private static bool Supervises(Caller caller) => caller.Is(CallerRole.Supervisor) || caller.ActsForOthers || IsEngine(caller);

    // Single direction: a task moves on from its assignee (or a supervisor); an unassigned task is claimed by its candidates.
    private static string? Forbidden(LockedTask task, Caller caller, TaskAction action, string? newAssignee)
    {
        var mine = task.Assignee is not null && task.Assignee == caller.UserName;
        return action switch
        {
            TaskAction.Complete when !mine && !IsEngine(caller) && !caller.ActsForOthers => task.Assignee is null
                ? $"User task {task.Key} is not assigned; claim it before completing it."
                : $"User task {task.Key} is assigned to '{task.Assignee}'; only the assignee may complete it.",
            TaskAction.Assign when !(Supervises(caller) || mine || (task.Assignee is null && newAssignee == caller.UserName)) => task.Assignee is null
                ? "You may claim this task for yourself; assigning it to someone else needs the supervisor role."
                : $"User task {task.Key} is assigned to '{task.Assignee}'; only that user or a supervisor may reassign it.",
            TaskAction.Reassign when !(Supervises(caller) || mine) => "Only the task's assignee or a supervisor may reassign it.",
            TaskAction.Unassign when !(Supervises(caller) || mine) => $"Only the assignee or a supervisor may put user task {task.Key} back to its group.",
            TaskAction.Update when !Supervises(caller) => $"Only a supervisor may change user task {task.Key}.",
            _ => null,
        };
    }

    private static string Verb(TaskAction action) => action switch
    {
        TaskAction.Complete => "completed",
        TaskAction.Update => "changed",
        _ => "assigned",
    };
}
