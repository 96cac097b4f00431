using Microsoft.Extensions.Options;
using Processes.Engine.Execution;
using Processes.Engine.Retention;
using Processes.Host.Postgres;

namespace Processes.Host.Engine;

/// <summary>How long finished instances are kept (section Processes:Retention).</summary>
public sealed class RetentionOptions
{
    /// <summary>Finished instances older than this are purged; null (the default) keeps them forever.</summary>
    public TimeSpan? FinishedInstances { get; set; }

    /// <summary>
    /// Batch operations that ended (with their items) older than this are purged; null keeps them forever. Default 30
    /// days: a batch's items name instances that retention may have purged already.
    /// </summary>
    public TimeSpan? FinishedBatchOperations { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    public int BatchSize { get; set; } = 500;

    /// <summary>How often each host checks that the history's months ahead exist.</summary>
    public TimeSpan PartitionInterval { get; set; } = TimeSpan.FromHours(1);

    internal bool PurgesAnything => FinishedInstances is not null || FinishedBatchOperations is not null;

    /// <summary>One round: whatever is past its period, a batch at a time until none is full; answers what went.</summary>
    internal async Task<(IReadOnlyList<string> Months, int Instances, int BatchOperations)> PurgeAsync(InstancePurge purge, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        int instances = 0, batches = 0, purged;
        IReadOnlyList<string> months = [];
        if (FinishedInstances is { } instancesKept)
        {
            // Whole months first: the batches below then find those instances' history gone.
            months = await purge.DropHistoryPartitionsAsync(now - instancesKept, cancellationToken);
            do
            {
                purged = await purge.PurgeBatchAsync(now - instancesKept, BatchSize, cancellationToken);
                instances += purged;
            }
            while (purged == BatchSize);
        }
        if (FinishedBatchOperations is { } batchesKept)
        {
            do
            {
                purged = await purge.PurgeBatchOperationsAsync(now - batchesKept, BatchSize, cancellationToken);
                batches += purged;
            }
            while (purged == BatchSize);
        }
        return (months, instances, batches);
    }
}

/// <summary>
/// Purges finished instances and batch operations past their retention periods, on every host: the history's months
/// that hold only such instances are dropped whole, then the rows go in batches (which skip each other's rows).
/// </summary>
/// <remarks>The engine needs the database, so it is resolved after the database started, not injected.</remarks>
internal sealed partial class RetentionService(ProcessesDatabase database, IServiceProvider services, IOptions<RetentionOptions> options,
    TimeProvider clock, ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.PurgesAnything)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureReadyAsync().WaitAsync(stoppingToken);
                var now = clock.GetUtcNow();
                var (months, instances, batches) = await options.Value.PurgeAsync(services.GetRequiredService<IProcessEngine>().Retention, now, stoppingToken);
                if (months.Count > 0)
                {
                    LogDropped(logger, string.Join(", ", months), now);
                }
                if (instances + batches > 0)
                {
                    LogPurged(logger, instances, batches, now);
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

    [LoggerMessage(LogLevel.Information, "Dropped the history partitions {Partitions}: every instance in them ended before its retention at {Now}")]
    private static partial void LogDropped(ILogger logger, string partitions, DateTimeOffset now);

    [LoggerMessage(LogLevel.Information, "Purged {Instances} finished process instances and {Batches} finished batch operations past their retention at {Now}")]
    private static partial void LogPurged(ILogger logger, int instances, int batches, DateTimeOffset now);
}
