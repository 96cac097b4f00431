using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>Job commands' loading (job and instance in one round trip) and grouped completions.</summary>
internal sealed partial class ProcessEngine
{
    /// <summary>
    /// Completes several jobs in one transaction (the executor's <see cref="Jobs.CompletionGroups"/>): one round trip
    /// loads the jobs and their instances, each completion runs to its wait states before the next one looks at the
    /// instance (two jobs of one instance behave as two commands in a row), and all writes go out as one batch. Answers
    /// one result per completion, in order: a job gone meanwhile (completed, its element cancelled, or named twice) is
    /// NotFound and leaves the others alone. The group fails as a whole only on a conflict after retries or an
    /// execution limit; the caller then completes one job per command.
    /// </summary>
    internal Task<CommandResult<IReadOnlyList<CommandResult<bool>>>> CompleteJobsAsync(IReadOnlyList<(long JobKey, JsonObject? Variables)> completions,
        CancellationToken cancellationToken) =>
        ExecuteAsync<IReadOnlyList<CommandResult<bool>>>("Complete jobs", async (x, connection, transaction) =>
        {
            var jobs = await LoadJobsAsync(x, connection, transaction, [.. completions.Select(c => c.JobKey).Distinct()], cancellationToken);
            var done = new HashSet<long>();
            var results = new List<CommandResult<bool>>(completions.Count);
            foreach (var (jobKey, variables) in completions)
            {
                var job = jobs.GetValueOrDefault(jobKey);
                var result = Limits.Check(variables) is { } problem ? CommandResult<bool>.Fail(CommandError.InvalidArgument, problem)
                    : !done.Add(jobKey) ? CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} was completed earlier in this group.")
                    : Loaded(x, jobKey, job) is { } refused ? refused
                    : Complete(x, x.Instances[job!.process_instance_key], x.Instances[job.process_instance_key].Find(job.element_instance_key)!, job, variables);
                results.Add(result);
                if (result.Ok)
                {
                    await RunAsync(x, connection, transaction, cancellationToken, releaseStartKeys: false);
                }
            }
            return CommandResult<IReadOnlyList<CommandResult<bool>>>.Success(results);
        }, cancellationToken);

    /// <summary>
    /// The jobs (those the caller's tenant scope may see) and their instances in one round trip; instances join the
    /// command's, and the instances above them (call activities) are loaded as usual.
    /// </summary>
    private async Task<Dictionary<long, StoredJob>> LoadJobsAsync(Execution x, NpgsqlConnection connection, NpgsqlTransaction transaction,
        long[] jobKeys, CancellationToken cancellationToken)
    {
        var (jobs, instances) = await _store.LoadForJobsAsync(connection, transaction, jobKeys, Visibility.TenantScope.AsArray(), cancellationToken);
        foreach (var instance in instances)
        {
            if (Visibility.TenantScope.Allows(instance.Row.TenantId))
            {
                x.Instances.TryAdd(instance.Key, instance);
            }
        }
        foreach (var instance in instances)
        {
            if (instance.Row.ParentProcessInstanceKey is { } parent && x.Instances.ContainsKey(instance.Key))
            {
                await LoadAsync(x, connection, transaction, parent, cancellationToken);
            }
        }
        return jobs.ToDictionary(j => j.key);
    }

    /// <summary>Why a loaded job cannot take a command now (null: it can; its instance and element are loaded).</summary>
    private static CommandResult<bool>? Loaded(Execution x, long jobKey, StoredJob? job)
    {
        if (job is null)
        {
            return CommandResult<bool>.Fail(CommandError.NotFound, $"Job {jobKey} does not exist (it may have been completed or its element cancelled).");
        }
        if (job.state is { } stored && StoredStates.Parse<JobState>(stored) == JobState.Failed)
        {
            return CommandResult<bool>.Fail(CommandError.InvalidState, $"Job {jobKey} has failed and waits for its incident to be resolved.");
        }
        if (x.Instances.GetValueOrDefault(job.process_instance_key)?.Find(job.element_instance_key) is null)
        {
            return CommandResult<bool>.Fail(CommandError.NotFound, $"The element of job {jobKey} is no longer active.");
        }
        return null;
    }
}
