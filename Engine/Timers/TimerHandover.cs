using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Execution;
using Processes.Engine.Storage;

namespace Processes.Engine.Timers;

/// <summary>An outside scheduler (Hangfire) that runs a timer's firing at its due time.</summary>
public interface ITimerJobScheduler
{
    /// <summary>Creates the job (committed in the scheduler's own store) and returns its id.</summary>
    string Schedule(TimerJob timer);

    /// <summary>Deletes a job that has not started yet; best effort (a job that runs anyway finds its timer gone).</summary>
    void Delete(string jobId);
}

/// <summary>What a handed-over job fires: the timer key and the due time it was handed over for (ticks, UTC).</summary>
public sealed record TimerJob(long TimerKey, long DueAtTicks, string DisplayName)
{
    public DateTimeOffset DueAt => new(DueAtTicks, TimeSpan.Zero);
}

/// <summary>Settings of the timer handover (Host section <c>Processes:Hangfire</c>).</summary>
public sealed class TimerHandoverOptions
{
    /// <summary>Timers due within this are handed over; later ones wait in the timer table.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Only timers set at least this far ahead go to the outside scheduler; shorter ones keep the engine's precise wake-up.</summary>
    public TimeSpan MinimumLead { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Timers due sooner than this are left to the engine (a job would start late anyway).</summary>
    public TimeSpan NotBefore { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the table is looked at for timers entering the horizon and jobs of gone timers.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A handover lease not followed by the job id (crash) lets another dispatcher hand the timer over again.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An outside job started this much before its due time (Hangfire: whole seconds, up to 1 s early) waits; earlier is an operator's "fire now".</summary>
    public TimeSpan EarlyStartTolerance { get; set; } = TimeSpan.FromSeconds(2);

    public int BatchSize { get; set; } = 100;
}

/// <summary>
/// The timer row is the outbox: hands every long timer entering the horizon to an <see cref="ITimerJobScheduler"/>,
/// records the job id on the row, deletes the jobs of timers that are gone, and fires a timer when its job runs. The
/// engine's <see cref="TimerScheduler"/> stays the backstop (it fires handed-over timers overdue by its grace).
/// </summary>
public sealed class TimerHandover
{
    private readonly ProcessEngine _engine;
    private readonly ITimerJobScheduler _scheduler;
    private readonly TimerHandoverOptions _options;
    private readonly ILogger _logger;

    internal TimerHandover(ProcessEngine engine, ITimerJobScheduler scheduler, TimerHandoverOptions options, ILogger<TimerHandover>? logger = null)
    {
        _engine = engine;
        _scheduler = scheduler;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                while (await HandOverAsync(cancellationToken) == _options.BatchSize)
                {
                    // a full batch: more are inside the horizon
                }
                while (await DeleteGoneJobsAsync(cancellationToken) == _options.BatchSize)
                {
                }
                await Task.Delay(_options.PollInterval, _engine.Clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the next round tries again; the backstop fires whatever is late meanwhile
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.LogError(e, "Timer handover failed; trying again in {Pause}", _options.PollInterval);
                await Task.Delay(_options.PollInterval, _engine.Clock, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Hands one batch over; returns how many timers were leased.</summary>
    internal async Task<int> HandOverAsync(CancellationToken cancellationToken)
    {
        var now = _engine.Clock.GetUtcNow().ToUniversalTime();
        IReadOnlyList<HandoverCandidate> leased;
        await using (var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken))
        {
            // Durability point: the lease commits alone (Hangfire cannot write inside our transaction). From here the
            // engine's scheduler waits for the grace before firing these; a crash before the job id is recorded lets the
            // lease expire and another dispatcher hand the timer over again (a duplicate job is harmless: see FireAsync).
            leased = await TimerStore.LeaseForHandoverAsync(connection, now, now + _options.NotBefore, now + _options.Horizon, _options.MinimumLead,
                _options.LeaseTimeout, _options.BatchSize, cancellationToken);
        }
        foreach (var timer in leased)
        {
            var job = new TimerJob(timer.Key, DateTime.SpecifyKind(timer.DueAt, DateTimeKind.Utc).Ticks, await DisplayNameAsync(timer, cancellationToken));
            // Durability point: the job commits in Hangfire's schema, in Hangfire's own transaction.
            var jobId = _scheduler.Schedule(job);
            await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
            // Durability point: the job id on the row. If the timer was cancelled or rescheduled in between, the job is
            // not its any more: delete it (it would do nothing anyway).
            if (!await TimerStore.RecordExternalJobAsync(connection, timer.Key, timer.DueAt, jobId, cancellationToken))
            {
                TryDelete(jobId);
            }
        }
        return leased.Count;
    }

    /// <summary>Deletes the still-scheduled jobs of timers that are gone; returns how many were taken.</summary>
    internal async Task<int> DeleteGoneJobsAsync(CancellationToken cancellationToken)
    {
        string[] gone;
        await using (var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken))
        {
            // Durability point: taken off the outbox before deleting; a crash in between leaves a job that finds its
            // timer gone and does nothing. Best effort is enough here.
            gone = await TimerStore.TakeGoneJobsAsync(connection, _options.BatchSize, cancellationToken);
        }
        foreach (var jobId in gone)
        {
            TryDelete(jobId);
        }
        return gone.Length;
    }

    /// <summary>
    /// The job's body: waits out an early start, then fires the timer through the engine's command, which does nothing
    /// when the timer is gone (fired by the backstop or a duplicate job, cancelled) or due at another time (next cycle).
    /// </summary>
    public async Task<bool> FireAsync(TimerJob job, CancellationToken cancellationToken)
    {
        var early = job.DueAt - _engine.Clock.GetUtcNow();
        if (early > TimeSpan.Zero && early <= _options.EarlyStartTolerance)
        {
            await Task.Delay(early, _engine.Clock, cancellationToken);
        }
        // Durability point (inside the engine): the firing and the timer row's deletion commit together.
        var result = await _engine.TriggerTimerAsync(job.TimerKey, new DateTime(job.DueAtTicks, DateTimeKind.Utc), cancellationToken);
        if (!result.Ok)
        {
            // Throwing lets the outside scheduler retry; the backstop fires it after the grace if it never succeeds.
            throw new InvalidOperationException($"Timer {job.TimerKey} could not fire: {result.Message}");
        }
        return result.Value;
    }

    private async Task<string> DisplayNameAsync(HandoverCandidate timer, CancellationToken cancellationToken)
    {
        var process = await _engine.Definitions.GetExecutableAsync(timer.ProcessDefinitionKey, cancellationToken);
        var element = process is not null && process.Elements.TryGetValue(timer.ElementId, out var found) ? found.Name ?? found.Id : timer.ElementId;
        // The instance key always: it is what the case view (/cases/{key}) and the operations console search by.
        var instance = timer.BusinessKey is { } businessKey ? $"{timer.BpmnProcessId} {businessKey}" : timer.BpmnProcessId ?? "start";
        return timer.ProcessInstanceKey is { } key ? $"{element} · {instance} · {timer.ElementId} · #{key}" : $"{element} · {instance} · {timer.ElementId}";
    }

    private void TryDelete(string jobId)
    {
        try
        {
            _scheduler.Delete(jobId);
        }
#pragma warning disable CA1031 // best effort: a job left behind finds its timer gone and does nothing
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Could not delete the job {JobId} of a gone timer; it will do nothing when it runs", jobId);
        }
    }
}
