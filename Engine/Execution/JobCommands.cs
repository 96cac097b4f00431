using System.Text.Json.Nodes;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

/// <summary>A job handed to a worker: what to do, for which element, with the variables visible there.</summary>
public sealed record ActivatedJob(
    long Key,
    string Type,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string BpmnProcessId,
    long ProcessDefinitionKey,
    int ProcessVersion,
    int Retries,
    DateTimeOffset Deadline,
    string Worker,
    JsonObject CustomHeaders,
    JsonObject Variables)
{
    /// <summary>The tenant of the job's instance.</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;

    /// <summary>The tags of the job's instance (Camunda 8.8 hands them to workers with the job).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>Jobs: activation by workers (SKIP LOCKED, with a lease), completion, failure with back-off, BPMN errors.</summary>
internal sealed partial class ProcessEngine
{
    /// <summary>
    /// Leases up to <paramref name="maxJobs"/> activatable jobs of a type to a worker until now + timeout. Rows
    /// locked by another host's activation are skipped, never waited for, so any number of hosts and workers share
    /// the table. An expired lease makes the job activatable again (at-least-once: the job key is the idempotency key).
    /// </summary>
    public async Task<IReadOnlyList<ActivatedJob>> ActivateJobsAsync(string type, string worker, TimeSpan timeout, int maxJobs,
        IReadOnlyCollection<string>? fetchVariables, CancellationToken cancellationToken, IReadOnlyCollection<string>? tenantIds = null)
    {
        // A worker serving several tenants names them; the engine's own workers (no tenant ids, no scope) serve every
        // tenant. Within a request's scope only the scope's tenants are ever activated, whatever was asked.
        var scope = Visibility.TenantScope.Current;
        var tenants = tenantIds is null ? scope?.ToArray() : [.. tenantIds.Where(t => scope is null || scope.Contains(t))];
        var now = _clock.GetUtcNow().ToUniversalTime();
        var deadline = now + timeout;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = await JobStore.ActivateAsync(connection, transaction, type, worker, now, deadline, maxJobs, tenants, cancellationToken);
        var (variables, tags) = rows.Count == 0 ? (new Dictionary<long, JsonObject>(), new Dictionary<long, string[]>()) : await VisibleVariablesAsync(connection, transaction, rows, fetchVariables, cancellationToken);
        // Durability point: the lease is committed; a host dying now leaves the jobs to expire and be activated again.
        await transaction.CommitAsync(cancellationToken);
        Telemetry.EngineTelemetry.Activated(type, rows.Count);
        return [.. rows.OrderBy(r => r.key).Select(r => new ActivatedJob(r.key, r.type, r.process_instance_key, r.element_instance_key, r.element_id,
            r.bpmn_process_id, r.process_definition_key, r.process_version, r.retries, deadline, worker,
            JsonNode.Parse(r.custom_headers)?.AsObject() ?? [], variables.GetValueOrDefault(r.key) ?? [])
        {
            TenantId = r.tenant_id,
            Tags = tags.GetValueOrDefault(r.process_instance_key) ?? [],
        })];
    }

    /// <summary>Makes jobs whose lease expired activatable again; returns how many.</summary>
    public async Task<int> RecoverExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await JobStore.RecoverExpiredLeasesAsync(connection, _clock.GetUtcNow(), cancellationToken);
    }

    public Task<CommandResult<bool>> CompleteJobAsync(long jobKey, JsonObject? variables, CancellationToken cancellationToken) =>
        WithJobAsync("Complete job", jobKey, variables, (x, instance, element, job) => Complete(x, instance, element, job, variables), cancellationToken);

    /// <summary>A job's completion, once its job, instance and element are loaded (one command or a group's part).</summary>
    private static CommandResult<bool> Complete(Execution x, InstanceState instance, ElementInstance element, StoredJob job, JsonObject? variables)
    {
        x.Changes.CompletedJobs.Add(job.key);
        x.Changes.Telemetry.Add(new Telemetry.TelemetryNote(Telemetry.TelemetryKind.JobCompleted, job.type));
        x.History(instance, element, HistoryEvents.JobCompleted, new JsonObject { ["jobKey"] = job.key, ["worker"] = job.worker });
        x.Enqueue(() =>
        {
            x.ApplyResultVariables(instance, element, variables);
            x.Complete(instance, element);
        });
        return CommandResult<bool>.Success(true);
    }

    /// <summary>
    /// A worker's failure: with retries left the job waits out the back-off and is activated again; at zero an
    /// incident stops the element until an operator resolves it.
    /// </summary>
    public Task<CommandResult<bool>> FailJobAsync(long jobKey, int retries, string? errorMessage, TimeSpan retryBackOff, JsonObject? variables,
        CancellationToken cancellationToken) =>
        WithJobAsync("Fail job", jobKey, variables, (x, instance, element, job) =>
        {
            x.Changes.Telemetry.Add(new Telemetry.TelemetryNote(Telemetry.TelemetryKind.JobFailed, job.type));
            x.History(instance, element, HistoryEvents.JobFailed, new JsonObject { ["jobKey"] = jobKey, ["retries"] = retries, ["errorMessage"] = errorMessage });
            foreach (var (name, value) in variables ?? [])
            {
                x.SetVariable(instance, element.Key, name, value, local: true);
            }
            if (retries > 0)
            {
                x.Changes.JobUpdates.Add(new JobUpdate(jobKey, JobState.Activatable, retries, x.Now + retryBackOff, errorMessage));
                instance.IsChanged = true;
            }
            else
            {
                x.Changes.JobUpdates.Add(new JobUpdate(jobKey, JobState.Failed, 0, x.Now, errorMessage));
                x.RaiseIncident(instance, element, IncidentTypes.JobNoRetries,
                    string.IsNullOrWhiteSpace(errorMessage) ? "The job failed and has no retries left." : errorMessage, jobKey);
            }
            return CommandResult<bool>.Success(true);
        }, cancellationToken);

    /// <summary>A worker reports a business error: a matching error catch event takes over, else an incident.</summary>
    public Task<CommandResult<bool>> ThrowJobErrorAsync(long jobKey, string errorCode, string? errorMessage, JsonObject? variables, CancellationToken cancellationToken) =>
        WithJobAsync("Throw error", jobKey, variables, (x, instance, element, job) =>
        {
            if (string.IsNullOrWhiteSpace(errorCode))
            {
                return CommandResult<bool>.Fail(CommandError.InvalidArgument, "errorCode must not be empty.");
            }
            x.Changes.Telemetry.Add(new Telemetry.TelemetryNote(Telemetry.TelemetryKind.JobFailed, job.type));
            x.History(instance, element, HistoryEvents.JobErrorThrown, new JsonObject { ["jobKey"] = jobKey, ["errorCode"] = errorCode, ["errorMessage"] = errorMessage });
            x.Enqueue(() =>
            {
                if (x.ThrowError(instance, element, errorCode, errorMessage, variables))
                {
                    // The element was terminated by the catch; its job goes with it, as ERROR_THROWN.
                    x.Changes.CompletedJobs.Add(jobKey);
                    x.Changes.JobEnds[jobKey] = ("ERROR_THROWN", errorCode, errorMessage);
                    return;
                }
                x.Changes.JobUpdates.Add(new JobUpdate(jobKey, JobState.Failed, 0, x.Now, errorMessage));
                x.RaiseIncident(instance, element, IncidentTypes.UnhandledErrorEvent,
                    $"Expected to throw an error event with the code '{errorCode}'{(errorMessage is null ? "" : $" ({errorMessage})")}, but it was not caught. No error events are available in the scope.",
                    jobKey);
            });
            return CommandResult<bool>.Success(true);
        }, cancellationToken);

    private Task<CommandResult<bool>> WithJobAsync(string name, long jobKey, JsonObject? variables,
        Func<Execution, InstanceState, ElementInstance, StoredJob, CommandResult<bool>> action, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>(name, variables, async (x, connection, transaction) =>
        {
            var job = (await LoadJobsAsync(x, connection, transaction, [jobKey], cancellationToken)).GetValueOrDefault(jobKey);
            if (Loaded(x, jobKey, job) is { } refused)
            {
                return refused;
            }
            var instance = x.Instances[job!.process_instance_key];
            var element = instance.Find(job.element_instance_key)!;
            return action(x, instance, element, job);
        }, cancellationToken);

    /// <summary>Each job's visible variables (by job key), and its instance's tags (by instance key, only those that have any).</summary>
    private static async Task<(Dictionary<long, JsonObject> Variables, Dictionary<long, string[]> Tags)> VisibleVariablesAsync(Npgsql.NpgsqlConnection connection,
        Npgsql.NpgsqlTransaction transaction, List<StoredJob> jobs, IReadOnlyCollection<string>? fetch, CancellationToken cancellationToken)
    {
        var instances = jobs.Select(j => j.process_instance_key).Distinct().ToArray();
        var (parents, byScope, tags) = await Storage.InstanceStore.ScopesAndVariablesAsync(connection, transaction, instances, cancellationToken);
        var result = new Dictionary<long, JsonObject>();
        foreach (var job in jobs)
        {
            var variables = new JsonObject();
            for (long? scope = job.element_instance_key; scope is { } current; scope = parents.GetValueOrDefault(current))
            {
                foreach (var (_, name, value) in byScope[current])
                {
                    if (!variables.ContainsKey(name) && (fetch is null || fetch.Count == 0 || fetch.Contains(name)))
                    {
                        variables[name] = value is null ? null : JsonNode.Parse(value);
                    }
                }
            }
            result[job.key] = variables;
        }
        return (result, tags);
    }
}
