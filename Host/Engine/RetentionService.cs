using Microsoft.Extensions.Options;
using Processes.Engine.Execution;
using Processes.Host.Postgres;

namespace Processes.Host.Engine;

/// <summary>How long finished instances are kept (section Processes:Retention).</summary>
public sealed class RetentionOptions
{
    /// <summary>Finished instances older than this are purged; null (the default) keeps them forever.</summary>
    public TimeSpan? FinishedInstances { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    public int BatchSize { get; set; } = 500;

    /// <summary>How often each host checks that the history's months ahead exist.</summary>
    public TimeSpan PartitionInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Purges finished instances past the retention period, on every host: the history's months that hold only such
/// instances are dropped whole, then the instances' rows go in batches (which skip each other's rows).
/// </summary>
/// <remarks>The engine needs the database, so it is resolved after the database started, not injected.</remarks>
internal sealed partial class RetentionService(ProcessesDatabase database, IServiceProvider services, IOptions<RetentionOptions> options,
    TimeProvider clock, ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.FinishedInstances is not { } keep)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureReadyAsync().WaitAsync(stoppingToken);
                var purge = services.GetRequiredService<IProcessEngine>().Retention;
                var cutoff = clock.GetUtcNow() - keep;
                // Whole months first: the batches below then find those instances' history gone.
                var dropped = await purge.DropHistoryPartitionsAsync(cutoff, stoppingToken);
                if (dropped.Count > 0)
                {
                    LogDropped(logger, string.Join(", ", dropped), cutoff);
                }
                int purged, total = 0;
                do
                {
                    purged = await purge.PurgeBatchAsync(cutoff, options.Value.BatchSize, stoppingToken);
                    total += purged;
                }
                while (purged == options.Value.BatchSize);
                if (total > 0)
                {
                    LogPurged(logger, total, cutoff);
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
            await Task.Delay(options.Value.Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(LogLevel.Information, "Dropped the history partitions {Partitions}: every instance in them ended before {Cutoff}")]
    private static partial void LogDropped(ILogger logger, string partitions, DateTimeOffset cutoff);

    [LoggerMessage(LogLevel.Information, "Purged {Count} finished process instances that ended before {Cutoff}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutoff);
}
