using Microsoft.Extensions.Logging;
using Dapper;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Feel.Evaluation;

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
            var ids = new { id = info.BpmnProcessId, key = info.ProcessDefinitionKey, tenant = info.TenantId };
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('start:' || @tenant || chr(31) || @id, 7))", ids,
                transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition("""
                DELETE FROM start_event_subscription WHERE tenant_id = @tenant AND bpmn_process_id = @id AND process_definition_key <> @key;
                DELETE FROM timer WHERE process_instance_key IS NULL AND process_definition_key <> @key
                  AND process_definition_key IN (SELECT process_definition_key FROM process_definition WHERE tenant_id = @tenant AND bpmn_process_id = @id);
                """, ids, transaction, cancellationToken: cancellationToken));
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
                    await connection.ExecuteAsync(new CommandDefinition("""
                        INSERT INTO start_event_subscription (bpmn_process_id, process_definition_key, element_id, event_kind, event_name, tenant_id)
                        VALUES (@id, @key, @element, @kind, @name, @tenant)
                        ON CONFLICT (tenant_id, bpmn_process_id, element_id) DO UPDATE
                          SET process_definition_key = excluded.process_definition_key, event_kind = excluded.event_kind, event_name = excluded.event_name
                        """, new { ids.id, ids.key, element = start.Id, kind, name = evaluated.Value, ids.tenant }, transaction, cancellationToken: cancellationToken));
                }
                else if (start.EventKind == EventDefinitionKind.Timer && start.Timer is { } timer)
                {
                    var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                        "SELECT EXISTS (SELECT 1 FROM timer WHERE process_instance_key IS NULL AND process_definition_key = @key AND element_id = @element)",
                        new { ids.key, element = start.Id }, transaction, cancellationToken: cancellationToken));
                    var text = _expressions.String(timer.Expression, FeelContext.Empty);
                    var calendar = _calendars.Get(TimerCalculator.CalendarName(start));
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
                        await connection.ExecuteAsync(new CommandDefinition("""
                            INSERT INTO timer (key, process_instance_key, element_instance_key, element_id, process_definition_key, due_at, repetitions, definition, created_at, tenant_id)
                            VALUES (@timerKey, NULL, NULL, @element, @key, @dueAt, @repetitions, @definition, @now, @tenant);
                            SELECT pg_notify('processes_timers', @dueAt::text);
                            """, new { timerKey = _keys.Next(), element = start.Id, ids.key, dueAt = due.Value.DueAt, repetitions = due.Value.Repetitions, definition = text.Value, now, ids.tenant },
                            transaction, cancellationToken: cancellationToken));
                    }
                }
            }
            // Durability point: the process's start events now point at its latest version.
            await transaction.CommitAsync(cancellationToken);
        }
    }
}
