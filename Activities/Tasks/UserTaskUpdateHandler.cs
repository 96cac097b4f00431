using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Activities.Shared;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;

namespace Processes.Activities.Tasks;

/// <summary>
/// Job type <c>user-task-update</c>: changes the open user tasks of the job's process instance and of the instances
/// it called (a demand's work ticket runs in a called <c>sla-escalation</c> instance), the way a supervisor would
/// through <c>PATCH /v2/user-tasks/{key}</c> — without interrupting the work. Inputs (input mappings):
/// <c>taskPriority</c> (0–100) or <c>taskPriorityRaise</c> (added to each task's current priority, at most 100 — a
/// breach after a chase raises what the chase raised), <c>taskAssignee</c>, <c>taskCandidateGroups</c> (list or comma-separated),
/// <c>taskChangeReason</c>; header <c>elementIds</c> (comma-separated) limits which tasks change. The inputs carry
/// a <c>task</c> prefix because the instance usually has its own <c>priority</c> or <c>assignee</c> variables,
/// which must not be applied by accident. Outputs: <c>updatedTasks</c> (key, element, assignee, groups, priority of
/// each open task in scope after the change) and <c>currentAssignees</c>, so the next step can notify whoever
/// holds the work now rather than whoever was routed to it.
/// </summary>
internal sealed class UserTaskUpdateHandler(IProcessEngine engine) : IJobHandler
{
    public string Type => "user-task-update";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var priority = JobInputs.Number(job, "taskPriority");
        if (priority is { } p && (p < 0 || p > 100 || p != decimal.Truncate(p)))
        {
            return JobOutcome.Fail($"taskPriority must be a whole number between 0 and 100, not {p.ToString(CultureInfo.InvariantCulture)}.", retryable: false);
        }
        var raise = JobInputs.Number(job, "taskPriorityRaise");
        if (raise is { } r && (r != decimal.Truncate(r) || r < -100 || r > 100))
        {
            return JobOutcome.Fail($"taskPriorityRaise must be a whole number between -100 and 100, not {r.ToString(CultureInfo.InvariantCulture)}.", retryable: false);
        }
        var assignee = JobInputs.Text(job, "taskAssignee");
        var groups = job.Variables.ContainsKey("taskCandidateGroups") ? JobInputs.List(job, "taskCandidateGroups") : null;
        var reason = JobInputs.Text(job, "taskChangeReason") ?? $"{job.BpmnProcessId}/{job.ElementId}";
        var elementIds = job.CustomHeaders["elementIds"]?.ToString() is { } header
            ? header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : null;
        // The job key in "by" lets a re-run recognise its own relative raise in the history and not raise twice.
        var by = $"process:{job.BpmnProcessId}/job:{job.Key.ToString(CultureInfo.InvariantCulture)}";

        foreach (var task in await engine.UserTasks.OpenInTreeAsync(job.ProcessInstanceKey, elementIds, cancellationToken))
        {
            // Each change is its own engine command; a re-run of this job after a crash finds the values already set
            // and skips them, so history shows every change once.
            int? target = priority is { } wanted ? (int)wanted
                : raise is { } step && !await engine.UserTasks.WasUpdatedByAsync(task.Key, by, cancellationToken) ? Math.Clamp(task.Priority + (int)step, 0, 100)
                : null;
            var changedPriority = target is { } t && t != task.Priority ? target : null;
            var changedGroups = groups is not null && !groups.SequenceEqual(task.CandidateGroups) ? groups : null;
            if (changedPriority is not null || changedGroups is not null)
            {
                var update = await engine.UpdateUserTaskAsync(task.Key, new UserTaskChanges(changedPriority, null, null, changedGroups), null, by, cancellationToken);
                if (!update.Ok && update.Error != CommandError.InvalidState)
                {
                    return JobOutcome.Fail($"User task {task.Key} ({task.ElementId}) could not be updated: {update.Message}", retryable: true);
                }
            }
            if (assignee is not null && assignee != task.Assignee)
            {
                var assign = await engine.AssignUserTaskAsync(task.Key, assignee.Length == 0 ? null : assignee, null, by, reason, cancellationToken);
                if (!assign.Ok && assign.Error != CommandError.InvalidState)
                {
                    return JobOutcome.Fail($"User task {task.Key} ({task.ElementId}) could not be assigned: {assign.Message}", retryable: true);
                }
            }
        }

        var after = await engine.UserTasks.OpenInTreeAsync(job.ProcessInstanceKey, elementIds, cancellationToken);
        return JobOutcome.Complete(new JsonObject
        {
            ["updatedTasks"] = new JsonArray([.. after.Select(t => (JsonNode?)new JsonObject
            {
                ["userTaskKey"] = t.Key.ToString(CultureInfo.InvariantCulture),
                ["elementId"] = t.ElementId,
                ["assignee"] = t.Assignee,
                ["candidateGroups"] = new JsonArray([.. t.CandidateGroups.Select(g => (JsonNode?)g)]),
                ["priority"] = t.Priority,
            })]),
            ["currentAssignees"] = new JsonArray([.. after.Select(t => t.Assignee).OfType<string>().Distinct(StringComparer.Ordinal).Select(a => (JsonNode?)a)]),
        });
    }
}
