using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Engine.Jobs.Background;

/// <summary>
/// One duty of a node's job machinery, run in rounds by <see cref="BackgroundProcessServer"/> — as Hangfire's
/// <c>BackgroundJobServer</c> runs its <c>IBackgroundProcess</c>es. A process owns its interval and its failures: one
/// duty that fails (say the metrics table is locked) neither delays nor silences the others.
/// </summary>
internal interface IBackgroundProcess
{
    /// <summary>One round; returns how long to wait before the next (zero when the round did its own waiting).</summary>
    Task<TimeSpan> ExecuteAsync(CancellationToken stop);

    /// <summary>A round threw: log it as this duty's failure and return the pause before trying again.</summary>
    TimeSpan OnFailure(Exception exception);

    /// <summary>How long to wait before the first round (the duties that follow other work need not run at once).</summary>
    TimeSpan FirstDelay => TimeSpan.Zero;
}

/// <summary>
/// Runs background processes side by side until the stop token is cancelled. Each has its own loop, so a slow round
/// of one (a long lease recovery) does not hold back another (polling). A round that failed because the database went
/// away clears the pool and is tried again within a second, whatever the process's own pause: every duty notices the
/// server's return at once, not after its interval.
/// </summary>
internal sealed class BackgroundProcessServer(NpgsqlDataSource? dataSource = null)
{
    private readonly List<Task> _loops = [];
    private readonly Dictionary<IBackgroundProcess, TaskCompletionSource> _firstRounds = [];

    public void Start(IBackgroundProcess process, CancellationToken stop)
    {
        var firstRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _firstRounds[process] = firstRound;
        _loops.Add(Task.Run(() => RunAsync(process, firstRound, stop), CancellationToken.None));
    }

    /// <summary>Completes after the first round of a started process, succeeded or not, or when it stopped before one.</summary>
    public Task FirstRound(IBackgroundProcess process) => _firstRounds[process].Task;

    /// <summary>Completes when every process has seen the stop and returned.</summary>
    public Task WhenStopped => Task.WhenAll(_loops);

    private async Task RunAsync(IBackgroundProcess process, TaskCompletionSource firstRound, CancellationToken stop)
    {
        var lost = FailurePause.Default();
        try
        {
            if (!await PauseAsync(process.FirstDelay, stop))
            {
                return;
            }
            while (!stop.IsCancellationRequested)
            {
                TimeSpan next;
                try
                {
                    next = await process.ExecuteAsync(stop);
                    lost.Reset();
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // a failed round is the process's to log; the loop itself must outlive it
                catch (Exception e)
#pragma warning restore CA1031
                {
                    next = process.OnFailure(e);
                    if (dataSource is not null && ConnectionFaults.ClearPoolIfBroken(dataSource, e))
                    {
                        var retry = lost.Next();
                        next = next < retry ? next : retry;
                    }
                }
                firstRound.TrySetResult();
                if (!await PauseAsync(next, stop))
                {
                    return;
                }
            }
        }
        finally
        {
            // Whoever waits for the first round must not wait forever on a process that stopped before it.
            firstRound.TrySetResult();
        }
    }

    /// <summary>False when the stop came during the pause.</summary>
    private static async Task<bool> PauseAsync(TimeSpan pause, CancellationToken stop)
    {
        if (pause <= TimeSpan.Zero)
        {
            return !stop.IsCancellationRequested;
        }
        try
        {
            await Task.Delay(pause, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
