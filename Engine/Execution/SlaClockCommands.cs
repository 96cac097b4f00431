using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Calendars;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>What a pause or a resume did to a case's SLA clock.</summary>
/// <param name="ProcessInstanceKey">The case (its root instance).</param>
/// <param name="Timers">SLA timers taken out (pause) or planned again (resume).</param>
/// <param name="PausedFor">Resume: the wall-clock length of the pause; <paramref name="PausedWorkingTime"/> the working time it held back.</param>
public sealed record SlaClockChange(long ProcessInstanceKey, string State, DateTimeOffset At, int Timers, TimeSpan? PausedFor, TimeSpan? PausedWorkingTime);

/// <summary>
/// SLA clocks that pause (what Zendesk and ServiceNow SLA policies do): while a case waits on the customer or a third
/// party, its SLA timers — timer elements with the property <c>slaClock</c> — stop consuming time. The timer rows stay
/// the source of truth: a pause deletes them in its command (the Hangfire hand-over's delete trigger cancels their
/// jobs) and parks what each had left in working time of its business calendar; a resume plans them again from that
/// budget, from now, in the same calendar (so a Friday pause resumed on Monday breaches when the budget runs out,
/// not earlier), and moves the due date of the task they watch with them. Timers without the property (a first
/// response, a hard deadline) keep running.
/// </summary>
internal sealed partial class ProcessEngine
{
    public const string SlaClockProperty = "slaClock";

    public Task<CommandResult<SlaClockChange>> PauseSlaAsync(Caller caller, long processInstanceKey, string reason, AuditActor? audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 200)
        {
            return Task.FromResult(CommandResult<SlaClockChange>.Fail(CommandError.InvalidArgument,
                "reason: say why the SLA pauses (waiting on the customer, a third party …), at most 200 characters."));
        }
        return ExecuteAsync<SlaClockChange>("Pause SLA", async (x, connection, transaction) =>
        {
            if (await SlaClockStore.VisibleRootAsync(connection, transaction, caller, processInstanceKey, cancellationToken) is not { } root ||
                await LoadAsync(x, connection, transaction, root.Key, cancellationToken) is not { } rootInstance)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist.");
            }
            if (!rootInstance.IsActive)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"Case {root.Key} is not active; its SLA has stopped for good.");
            }
            if (await SlaClockStore.LockOpenPauseAsync(connection, transaction, root.Key, cancellationToken) is { } open)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState,
                    $"The SLA of case {root.Key} is paused already, since {InstanceStore.Utc(open.PausedAt):O} ({open.Reason}).");
            }
            var parked = new List<(ParkedTimer Timer, InstanceState Instance)>();
            foreach (var timer in await SlaClockStore.LockCaseTimersAsync(connection, transaction, root.Key, cancellationToken))
            {
                if (timer.process_instance_key is not { } key || timer.element_instance_key is not { } owner ||
                    await LoadAsync(x, connection, transaction, key, cancellationToken) is not { } instance ||
                    instance.Model.FindFlowNode(timer.element_id) is not { } node || !node.Properties.ContainsKey(SlaClockProperty))
                {
                    continue;
                }
                var due = InstanceStore.Utc(timer.due_at);
                var remaining = Remaining(x, instance.Row.TenantId, node, due);
                if (!remaining.Ok)
                {
                    return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"{timer.element_id}: {remaining.Failure}");
                }
                x.Changes.DeletedTimers.Add(timer.key);
                parked.Add((new ParkedTimer(timer.key, key, owner, timer.element_id, timer.process_definition_key, timer.repetitions, timer.definition,
                    due.UtcDateTime, (long)remaining.Value.TotalMilliseconds), instance));
            }
            if (parked.Count == 0)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState,
                    $"Case {root.Key} has no running SLA clock to pause (no timer with the property '{SlaClockProperty}' is waiting).");
            }
            var by = caller.UserName ?? "system";
            var pauseId = await SlaClockStore.InsertPauseAsync(connection, transaction, root.Key, root.TenantId, reason.Trim(), x.Now, by, cancellationToken);
            await SlaClockStore.ParkTimersAsync(connection, transaction, pauseId, [.. parked.Select(p => p.Timer)], cancellationToken);

            // The task the SLA watches (the timers' owner) keeps its remaining time to its due date with them.
            var owners = parked.Select(p => p.Timer.ElementInstanceKey).Distinct().ToArray();
            var tasks = new List<(long, DateTimeOffset, long)>();
            foreach (var (taskKey, ownerKey, dueDate) in await SlaClockStore.OpenTasksWithDueDateAsync(connection, transaction, owners, cancellationToken))
            {
                var (_, instance) = parked.First(p => p.Timer.ElementInstanceKey == ownerKey);
                var node = instance.Find(ownerKey) is { } element ? instance.ModelElement(element) : null;
                var due = InstanceStore.Utc(dueDate);
                var remaining = node is null ? new Evaluated<TimeSpan>(TimeSpan.Zero, null) : Remaining(x, instance.Row.TenantId, node, due);
                tasks.Add((taskKey, due, remaining.Ok ? (long)remaining.Value.TotalMilliseconds : 0));
            }
            await SlaClockStore.ParkTasksAsync(connection, transaction, pauseId, tasks, cancellationToken);
            foreach (var group in parked.GroupBy(p => (p.Instance, p.Timer.ElementInstanceKey)))
            {
                x.History(group.Key.Instance, group.Key.Instance.Find(group.Key.ElementInstanceKey), "SLA_PAUSED", new JsonObject
                {
                    ["reason"] = reason.Trim(),
                    ["by"] = by,
                    ["timers"] = new JsonArray([.. group.Select(p => (JsonNode?)new JsonObject
                    {
                        ["elementId"] = p.Timer.ElementId,
                        ["dueAt"] = new DateTimeOffset(p.Timer.DueAt, TimeSpan.Zero),
                        ["remaining"] = System.Xml.XmlConvert.ToString(TimeSpan.FromMilliseconds(p.Timer.RemainingMs)),
                    })]),
                });
            }
            await AuditSlaAsync(connection, transaction, audit, "sla.paused", root.Key, new { reason = reason.Trim(), timers = parked.Count }, cancellationToken);
            return CommandResult<SlaClockChange>.Success(new SlaClockChange(root.Key, "paused", x.Now, parked.Count, null, null));
        }, cancellationToken);
    }

    public Task<CommandResult<SlaClockChange>> ResumeSlaAsync(Caller caller, long processInstanceKey, AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return ExecuteAsync<SlaClockChange>("Resume SLA", async (x, connection, transaction) =>
        {
            if (await SlaClockStore.VisibleRootAsync(connection, transaction, caller, processInstanceKey, cancellationToken) is not { } root)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist.");
            }
            if (await SlaClockStore.LockOpenPauseAsync(connection, transaction, root.Key, cancellationToken) is not { } pause)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"The SLA of case {root.Key} is not paused.");
            }
            var pausedAt = InstanceStore.Utc(pause.PausedAt);
            BusinessCalendar? ledgerCalendar = null;
            var planned = 0;
            var owners = new Dictionary<long, (InstanceState Instance, ElementInstance Owner)>();
            foreach (var timer in await SlaClockStore.TakeParkedTimersAsync(connection, transaction, pause.Id, cancellationToken))
            {
                // A timer whose element left while paused (the ticket was closed meanwhile) has nothing left to watch.
                if (await LoadAsync(x, connection, transaction, timer.ProcessInstanceKey, cancellationToken) is not { IsActive: true } instance ||
                    instance.Find(timer.ElementInstanceKey) is not { } owner || instance.Model.FindFlowNode(timer.ElementId) is not { } node)
                {
                    continue;
                }
                var due = Plan(x, instance.Row.TenantId, node, timer.RemainingMs, out var calendar);
                if (!due.Ok)
                {
                    return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"{timer.ElementId}: {due.Failure}");
                }
                ledgerCalendar ??= calendar;
                owners[owner.Key] = (instance, owner);
                x.Changes.NewTimers.Add(new TimerRow(x.Keys.Next(), timer.ProcessInstanceKey, timer.ElementInstanceKey, timer.ElementId,
                    timer.ProcessDefinitionKey, due.Value, timer.Repetitions, timer.Definition, x.Now));
                x.History(instance, owner, "SLA_TIMER_REPLANNED", new JsonObject
                {
                    ["elementId"] = timer.ElementId,
                    ["dueAt"] = due.Value,
                    ["previousDueAt"] = new DateTimeOffset(timer.DueAt, TimeSpan.Zero),
                });
                planned++;
            }
            foreach (var (taskKey, instanceKey, elementId, remainingMs) in await SlaClockStore.TakeParkedTasksAsync(connection, transaction, pause.Id, cancellationToken))
            {
                if (x.Instances.GetValueOrDefault(instanceKey)?.Model.FindFlowNode(elementId) is not { } node)
                {
                    continue;
                }
                var due = Plan(x, x.Instances[instanceKey].Row.TenantId, node, remainingMs, out _);
                if (due.Ok)
                {
                    await UserTaskStore.UpdateAsync(connection, transaction, taskKey, new UserTaskChanges(null, due.Value, null, null), cancellationToken);
                }
            }
            var pausedFor = x.Now - pausedAt;
            var working = ledgerCalendar?.WorkingTimeBetween(pausedAt, x.Now) ?? pausedFor;
            var by = caller.UserName ?? "system";
            await SlaClockStore.ClosePauseAsync(connection, transaction, pause.Id, x.Now, by, (long)working.TotalSeconds, cancellationToken);
            // On each watched element too, with its task: the reports add the paused time up per task.
            foreach (var (instance, owner) in owners.Values)
            {
                x.History(instance, owner, "SLA_RESUMED", new JsonObject
                {
                    ["userTaskKey"] = owner.Data.UserTaskKey,
                    ["pausedAt"] = pausedAt,
                    ["by"] = by,
                    ["pausedSeconds"] = (long)pausedFor.TotalSeconds,
                    ["pausedWorkingSeconds"] = (long)working.TotalSeconds,
                });
            }
            if (await LoadAsync(x, connection, transaction, root.Key, cancellationToken) is { } rootInstance)
            {
                x.History(rootInstance, null, "SLA_RESUMED", new JsonObject
                {
                    ["reason"] = pause.Reason,
                    ["pausedAt"] = pausedAt,
                    ["pausedBy"] = pause.PausedBy,
                    ["by"] = by,
                    ["pausedFor"] = System.Xml.XmlConvert.ToString(pausedFor),
                    ["pausedWorkingTime"] = System.Xml.XmlConvert.ToString(working),
                    ["timers"] = planned,
                });
            }
            await AuditSlaAsync(connection, transaction, audit, "sla.resumed", root.Key,
                new { pausedAt, pausedFor = System.Xml.XmlConvert.ToString(pausedFor), timers = planned }, cancellationToken);
            return CommandResult<SlaClockChange>.Success(new SlaClockChange(root.Key, "running", x.Now, planned, pausedFor, working));
        }, cancellationToken);
    }

    /// <summary>What is left until <paramref name="due"/>: working time in the element's calendar, elapsed time without one.</summary>
    private static Evaluated<TimeSpan> Remaining(Execution x, string tenantId, Bpmn.Executable.ExecutableElement node, DateTimeOffset due)
    {
        var calendar = x.Calendars.Get(tenantId, TimerCalculator.CalendarName(node));
        if (!calendar.Ok)
        {
            return Evaluated<TimeSpan>.Fail(calendar.Failure!);
        }
        if (due <= x.Now)
        {
            return new(TimeSpan.Zero, null);
        }
        return new(calendar.Value?.WorkingTimeBetween(x.Now, due) ?? due - x.Now, null);
    }

    /// <summary>Now plus the remaining budget, counted in the element's calendar.</summary>
    private static Evaluated<DateTimeOffset> Plan(Execution x, string tenantId, Bpmn.Executable.ExecutableElement node, long remainingMs,
        out BusinessCalendar? calendar)
    {
        var found = x.Calendars.Get(tenantId, TimerCalculator.CalendarName(node));
        calendar = found.Value;
        if (!found.Ok)
        {
            return Evaluated<DateTimeOffset>.Fail(found.Failure!);
        }
        var budget = TimeSpan.FromMilliseconds(remainingMs);
        if (calendar is null)
        {
            return new(x.Now + budget, null);
        }
        var due = calendar.AddWorkingTime(x.Now, budget);
        return due.IsSuccess ? new(due.Instant.ToUniversalTime(), null) : Evaluated<DateTimeOffset>.Fail(due.Error!);
    }

    private static Task AuditSlaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditActor? audit, string action, long root, object details,
        CancellationToken cancellationToken) =>
        audit is null
            ? Task.CompletedTask
            : AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, action, "process-instance", root.ToString(CultureInfo.InvariantCulture),
                JsonSerializer.Serialize(details, JsonSerializerOptions.Web)), cancellationToken);
}
