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
}

/// <summary>Purges finished instances past the retention period, on every host (batches skip each other's rows).</summary>
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

    [LoggerMessage(LogLevel.Information, "Purged {Count} finished process instances that ended before {Cutoff}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutoff);
}
