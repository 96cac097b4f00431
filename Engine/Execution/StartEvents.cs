using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Engine.Deployment;
using Processes.Engine.Execution.State;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>
/// Message, signal and timer start events belong to the latest version of a process: deploying a new version
/// moves them there (running instances are untouched). Idempotent, so start-up can run it for every process and
/// repair what a crash between a deployment and this step left behind. Per tenant: each tenant's latest version of
/// a process id holds that tenant's start events.
/// </summary>
internal sealed partial class ProcessEngine
{
    public async Task SyncStartEventsAsync(IReadOnlyCollection<string>? bpmnProcessIds, CancellationToken cancellationToken)
    {
        var latest = await _store.Definitions.ListLatestAsync(cancellationToken);
        foreach (var info in latest.Where(d => bpmnProcessIds is null || bpmnProcessIds.Contains(d.BpmnProcessId)))
        {
            var definition = await _store.DefinitionAsync(info.ProcessDefinitionKey, cancellationToken);
            if (definition is null)
            {
                continue;
            }
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await OpenStartEventsAsync(connection, transaction, info, definition, cancellationToken);
            // Durability point: the process's start events now point at its latest version.
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Moves the process's start events to <paramref name="info"/> (its latest version) in the caller's transaction:
    /// the other versions' subscriptions and start timers go, this version's are opened where missing.
    /// </summary>
    private async Task OpenStartEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProcessDefinitionInfo info,
        ExecutableDefinition definition, CancellationToken cancellationToken)
    {
        await SubscriptionStore.MoveToVersionAsync(connection, transaction, info.TenantId, info.BpmnProcessId, info.ProcessDefinitionKey, cancellationToken);
        var now = _clock.GetUtcNow().ToUniversalTime();
        foreach (var start in definition.Model.Scope.StartEvents)
        {
            var (kind, name) = start.EventKind switch
            {
                EventDefinitionKind.Message => ("MESSAGE", start.Message?.Name),
                EventDefinitionKind.Signal => ("SIGNAL", start.Signal?.Name),
                _ => (null, null),
            };
            if (kind is not null && name is not null)
            {
                var evaluated = _expressions.String(name, FeelContext.Empty);
                if (!evaluated.Ok)
                {
                    _logger.LogWarning("Start event {Element} of {Process}: {Failure}", start.Id, info.BpmnProcessId, evaluated.Failure);
                    continue;
                }
                await SubscriptionStore.UpsertStartEventAsync(connection, transaction, info.TenantId, info.BpmnProcessId, info.ProcessDefinitionKey, start.Id, kind, evaluated.Value,
                    cancellationToken);
            }
            else if (start.EventKind == EventDefinitionKind.Timer && start.Timer is { } timer)
            {
                var exists = await TimerStore.StartTimerExistsAsync(connection, transaction, info.ProcessDefinitionKey, start.Id, cancellationToken);
                var text = _expressions.String(timer.Expression, FeelContext.Empty);
                var calendar = _calendars.Get(info.TenantId, TimerCalculator.CalendarName(start));
                var due = !text.Ok ? Evaluated<TimerFiring>.Fail(text.Failure!)
                    : !calendar.Ok ? Evaluated<TimerFiring>.Fail(calendar.Failure!)
                    : TimerCalculator.First(timer.Kind, text.Value, now, calendar.Value);
                if (!due.Ok)
                {
                    _logger.LogWarning("Timer start event {Element} of {Process}: {Failure}", start.Id, info.BpmnProcessId, due.Failure);
                    continue;
                }
                if (!exists)
                {
                    await TimerStore.InsertStartTimerAsync(connection, transaction, info.TenantId, _keys.Next(), info.ProcessDefinitionKey, start.Id, due.Value.DueAt,
                        due.Value.Repetitions, text.Value, now, cancellationToken);
                }
            }
        }
    }
}
