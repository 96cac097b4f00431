using Microsoft.Extensions.Logging;
using Processes.Engine.Execution;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// Makes expired job leases (of any worker: a node that died, hung or lost the database) activatable again, every
/// <see cref="JobExecutorOptions.LeaseRecoveryInterval"/>, first at start-up. Delivery is at-least-once because of
/// this: the job of a lost lease runs again on whichever node takes it next.
/// </summary>
internal sealed class LeaseRecoveryProcess(ProcessEngine engine, JobExecutorOptions options, ILogger logger) : IBackgroundProcess
{
    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        // Durability point (inside the engine): the recovered jobs are committed as activatable; a crash before
        // leaves them expired for the next round, on this node or any other.
        var recovered = await engine.RecoverExpiredLeasesAsync(stop);
        if (recovered > 0)
        {
            logger.LogInformation("{Count} job lease(s) expired and were made activatable again", recovered);
        }
        return options.LeaseRecoveryInterval;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        logger.LogError(exception, "Recovering expired job leases failed; trying again in {Pause}", options.LeaseRecoveryInterval);
        return options.LeaseRecoveryInterval;
    }
}
