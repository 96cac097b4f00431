using Processes.Engine.Execution;
using Processes.Host.Postgres;

namespace Processes.Host.Inbox;

/// <summary>
/// Every 30 s, records a TASK_SLA_WARNING history event once for each open task that has used three quarters of
/// the time between its creation and its due date, so inboxes (and the task event stream) warn before the SLA
/// breaks. Every host may run it: the engine's user-task store serialises the rounds and skips warned tasks.
/// </summary>
/// <remarks>The engine needs the database, so it is resolved after the database started, not injected.</remarks>
internal sealed partial class SlaWarningService(ProcessesDatabase database, IServiceProvider services, TimeProvider clock, ILogger<SlaWarningService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureReadyAsync().WaitAsync(stoppingToken);
                var warned = await services.GetRequiredService<IProcessEngine>().UserTasks.RecordSlaWarningsAsync(clock.GetUtcNow(), stoppingToken);
                if (warned > 0)
                {
                    LogWarned(logger, warned);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (Processes.Engine.Storage.ConnectionFaults.IsBroken(e))
            {
                // The database is away; the next round tries again.
            }
            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(LogLevel.Information, "Recorded SLA warnings for {Count} tasks past 75 % of their time")]
    private static partial void LogWarned(ILogger logger, int count);
}
