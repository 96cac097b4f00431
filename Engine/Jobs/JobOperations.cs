using Processes.Engine.Execution;
using Processes.Engine.Storage;

namespace Processes.Engine.Jobs;

/// <summary>Operator commands on jobs and timers; refusals are values (<see cref="CommandResult{T}"/>), never exceptions.</summary>
public sealed class JobOperations
{
    private readonly ProcessEngine _engine;

    internal JobOperations(ProcessEngine engine)
    {
        _engine = engine;
    }

    /// <summary>
    /// Gives a job more attempts. A failed job (incident) gets <paramref name="retries"/> and its incident is
    /// resolved through the engine, which makes it activatable; a job waiting out its back-off is made due now.
    /// A running job is refused: its worker still holds the lease.
    /// </summary>
    public async Task<CommandResult<bool>> RetryJobAsync(long jobKey, int retries, CancellationToken cancellationToken)
    {
        if (retries < 1)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidArgument, "retries must be at least 1.");
        }
        long? incidentKey;
        JobState? state;
        await using (var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken))
        {
            state = await JobStore.StateAsync(connection, jobKey, cancellationToken);
            if (state is null)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} does not exist (it may have been completed or its element cancelled).");
            }
            if (state == JobState.Activated)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} is running on a worker; retry it once it failed or its lease expired.");
            }
            // Durability point: the new retry count commits first; if the incident is not resolved below (crash,
            // conflict) the job stays FAILED with that count and the retry can simply be repeated.
            incidentKey = await JobStore.SetRetriesAsync(connection, jobKey, retries, _engine.Clock.GetUtcNow(), cancellationToken);
        }
        if (state == JobState.Failed)
        {
            if (incidentKey is not { } incident)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} has failed but has no open incident to resolve.");
            }
            return await _engine.ResolveIncidentAsync(incident, cancellationToken);
        }
        return CommandResult<bool>.Success(true);
    }

    /// <summary>
    /// Camunda's job update (<c>PATCH /v2/jobs/{key}</c>): retries for the job's next attempts — a failed job's incident
    /// stays open until resolved, as in Camunda — and/or a new lease of <paramref name="timeout"/> from now for a job a
    /// worker holds. A timeout for a job no worker holds is refused for its state.
    /// </summary>
    public async Task<CommandResult<bool>> UpdateJobAsync(long jobKey, int? retries, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (retries is < 1)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidArgument, "changeset.retries must be at least 1.");
        }
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidArgument, "changeset.timeout must be a positive number of milliseconds.");
        }
        if (retries is null && timeout is null)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidArgument, "changeset must name retries or timeout.");
        }
        await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
        var state = await JobStore.UpdateAsync(connection, jobKey, retries, timeout, _engine.Clock.GetUtcNow(), cancellationToken);
        if (state is null)
        {
            return CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} does not exist (it may have been completed or its element cancelled).");
        }
        if (timeout is not null && state != JobState.Activated.ToStored())
        {
            return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} is not held by a worker, so it has no lease to change.");
        }
        return CommandResult<bool>.Success(true);
    }

    /// <summary>
    /// Refused, always: a job is the wait state of an active service task. Deleting the row would leave that
    /// element waiting forever with nothing to complete it. To get rid of a job, cancel its process instance (which
    /// removes its jobs, timers and subscriptions in one command), or resolve its incident and let it run.
    /// </summary>
    public async Task<CommandResult<bool>> DeleteJobAsync(long jobKey, CancellationToken cancellationToken)
    {
        await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
        var instance = await JobStore.ProcessInstanceKeyAsync(connection, jobKey, cancellationToken);
        return instance is { } key
            ? CommandResult<bool>.Fail(CommandError.InvalidState,
                $"Job {jobKey} belongs to an active element of process instance {key}; deleting it would leave the element waiting forever. Cancel the process instance, or retry the job.")
            : CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} does not exist.");
    }

    /// <summary>
    /// Makes a timer due now and wakes every scheduler; one of them fires it within moments. A cycle's next firing
    /// is then counted from now.
    /// </summary>
    public async Task<CommandResult<bool>> TriggerTimerNowAsync(long timerKey, CancellationToken cancellationToken)
    {
        await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the timer is due now and survives a crash as such; any node's scheduler fires it.
        return await TimerStore.MakeDueAsync(connection, timerKey, _engine.Clock.GetUtcNow().ToUniversalTime(), cancellationToken)
            ? CommandResult<bool>.Success(true)
            : CommandResult<bool>.Fail(CommandError.NotFound, $"Timer {timerKey} does not exist (it may have fired or its element completed).");
    }
}
