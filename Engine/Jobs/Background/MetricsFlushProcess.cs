using Microsoft.Extensions.Logging;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// Writes the per-minute success/failure counts of <see cref="JobMetricsBuffer"/> to <c>job_metrics</c> every
/// <see cref="JobExecutorOptions.MetricsFlushInterval"/>; the executor flushes once more on shutdown.
/// </summary>
internal sealed class MetricsFlushProcess(JobMetricsBuffer metrics, JobExecutorOptions options, ILogger logger) : IBackgroundProcess
{
    // Nothing was counted yet at start-up.
    public TimeSpan FirstDelay => options.MetricsFlushInterval;

    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        // Durability point (inside the buffer): the counts are committed; a crash loses at most one interval's counts.
        await metrics.FlushAsync(stop);
        return options.MetricsFlushInterval;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        // The operator charts miss these counts; the audit trail (execution_history) does not depend on them.
        logger.LogWarning(exception, "Writing the job metrics failed; trying again in {Pause}", options.MetricsFlushInterval);
        return options.MetricsFlushInterval;
    }
}
