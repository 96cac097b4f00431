using Microsoft.Extensions.Logging;
using Processes.Engine.Execution;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// Reloads the per-type retry back-offs operators store (<see cref="JobTypeBackOffs"/>) every
/// <see cref="JobExecutorOptions.LeaseRecoveryInterval"/>, first at start-up, so a change reaches every node without a
/// restart. Until the first load, and after a failed one, the last known values (or the configured ones) apply.
/// </summary>
internal sealed class BackOffRefreshProcess(ProcessEngine engine, JobExecutorOptions options, ILogger logger) : IBackgroundProcess
{
    private IReadOnlyDictionary<string, RetryBackOff> _stored = new Dictionary<string, RetryBackOff>();

    /// <summary>The stored back-off of a job type, if an operator set one.</summary>
    public RetryBackOff? For(string type) => Volatile.Read(ref _stored).GetValueOrDefault(type);

    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        Volatile.Write(ref _stored, await JobTypeBackOffs.LoadAsync(engine.DataSource, stop));
        return options.LeaseRecoveryInterval;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        logger.LogError(exception, "Loading the stored job back-offs failed; keeping the last ones, trying again in {Pause}", options.LeaseRecoveryInterval);
        return options.LeaseRecoveryInterval;
    }
}
