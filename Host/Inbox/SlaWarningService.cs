using Dapper;
using Processes.Host.Postgres;

namespace Processes.Host.Inbox;

/// <summary>
/// Records a TASK_SLA_WARNING history event once for each open task that has used three quarters of the time
/// between its creation and its due date, so inboxes (and the task event stream) warn before the SLA breaks.
/// Every host may run it: the insert skips tasks already warned, and a unique warning per task is enforced by
/// the NOT EXISTS under a per-round advisory lock.
/// </summary>
internal sealed partial class SlaWarningService(ProcessesDatabase database, TimeProvider clock, ILogger<SlaWarningService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var dataSource = await database.EnsureStartedAsync().WaitAsync(stoppingToken);
                var warned = await WarnAsync(dataSource, clock.GetUtcNow(), stoppingToken);
                if (warned > 0)
                {
                    LogWarned(logger, warned);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (ProcessesDatabase.IsTransient(e))
            {
                // The database is away; the next round tries again.
            }
            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One round: warns every open task past 75 % of its time; returns how many.</summary>
    internal static async Task<int> WarnAsync(Npgsql.NpgsqlDataSource dataSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Hosts take turns: two rounds at once would both see "not warned yet".
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('sla-warnings', 7))", transaction: transaction, cancellationToken: cancellationToken));
        var count = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO execution_history (process_instance_key, element_instance_key, element_id, element_type, event, details, at)
            SELECT t.process_instance_key, t.element_instance_key, t.element_id, 'userTask', 'TASK_SLA_WARNING',
                   jsonb_build_object('userTaskKey', t.key, 'dueDate', t.due_date, 'assignee', t.assignee), @now
            FROM user_task t
            WHERE t.state = 'CREATED' AND t.due_date IS NOT NULL AND t.due_date > t.created_at
              AND @now >= t.created_at + (t.due_date - t.created_at) * 0.75
              AND NOT EXISTS (SELECT 1 FROM execution_history h
                              WHERE h.process_instance_key = t.process_instance_key AND h.event = 'TASK_SLA_WARNING'
                                AND (h.details->>'userTaskKey')::bigint = t.key)
            """, new { now = now.ToUniversalTime() }, transaction, cancellationToken: cancellationToken));
        // Durability point: the warnings and the round commit together; a crash before leaves them for the next round.
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    [LoggerMessage(LogLevel.Information, "Recorded SLA warnings for {Count} tasks past 75 % of their time")]
    private static partial void LogWarned(ILogger logger, int count);
}
