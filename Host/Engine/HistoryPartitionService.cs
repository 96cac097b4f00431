using Microsoft.Extensions.Options;
using Processes.Engine.Execution;
using Processes.Host.Postgres;

namespace Processes.Host.Engine;

/// <summary>
/// Keeps the history's monthly partitions created ahead (the current month and <c>InstancePurge.HistoryMonthsAhead</c>
/// more) on every host, whether retention is on or not: a row whose month has no partition lands in the default one,
/// which retention can only empty row by row. Hosts skip each other's round (advisory lock).
/// </summary>
/// <remarks>The engine needs the database, so it is resolved after the database started, not injected.</remarks>
internal sealed partial class HistoryPartitionService(ProcessesDatabase database, IServiceProvider services, IOptions<RetentionOptions> options,
    TimeProvider clock, ILogger<HistoryPartitionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureReadyAsync().WaitAsync(stoppingToken);
                var created = await services.GetRequiredService<IProcessEngine>().Retention.EnsureHistoryPartitionsAsync(clock.GetUtcNow(), stoppingToken);
                if (created > 0)
                {
                    LogCreated(logger, created);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (Processes.Engine.Storage.ConnectionFaults.IsBroken(e))
            {
                // The database is away; the next round tries again (two months are created ahead).
            }
            await Task.Delay(options.Value.PartitionInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(LogLevel.Information, "Created {Count} monthly partitions of the execution history ahead")]
    private static partial void LogCreated(ILogger logger, int count);
}
