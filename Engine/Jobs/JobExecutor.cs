using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;
using Processes.Engine.Jobs.Background;
using Processes.Engine.Storage;

namespace Processes.Engine.Jobs;

/// <summary>
/// Runs jobs in-process: polls <see cref="ProcessEngine.ActivateJobsAsync"/> for the registered types, runs the
/// handlers on a bounded pool and reports each outcome to the engine. Delivery is at-least-once: the lease
/// (worker = node id, deadline = now + lease timeout) is the only claim, so a node that dies mid-job leaves the
/// job to expire and be run again by any node. <see cref="RunAsync"/> returns after a graceful shutdown.
/// </summary>
internal sealed class JobExecutor
{
    private readonly ProcessEngine _engine;
    private readonly JobHandlerRegistry _handlers;
    private readonly JobExecutorOptions _options;
    private readonly ILogger _logger;
    private readonly JobMetricsBuffer _metrics;
    private readonly BackOffRefreshProcess _backOffs;
    private readonly CompletionGroups _completions;
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly Wakeup _jobsAvailable = new();
    private readonly Wakeup _slotFreed = new();
    private NodeListener? _listener;
    private int _active;
    private long _invocations;
    private long _completed;
    private long _failed;

    public JobExecutor(ProcessEngine engine, JobHandlerRegistry handlers, JobExecutorOptions options, ILogger<JobExecutor>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        _engine = engine;
        _handlers = handlers;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new JobMetricsBuffer(engine.DataSource);
        _backOffs = new BackOffRefreshProcess(engine, options, _logger);
        _completions = new CompletionGroups(engine);
    }

    public string NodeId => _options.NodeId;

    /// <summary>
    /// Hears new jobs and batches on <paramref name="listener"/> (the node's connection) instead of a listener of its
    /// own; called before either runs.
    /// </summary>
    internal void ListenOn(NodeListener listener)
    {
        // Batches first: alone, the executor's LISTEN on the job channel comes last, so seeing it means both are heard.
        listener.Subscribe(new Subscription(BatchOperationStore.Channel, _ => _engine.BatchesWaiting.Set(), _ => _engine.BatchesWaiting.Set()));
        listener.Subscribe(new Subscription("processes_jobs", OnJobNotification, _ => _jobsAvailable.Set()));
        _listener = listener;
    }

    /// <summary>Whether notifications reach this executor now (its listener is connected).</summary>
    internal bool Listening => _listener?.Listening ?? false;

    /// <summary>Handlers running now (the node's load).</summary>
    public int RunningJobs => Volatile.Read(ref _active);

    /// <summary>Handler invocations since start.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    /// <summary>Jobs this node completed (or ended with a BPMN error the engine accepted).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Failures this node reported.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Polls and runs jobs until <paramref name="cancellationToken"/> is cancelled, then shuts down gracefully: no
    /// new activations, running handlers get <see cref="JobExecutorOptions.ShutdownTimeout"/> to finish, the leases
    /// of those still running are handed back, and the metrics are flushed. Each duty besides running handlers —
    /// polling, lease recovery, lease renewal, back-off reload, metrics — is its own background process.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var handlerStop = new CancellationTokenSource();
        // Alone (tests, benchmarks) the executor listens for itself; on a node it was given the node's listener.
        var listener = _listener is null && _options.ListenForNotifications ? OwnListener().RunAsync(cancellationToken) : Task.CompletedTask;
        var server = new BackgroundProcessServer(_engine.DataSource);
        // Runs until the drain below is over: handlers finishing during a graceful shutdown still get their answer.
        var completing = Task.Run(_completions.RunAsync, CancellationToken.None);
        try
        {
            var recovery = new LeaseRecoveryProcess(_engine, _options, _logger);
            server.Start(_backOffs, cancellationToken);
            server.Start(recovery, cancellationToken);
            server.Start(new LeaseExtensionProcess(_engine, _options, () => [.. _running.Keys], _logger), cancellationToken);
            server.Start(new MetricsFlushProcess(_metrics, _options, _logger), cancellationToken);
            server.Start(new Batches.BatchRunner(_engine, _options.MaxPollInterval, _logger, _engine.BatchesWaiting), cancellationToken);
            // The first poll comes after the first recovery and back-off load, as it always did: recovered jobs are
            // taken at once, and a job failing in the first second gets the back-off an operator stored for its type.
            await Task.WhenAll(server.FirstRound(_backOffs), server.FirstRound(recovery));
            server.Start(new JobPollingProcess(_engine, _handlers, _options,
                new JobPollingProcess.Slots(() => RunningJobs, job => Start(job, handlerStop.Token), _jobsAvailable, _slotFreed), _logger), cancellationToken);
        }
        finally
        {
            await server.WhenStopped;
            await DrainAsync(handlerStop);
            _completions.Stop();
            await completing;
            await listener;
        }
    }

    private NodeListener OwnListener()
    {
        var own = new NodeListener(_engine.DataSource, _logger);
        ListenOn(own);
        return own;
    }

    /// <summary>A job of some type was created; only a type this node handles wakes the poll.</summary>
    private void OnJobNotification(string type)
    {
        if (type.Length == 0 || _handlers.Find(type) is not null)
        {
            _jobsAvailable.Set();
        }
    }

    private void Start(ActivatedJob job, CancellationToken handlerToken)
    {
        Interlocked.Increment(ref _active);
        var task = Task.Run(() => RunJobAsync(job, handlerToken), CancellationToken.None);
        _running[job.Key] = task;
        _ = task.ContinueWith(_ =>
        {
            _running.TryRemove(job.Key, out var _);
            Interlocked.Decrement(ref _active);
            _slotFreed.Set();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunJobAsync(ActivatedJob job, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _invocations);
        var context = new JobContext(job.Key, job.Type, job.Retries, job.ProcessInstanceKey, job.ElementInstanceKey, job.ElementId,
            job.BpmnProcessId, job.CustomHeaders, job.Variables, job.Deadline) { TenantId = job.TenantId };
        JobOutcome outcome;
        try
        {
            outcome = await _handlers.Find(job.Type)!.HandleAsync(context, cancellationToken)
                ?? JobOutcome.Fail($"The handler of '{job.Type}' returned no outcome.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // shutdown ran out of time: the drain hands the lease back
        }
#pragma warning disable CA1031 // a handler's exception is a retryable failure of its job, never the executor's
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Handler of job {JobKey} ({Type}) threw", job.Key, job.Type);
            outcome = JobOutcome.Fail(string.IsNullOrWhiteSpace(e.Message) ? e.GetType().Name : e.Message);
        }
        // The database gone while the handler ran: the outcome is kept and reported once it is back (for up to half
        // the lease), instead of the job running again when its lease expires. A report that committed before the
        // connection broke is refused the second time (the job is gone), so nothing happens twice.
        var lost = FailurePause.Default();
        var giveUp = DateTimeOffset.UtcNow + _options.LeaseTimeout / 2;
        while (true)
        {
            try
            {
                await ReportAsync(job, outcome, cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the outcome is lost, not the executor: the lease expires and the job runs again
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (!ConnectionFaults.ClearPoolIfBroken(_engine.DataSource, e) || DateTimeOffset.UtcNow >= giveUp)
                {
                    _logger.LogError(e, "Could not report the outcome of job {JobKey}; it runs again when its lease expires", job.Key);
                    return;
                }
                _logger.LogWarning("Could not report the outcome of job {JobKey}: the database is away ({Reason}); trying again", job.Key, e.Message);
            }
            try
            {
                await Task.Delay(lost.Next(), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReportAsync(ActivatedJob job, JobOutcome outcome, CancellationToken cancellationToken)
    {
        CommandResult<bool> result;
        switch (outcome)
        {
            case JobOutcome.Completed completed:
                // Durability point (inside the engine): the completion and the next steps commit together, in a group
                // with the completions that arrived meanwhile.
                result = await _completions.CompleteAsync(job.Key, job.ProcessInstanceKey, completed.Variables, cancellationToken);
                Count(job, result, success: true);
                break;
            case JobOutcome.ErrorThrown error:
                result = await _engine.ThrowJobErrorAsync(job.Key, error.Code, error.Message, error.Variables, cancellationToken);
                Count(job, result, success: true);
                break;
            case JobOutcome.Failed failed:
                var failures = await CountFailureAsync(job.Key, cancellationToken);
                var retries = failed.Retryable ? Math.Max(0, job.Retries - 1) : 0;
                var backOff = failed.BackOff ?? (_backOffs.For(job.Type) ?? _options.BackOffFor(job.Type)).Delay(failures);
                // Durability point (inside the engine): retries, due time and message (or the incident) commit together.
                result = await _engine.FailJobAsync(job.Key, retries, failed.Message, backOff, null, cancellationToken);
                Count(job, result, success: false);
                break;
            default:
                throw new InvalidOperationException($"Unknown job outcome {outcome}.");
        }
        if (result.Error == CommandError.InvalidArgument && outcome is not JobOutcome.Failed)
        {
            // The handler's result cannot be stored (a variable over the limits, a NUL from a response body): running
            // the job again would bring the same result, so the job ends in an incident that says why.
            _logger.LogWarning("Job {JobKey} ({Type}): the engine refused its result: {Message}", job.Key, job.Type, result.Message);
            result = await _engine.FailJobAsync(job.Key, 0, "The job's result was refused: " + result.Message, TimeSpan.Zero, null, cancellationToken);
            Count(job, result, success: false);
        }
        if (!result.Ok)
        {
            // Usually the element was cancelled meanwhile (an interrupting boundary event, a cancelled instance).
            _logger.LogInformation("Job {JobKey} ({Type}): the engine refused the outcome: {Message}", job.Key, job.Type, result.Message);
        }
    }

    private void Count(ActivatedJob job, CommandResult<bool> result, bool success)
    {
        if (!result.Ok)
        {
            return;
        }
        if (success)
        {
            Interlocked.Increment(ref _completed);
            _metrics.Succeeded(job.Type, job.TenantId, _engine.Clock.GetUtcNow());
        }
        else
        {
            Interlocked.Increment(ref _failed);
            _metrics.Failed(job.Type, job.TenantId, _engine.Clock.GetUtcNow());
        }
    }

    /// <summary>Adds one to the job's failure count (the back-off exponent) and returns it.</summary>
    private async Task<int> CountFailureAsync(long jobKey, CancellationToken cancellationToken)
    {
        await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
        return await Storage.JobStore.CountFailureAsync(connection, jobKey, cancellationToken);
    }

    private async Task DrainAsync(CancellationTokenSource handlerStop)
    {
        var running = _running.Values.ToArray();
        if (running.Length > 0)
        {
            _logger.LogInformation("Shutting down: waiting up to {Timeout} for {Count} running job(s)", _options.ShutdownTimeout, running.Length);
            await Task.WhenAny(Task.WhenAll(running), Task.Delay(_options.ShutdownTimeout, CancellationToken.None));
        }
        var unfinished = _running.Keys.ToArray();
        await handlerStop.CancelAsync();
        if (unfinished.Length > 0)
        {
            await ReleaseLeasesAsync(unfinished);
        }
        await Task.WhenAny(Task.WhenAll(_running.Values.ToArray()), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        try
        {
            await _metrics.FlushAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // shutdown goes on without the last minute's counts
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Could not write the last job metrics");
        }
    }

    /// <summary>Hands back the leases of jobs whose handlers did not finish in time, so another node runs them now.</summary>
    private async Task ReleaseLeasesAsync(long[] keys)
    {
        try
        {
            await using var connection = await _engine.DataSource.OpenConnectionAsync(CancellationToken.None);
            // Durability point: released jobs are activatable for every node; a crash before this leaves them to expire.
            var released = await Storage.JobStore.ReleaseLeasesAsync(connection, keys, _options.NodeId, CancellationToken.None);
            _logger.LogInformation("Shutting down: released the leases of {Count} unfinished job(s)", released);
        }
#pragma warning disable CA1031 // the leases then expire on their own
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Could not release the leases of {Count} unfinished job(s); they expire on their own", keys.Length);
        }
    }
}
