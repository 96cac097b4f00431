using Microsoft.Extensions.Logging;
using Processes.Engine.Execution;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// Renews the leases of the jobs running on this node every third of their length, so a handler may run longer than
/// one lease. A lease is only lost when the node stops renewing it — it died, hung or lost the database — and then
/// another node runs the job once it expires (or at once when the node is reaped as dead).
/// </summary>
internal sealed class LeaseExtensionProcess(ProcessEngine engine, JobExecutorOptions options, Func<long[]> runningJobs, ILogger logger) : IBackgroundProcess
{
    /// <summary>A third of the lease (at least 100 ms): two renewals may fail before a running job's lease runs out.</summary>
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond / 10, options.LeaseTimeout.Ticks / 3));

    // The leases taken now are fresh: the first renewal is due one interval from now.
    public TimeSpan FirstDelay => Interval;

    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        var keys = runningJobs();
        if (keys.Length == 0)
        {
            return Interval;
        }
        await using var connection = await engine.DataSource.OpenConnectionAsync(stop);
        // Durability point: the renewed deadlines are committed; a crash after this keeps the jobs leased to this
        // node for at most one more lease (or until the node is reaped).
        await Storage.JobStore.ExtendLeasesAsync(connection, keys, options.NodeId, engine.Clock.GetUtcNow() + options.LeaseTimeout, stop);
        return Interval;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        // Sooner than a whole interval: each missed renewal brings the running jobs closer to losing their leases.
        var pause = TimeSpan.FromTicks(Math.Min(Interval.Ticks, options.MaxPollInterval.Ticks));
        logger.LogError(exception, "Renewing the leases of running jobs failed; trying again in {Pause}", pause);
        return pause;
    }
}
