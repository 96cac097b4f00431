using Microsoft.Extensions.Logging;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// Takes work: activates jobs of the registered types (one SKIP LOCKED query per type, at most the free slots) and
/// hands each to the executor. Idle, it waits for a <c>processes_jobs</c> notification or a poll interval that
/// doubles from <see cref="JobExecutorOptions.MinPollInterval"/> to <see cref="JobExecutorOptions.MaxPollInterval"/>;
/// saturated, for half the slots to free up. Each round does its own waiting.
/// </summary>
internal sealed class JobPollingProcess(
    ProcessEngine engine, JobHandlerRegistry handlers, JobExecutorOptions options, JobPollingProcess.Slots slots, ILogger logger) : IBackgroundProcess
{
    /// <summary>What the poller needs of the executor: its load, where activated jobs go, and the two wake-up signals.</summary>
    internal sealed record Slots(Func<int> Running, Action<ActivatedJob> Start, Wakeup JobsAvailable, Wakeup SlotFreed);

    private TimeSpan _idle = options.MinPollInterval;
    private bool _anyFullBefore;

    public async Task<TimeSpan> ExecuteAsync(CancellationToken stop)
    {
        // Saturated: wait until half the slots are free, so one activation (one commit) takes many jobs instead of
        // one per finished handler.
        if (slots.Running() >= options.MaxConcurrency || (_anyFullBefore && slots.Running() > options.MaxConcurrency / 2))
        {
            await slots.SlotFreed.WaitAsync(options.MaxPollInterval, stop);
            return TimeSpan.Zero;
        }
        var anyFull = false;
        foreach (var type in handlers.Types)
        {
            var free = options.MaxConcurrency - slots.Running();
            if (free <= 0 || stop.IsCancellationRequested)
            {
                break;
            }
            var want = Math.Min(free, options.BatchSize);
            // Durability point (inside the engine): the leases are committed before any handler starts, so a crash
            // from here on leaves the jobs to expire and run again (at-least-once).
            var jobs = await engine.ActivateJobsAsync(type, options.NodeId, options.LeaseTimeout, want, null, stop);
            foreach (var job in jobs)
            {
                slots.Start(job);
            }
            anyFull |= jobs.Count == want;
        }
        _anyFullBefore = anyFull;
        if (anyFull)
        {
            _idle = options.MinPollInterval; // more are waiting: poll again at once
            return TimeSpan.Zero;
        }
        if (await slots.JobsAvailable.WaitAsync(_idle, stop))
        {
            _idle = options.MinPollInterval;
            // Let a burst of inserts (one notification each) gather, so one poll takes many jobs.
            await Task.Delay(options.NotificationCoalescing, stop);
        }
        else
        {
            _idle = TimeSpan.FromTicks(Math.Min(_idle.Ticks * 2, options.MaxPollInterval.Ticks));
        }
        return TimeSpan.Zero;
    }

    public TimeSpan OnFailure(Exception exception)
    {
        logger.LogError(exception, "Job polling failed; trying again in {Pause}", options.MaxPollInterval);
        return options.MaxPollInterval;
    }
}
