using Dapper;
using Processes.Engine.Execution;
using Processes.Engine.Storage;

namespace Processes.Engine.Jobs;

/// <summary>Operator commands on jobs and timers; refusals are values (<see cref="CommandResult{T}"/>), never exceptions.</summary>
internal sealed class JobOperations(ProcessEngine engine)
{
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
        string? state;
        await using (var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken))
        {
            state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT state FROM job WHERE key = @jobKey", new { jobKey },
                cancellationToken: cancellationToken));
            if (state is null)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} does not exist (it may have been completed or its element cancelled).");
            }
            if (StoredStates.Parse<JobState>(state) == JobState.Activated)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} is running on a worker; retry it once it failed or its lease expired.");
            }
            // Durability point: the new retry count commits first; if the incident is not resolved below (crash,
            // conflict) the job stays FAILED with that count and the retry can simply be repeated.
            incidentKey = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
                WITH updated AS (
                    UPDATE job SET retries = @retries, failures = 0,
                                   due_at = CASE WHEN state = 'ACTIVATABLE' THEN least(due_at, @now) ELSE due_at END
                    WHERE key = @jobKey AND state <> 'ACTIVATED' RETURNING key)
                SELECT i.key FROM incident i JOIN updated u ON i.job_key = u.key WHERE i.state = 'ACTIVE' LIMIT 1
                """, new { jobKey, retries, now = engine.Clock.GetUtcNow().ToUniversalTime() }, cancellationToken: cancellationToken));
        }
        if (StoredStates.Parse<JobState>(state) == JobState.Failed)
        {
            if (incidentKey is not { } incident)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} has failed but has no open incident to resolve.");
            }
            return await engine.ResolveIncidentAsync(incident, cancellationToken);
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
        await using var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken);
        var instance = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT process_instance_key FROM job WHERE key = @jobKey",
            new { jobKey }, cancellationToken: cancellationToken));
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
        await using var connection = await engine.DataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the timer is due now and survives a crash as such; any node's scheduler fires it.
        var now = engine.Clock.GetUtcNow().ToUniversalTime();
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE timer SET due_at = @now, claimed_by = NULL, claim_expires = NULL WHERE key = @timerKey",
            new { timerKey, now }, cancellationToken: cancellationToken));
        if (updated != 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('processes_timers', @due)",
                new { due = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken));
        }
        return updated != 0
            ? CommandResult<bool>.Success(true)
            : CommandResult<bool>.Fail(CommandError.NotFound, $"Timer {timerKey} does not exist (it may have fired or its element completed).");
    }
}
