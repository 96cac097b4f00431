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
            await SlaClockStore.VisibleRootAsync(connection, transaction, caller, processInstanceKey, cancellationToken) is { } root
                ? await PauseCaseAsync(x, connection, transaction, root, reason.Trim(), caller.UserName ?? "system", audit, cancellationToken)
                : CommandResult<SlaClockChange>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist."),
            cancellationToken);
    }

    /// <summary>
    /// Pauses the case's clock in the running command: nothing of <paramref name="x"/> changes before the last refusal, so a
    /// model trigger whose pause is refused leaves the command as it was (its database work is under a savepoint).
    /// </summary>
    private async Task<CommandResult<SlaClockChange>> PauseCaseAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, CaseRoot root,
        string reason, string by, AuditActor? audit, CancellationToken cancellationToken)
    {
        if (await LoadAsync(x, connection, transaction, root.Key, cancellationToken) is not { } rootInstance)
        {
            return CommandResult<SlaClockChange>.Fail(CommandError.NotFound, $"Process instance {root.Key} does not exist.");
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
        // The stored timers, and those this command planned and has not written yet (a scope entered in the same steps).
        var candidates = (await SlaClockStore.LockCaseTimersAsync(connection, transaction, root.Key, cancellationToken))
            .Where(t => !x.Changes.DeletedTimers.Contains(t.key))
            .Select(t => (Stored: true, Key: t.key, Instance: t.process_instance_key, Owner: t.element_instance_key, ElementId: t.element_id,
                DefinitionKey: t.process_definition_key, Repetitions: t.repetitions, Definition: t.definition, Due: InstanceStore.Utc(t.due_at)))
            .Concat(x.Changes.NewTimers.Where(t => t.ProcessInstanceKey is { } k && x.Instances.GetValueOrDefault(k)?.Row.RootProcessInstanceKey == root.Key)
                .Select(t => (Stored: false, t.Key, Instance: t.ProcessInstanceKey, Owner: t.ElementInstanceKey, t.ElementId,
                    DefinitionKey: t.ProcessDefinitionKey, t.Repetitions, t.Definition, Due: t.DueAt)))
            .ToList();
        var parked = new List<(ParkedTimer Timer, InstanceState Instance, bool Stored)>();
        foreach (var timer in candidates)
        {
            if (timer.Instance is not { } key || timer.Owner is not { } owner ||
                await LoadAsync(x, connection, transaction, key, cancellationToken) is not { } instance ||
                instance.Model.FindFlowNode(timer.ElementId) is not { } node || !node.Properties.ContainsKey(SlaClockProperty))
            {
                continue;
            }
            var remaining = Remaining(x, instance.Row.TenantId, node, timer.Due);
            if (!remaining.Ok)
            {
                return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"{timer.ElementId}: {remaining.Failure}");
            }
            parked.Add((new ParkedTimer(timer.Key, key, owner, timer.ElementId, timer.DefinitionKey, timer.Repetitions, timer.Definition,
                timer.Due.UtcDateTime, (long)remaining.Value.TotalMilliseconds), instance, timer.Stored));
        }
        if (parked.Count == 0)
        {
            return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState,
                $"Case {root.Key} has no running SLA clock to pause (no timer with the property '{SlaClockProperty}' is waiting).");
        }
        foreach (var (timer, _, stored) in parked)
        {
            if (stored)
            {
                x.Changes.DeletedTimers.Add(timer.TimerKey);
            }
            else
            {
                x.Changes.NewTimers.RemoveAll(t => t.Key == timer.TimerKey);
            }
        }
        var pauseId = await SlaClockStore.InsertPauseAsync(connection, transaction, root.Key, root.TenantId, reason, x.Now, by, cancellationToken);
        await SlaClockStore.ParkTimersAsync(connection, transaction, pauseId, [.. parked.Select(p => p.Timer)], cancellationToken);

        // The task the SLA watches (the timers' owner) keeps its remaining time to its due date with them.
        var owners = parked.Select(p => p.Timer.ElementInstanceKey).Distinct().ToArray();
        var tasks = new List<(long, DateTimeOffset, long)>();
        foreach (var (taskKey, ownerKey, dueDate) in await SlaClockStore.OpenTasksWithDueDateAsync(connection, transaction, owners, cancellationToken))
        {
            var (_, instance, _) = parked.First(p => p.Timer.ElementInstanceKey == ownerKey);
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
                ["reason"] = reason,
                ["by"] = by,
                ["timers"] = new JsonArray([.. group.Select(p => (JsonNode?)new JsonObject
                {
                    ["elementId"] = p.Timer.ElementId,
                    ["dueAt"] = new DateTimeOffset(p.Timer.DueAt, TimeSpan.Zero),
                    ["remaining"] = System.Xml.XmlConvert.ToString(TimeSpan.FromMilliseconds(p.Timer.RemainingMs)),
                })]),
            });
        }
        await AuditSlaAsync(connection, transaction, audit, "sla.paused", root.Key, new { reason, timers = parked.Count }, cancellationToken);
        return CommandResult<SlaClockChange>.Success(new SlaClockChange(root.Key, "paused", x.Now, parked.Count, null, null));
    }

    public Task<CommandResult<SlaClockChange>> ResumeSlaAsync(Caller caller, long processInstanceKey, AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return ExecuteAsync<SlaClockChange>("Resume SLA", async (x, connection, transaction) =>
            await SlaClockStore.VisibleRootAsync(connection, transaction, caller, processInstanceKey, cancellationToken) is { } root
                ? await ResumeCaseAsync(x, connection, transaction, root, caller.UserName ?? "system", audit, cancellationToken)
                : CommandResult<SlaClockChange>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist."),
            cancellationToken);
    }

    /// <summary>Resumes the case's clock in the running command; as with a pause, <paramref name="x"/> changes only once nothing can refuse.</summary>
    private async Task<CommandResult<SlaClockChange>> ResumeCaseAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, CaseRoot root,
        string by, AuditActor? audit, CancellationToken cancellationToken)
    {
        if (await SlaClockStore.LockOpenPauseAsync(connection, transaction, root.Key, cancellationToken) is not { } pause)
        {
            return CommandResult<SlaClockChange>.Fail(CommandError.InvalidState, $"The SLA of case {root.Key} is not paused.");
        }
        var pausedAt = InstanceStore.Utc(pause.PausedAt);
        BusinessCalendar? ledgerCalendar = null;
        var plans = new List<(ParkedTimer Timer, InstanceState Instance, ElementInstance Owner, DateTimeOffset Due)>();
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
            plans.Add((timer, instance, owner, due.Value));
        }
        var owners = new Dictionary<long, (InstanceState Instance, ElementInstance Owner)>();
        foreach (var (timer, instance, owner, due) in plans)
        {
            owners[owner.Key] = (instance, owner);
            x.Changes.NewTimers.Add(new TimerRow(x.Keys.Next(), timer.ProcessInstanceKey, timer.ElementInstanceKey, timer.ElementId,
                timer.ProcessDefinitionKey, due, timer.Repetitions, timer.Definition, x.Now));
            x.History(instance, owner, "SLA_TIMER_REPLANNED", new JsonObject
            {
                ["elementId"] = timer.ElementId,
                ["dueAt"] = due,
                ["previousDueAt"] = new DateTimeOffset(timer.DueAt, TimeSpan.Zero),
            });
        }
        var planned = plans.Count;
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
    }

    /// <summary>
    /// An element with <c>slaPause</c> entered or left (a follow-up of the steps): pauses or resumes its case's clock in
    /// this command, as "model:{element}". A pause the clock refuses (none running, paused already) is recorded as
    /// <c>SLA_PAUSE_SKIPPED</c> and the command goes on; a resume of a clock that is not paused does nothing. The clock's
    /// rows are written under a savepoint, so a refusal part-way leaves none behind.
    /// </summary>
    private async Task SlaPauseByModelAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, SlaPauseByModel trigger,
        CancellationToken cancellationToken)
    {
        if (!x.Instances.TryGetValue(trigger.ProcessInstanceKey, out var instance) ||
            (trigger.Reason is not null && instance.Find(trigger.ElementInstanceKey) is null))
        {
            return; // entered and left in the same steps: the clock never stopped
        }
        var root = new CaseRoot(instance.Row.RootProcessInstanceKey, instance.Row.TenantId);
        var by = $"model:{trigger.ElementId}";
        await transaction.SaveAsync("sla_pause_by_model", cancellationToken);
        var result = trigger.Reason is { } reason
            ? await PauseCaseAsync(x, connection, transaction, root, reason.Trim().Length > 0 ? reason.Trim() : trigger.ElementId, by, null, cancellationToken)
            : await ResumeCaseAsync(x, connection, transaction, root, by, null, cancellationToken);
        if (result.Ok)
        {
            await transaction.ReleaseAsync("sla_pause_by_model", cancellationToken);
            return;
        }
        await transaction.RollbackAsync("sla_pause_by_model", cancellationToken);
        if (trigger.Reason is not null)
        {
            x.History(instance, instance.Find(trigger.ElementInstanceKey), "SLA_PAUSE_SKIPPED", new JsonObject { ["reason"] = result.Message });
        }
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
