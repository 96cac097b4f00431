using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>Timer firings: one timer per command (an outside job, an operator), or a claimed group in one transaction (the scheduler).</summary>
internal sealed partial class ProcessEngine
{
    /// <summary>Fires a due timer (the scheduler calls this). A timer already fired or cancelled is a no-op (false).</summary>
    public Task<CommandResult<bool>> TriggerTimerAsync(long timerKey, CancellationToken cancellationToken) =>
        TriggerTimerAsync(timerKey, null, cancellationToken);

    /// <summary>
    /// Fires a timer if it is still due at <paramref name="expectedDueAt"/> (an outside job's firing: the next cycle of
    /// the same timer key, or a timer an operator made due, is not its to fire). Checked under the row lock.
    /// </summary>
    internal Task<CommandResult<bool>> TriggerTimerAsync(long timerKey, DateTime? expectedDueAt, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Trigger timer", async (x, connection, transaction) =>
        {
            var timer = await TimerStore.LockAsync(connection, transaction, timerKey, cancellationToken);
            if (timer is null || (expectedDueAt is { } expected && InstanceStore.Utc(timer.due_at).UtcTicks != DateTime.SpecifyKind(expected, DateTimeKind.Utc).Ticks))
            {
                return CommandResult<bool>.Success(false);
            }
            return CommandResult<bool>.Success(await FireLockedAsync(x, connection, transaction, timer, cancellationToken));
        }, cancellationToken);

    /// <summary>
    /// Fires a group of claimed timers in one transaction: one statement locks them all, one round trip loads every
    /// instance they touch, and the writes of all firings go out as one batch. Each firing runs to its wait states
    /// before the next one looks at the instance, so two timers of one instance see each other's effects exactly as
    /// two commands in a row would (an interrupting timer that ended the element leaves its sibling nothing to fire).
    /// All or none commit; the scheduler fires a group that fails (a conflict, a runaway model) one timer per command.
    /// Answers the keys that fired; timers already fired or cancelled are skipped.
    /// </summary>
    internal Task<CommandResult<IReadOnlyList<long>>> TriggerTimersAsync(IReadOnlyCollection<long> timerKeys, CancellationToken cancellationToken) =>
        ExecuteAsync<IReadOnlyList<long>>("Trigger timers", async (x, connection, transaction) =>
        {
            var timers = await TimerStore.LockManyAsync(connection, transaction, [.. timerKeys], cancellationToken);
            var missing = timers.Select(t => t.process_instance_key).OfType<long>().Distinct().Where(k => !x.Instances.ContainsKey(k)).ToArray();
            if (missing.Length > 0)
            {
                foreach (var instance in await _store.LoadManyAsync(connection, transaction, missing, cancellationToken))
                {
                    if (Visibility.TenantScope.Allows(instance.Row.TenantId))
                    {
                        x.Instances[instance.Key] = instance;
                    }
                }
            }
            var fired = new List<long>(timers.Count);
            foreach (var timer in timers)
            {
                if (await FireLockedAsync(x, connection, transaction, timer, cancellationToken))
                {
                    fired.Add(timer.key);
                }
                await RunAsync(x, connection, transaction, cancellationToken, releaseStartKeys: false);
            }
            return CommandResult<IReadOnlyList<long>>.Success(fired);
        }, cancellationToken);

    /// <summary>The firing of a timer locked in this command's transaction; false when its element is gone.</summary>
    private async Task<bool> FireLockedAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, StoredTimer timer,
        CancellationToken cancellationToken)
    {
        var timerKey = timer.key;
        x.Changes.DeletedTimers.Add(timerKey);
        var firedAt = InstanceStore.Utc(timer.due_at);
        x.Changes.Telemetry.Add(new Telemetry.TelemetryNote(Telemetry.TelemetryKind.TimerFired, timer.element_id, (x.Now - firedAt).TotalSeconds));
        if (timer.process_instance_key is not { } instanceKey)
        {
            await FireStartTimerAsync(x, connection, transaction, timer, firedAt, cancellationToken);
            return true;
        }
        var instance = await LoadAsync(x, connection, transaction, instanceKey, cancellationToken);
        if (instance?.Find(timer.element_instance_key!.Value) is not { } owner)
        {
            return false;
        }
        x.History(instance, owner, HistoryEvents.TimerFired, new JsonObject { ["timerKey"] = timerKey, ["elementId"] = timer.element_id });
        var node = instance.Model.FindFlowNode(timer.element_id);
        var repeats = node is ExecutableEvent { IsInterrupting: false } && timer.repetitions != 1;
        x.Enqueue(() =>
        {
            x.Trigger(instance, owner.Key, timer.element_id, null);
            if (repeats && instance.Find(owner.Key) is not null)
            {
                var calendar = x.Calendars.Get(instance.Row.TenantId, node is null ? null : TimerCalculator.CalendarName(node));
                var next = calendar.Ok ? TimerCalculator.Next(timer.definition, firedAt, timer.repetitions, x.Now, calendar.Value) : Evaluated<TimerFiring>.Fail(calendar.Failure!);
                if (next.Ok)
                {
                    x.Changes.NewTimers.Add(new TimerRow(x.Keys.Next(), instance.Key, owner.Key, timer.element_id, timer.process_definition_key,
                        next.Value.DueAt, next.Value.Repetitions, timer.definition, x.Now));
                }
            }
        });
        return true;
    }

    private async Task FireStartTimerAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction, StoredTimer timer,
        DateTimeOffset firedAt, CancellationToken cancellationToken)
    {
        var definition = await _store.DefinitionAsync(timer.process_definition_key, cancellationToken);
        if (definition is null)
        {
            return;
        }
        // A suspended version skips this firing but keeps its cycle: it starts again at the next one after a resume.
        if (!await Deployment.VersionSuspension.IsSuspendedAsync(connection, transaction, definition.Key, cancellationToken))
        {
            NewInstance(x, definition, null, null, timer.element_id);
        }
        if (timer.repetitions != 1)
        {
            var calendar = x.Calendars.Get(definition.TenantId, definition.Model.FindFlowNode(timer.element_id) is { } start ? TimerCalculator.CalendarName(start) : null);
            var next = calendar.Ok ? TimerCalculator.Next(timer.definition, firedAt, timer.repetitions, x.Now, calendar.Value) : Evaluated<TimerFiring>.Fail(calendar.Failure!);
            if (next.Ok)
            {
                x.Changes.NewTimers.Add(new TimerRow(x.Keys.Next(), null, null, timer.element_id, timer.process_definition_key,
                    next.Value.DueAt, next.Value.Repetitions, timer.definition, x.Now));
            }
        }
    }
}
