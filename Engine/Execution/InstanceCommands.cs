using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution;

public sealed record CreatedInstance(long ProcessInstanceKey, long ProcessDefinitionKey, string BpmnProcessId, int Version)
{
    /// <summary>The tenant the instance belongs to (its definition's).</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;

    /// <summary>The instance's tags as stored (each once, in the order first given).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>Starting, cancelling and changing process instances; resolving incidents; firing timers.</summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<CreatedInstance>> CreateInstanceAsync(string bpmnProcessId, int? version, JsonObject? variables, string? businessKey,
        CancellationToken cancellationToken, string? startElementId = null, string? tenantId = null, IReadOnlyList<string>? tags = null) =>
        ExecuteAsync<CreatedInstance>("Create process instance", variables, async (x, connection, transaction) =>
        {
            var (normalizedTags, tagProblem) = InstanceTags.Normalize(tags);
            if (tagProblem is not null)
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.InvalidArgument, tagProblem);
            }
            var tenant = tenantId ?? Visibility.TenantIds.Default;
            if (!Visibility.TenantScope.Allows(tenant))
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.Forbidden, $"You may not start instances in tenant '{tenant}'.");
            }
            // Resolved in the transaction with the version's start lock; the parsed model comes from the cache.
            var definitionKey = await Deployment.VersionSuspension.LockLiveForStartAsync(connection, transaction, tenant, bpmnProcessId, version, cancellationToken);
            var definition = definitionKey is { } key ? await _store.DefinitionAsync(key, cancellationToken) : null;
            if (definition is null)
            {
                var where = tenant == Visibility.TenantIds.Default ? "" : $" in tenant '{tenant}'";
                return CommandResult<CreatedInstance>.Fail(CommandError.NotFound, version is null
                    ? $"No process with BPMN process id '{bpmnProcessId}' is deployed{where}."
                    : $"Process '{bpmnProcessId}' has no version {version}{where}.");
            }
            if (await Deployment.VersionSuspension.IsSuspendedLockedAsync(connection, transaction, definition.Key, cancellationToken))
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.InvalidState,
                    $"Process '{bpmnProcessId}' version {definition.Version} is suspended: it starts no new instances until an admin resumes it.");
            }
            if (startElementId is not null && definition.Model.FindFlowNode(startElementId) is null)
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.InvalidArgument, $"Process '{bpmnProcessId}' has no element '{startElementId}' to start at.");
            }
            if (startElementId is not null && !Behaviors.ProcessBehavior.CanStartAt(definition.Model.GetFlowNode(startElementId)))
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.InvalidArgument,
                    $"Element '{startElementId}' is inside an event subprocess, a multi-instance subprocess or an ad-hoc sub-process; an instance cannot start there.");
            }
            if (startElementId is null && definition.Model.Scope.NoneStartEvent is null)
            {
                // As in Zeebe: such a process starts only by its message, signal or timer start events. Creating the
                // instance anyway left it ACTIVE with an incident nobody could resolve.
                return CommandResult<CreatedInstance>.Fail(CommandError.InvalidState,
                    $"Process '{bpmnProcessId}' has no none start event; it starts by its message, signal or timer start events only.");
            }
            if (businessKey is not null && await InstanceStore.FindByBusinessKeyAsync(connection, transaction, tenant, bpmnProcessId, businessKey, cancellationToken) is { } existing)
            {
                return CommandResult<CreatedInstance>.Fail(CommandError.AlreadyExists,
                    $"Process '{bpmnProcessId}' already has an instance ({existing}) with business key '{businessKey}'.");
            }
            // A start at a start event (not an operator's start inside the model) carries the values its start form would offer.
            if ((startElementId is null || definition.Model.Scope.StartEvents.Any(e => e.Id == startElementId))
                && await StartFormRefusesAsync(connection, transaction, definition, variables, cancellationToken) is { } fields)
            {
                return CommandResult<CreatedInstance>.Invalid(fields);
            }
            var instance = NewInstance(x, definition, variables, businessKey, startElementId, tags: normalizedTags);
            return CommandResult<CreatedInstance>.Success(new CreatedInstance(instance.Key, definition.Key, definition.BpmnProcessId, definition.Version)
            {
                TenantId = tenant,
                Tags = normalizedTags,
            });
        }, cancellationToken);

    public Task<CommandResult<bool>> CancelInstanceAsync(long processInstanceKey, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Cancel process instance", async (x, connection, transaction) =>
        {
            var instance = await LoadAsync(x, connection, transaction, processInstanceKey, cancellationToken);
            if (instance is null)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist.");
            }
            if (!instance.IsActive || instance.Root is null)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Process instance {processInstanceKey} is not active (it is {instance.Row.State.ToStored()}).");
            }
            if (instance.Row.ParentProcessInstanceKey is { } parent)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState,
                    $"Process instance {processInstanceKey} was started by a call activity of instance {parent}; cancel the root instance instead.");
            }
            x.Enqueue(() => x.Terminate(instance, instance.Root));
            return CommandResult<bool>.Success(true);
        }, cancellationToken);

    /// <summary>Sets variables on an element instance's scope (or the instance's, by its key); local or propagated.</summary>
    public Task<CommandResult<bool>> SetVariablesAsync(long elementInstanceKey, JsonObject variables, bool local, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Set variables", variables, async (x, connection, transaction) =>
        {
            var processInstanceKey = await InstanceStore.ProcessInstanceOfElementAsync(connection, transaction, elementInstanceKey, cancellationToken);
            if (processInstanceKey is null || await LoadAsync(x, connection, transaction, processInstanceKey.Value, cancellationToken) is not { } instance ||
                instance.Find(elementInstanceKey) is not { } element)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Element instance {elementInstanceKey} is not active.");
            }
            foreach (var (name, value) in variables)
            {
                x.SetVariable(instance, element.Key, name, value, local);
            }
            return CommandResult<bool>.Success(true);
        }, cancellationToken);

    /// <summary>Retries what failed: the element's activation or completion, or makes its job activatable again.</summary>
    public Task<CommandResult<bool>> ResolveIncidentAsync(long incidentKey, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>("Resolve incident", async (x, connection, transaction) =>
        {
            if (await IncidentStore.FindAsync(connection, transaction, incidentKey, cancellationToken) is not { } incident)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Incident {incidentKey} does not exist.");
            }
            if (incident.State != IncidentState.Active)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Incident {incidentKey} is already resolved.");
            }
            var instance = await LoadAsync(x, connection, transaction, incident.ProcessInstanceKey, cancellationToken);
            var element = instance?.Find(incident.ElementInstanceKey);
            x.Changes.ResolvedIncidents.Add(incidentKey);
            if (instance is null || element is null)
            {
                return CommandResult<bool>.Success(true);
            }
            element.IncidentKey = null;
            element.IsDirty = true;
            instance.IsChanged = true;
            x.History(instance, element, HistoryEvents.IncidentResolved, new JsonObject { ["incidentKey"] = incidentKey });
            if (incident.JobKey is { } jobKey)
            {
                // The job gets another attempt; a worker that updated the retries first keeps its count.
                var retries = await JobStore.RetriesAsync(connection, transaction, jobKey, cancellationToken);
                x.Changes.JobUpdates.Add(new JobUpdate(jobKey, JobState.Activatable, Math.Max(1, retries), x.Now, null));
                return CommandResult<bool>.Success(true);
            }
            x.Enqueue(() =>
            {
                switch (element.State)
                {
                    case ElementState.Activating:
                        x.ContinueActivation(instance, element);
                        break;
                    case ElementState.Completing:
                        x.ContinueCompletion(instance, element);
                        break;
                    default:
                        x.BehaviorOf(instance, element).OnActivated(x, instance, element);
                        break;
                }
            });
            return CommandResult<bool>.Success(true);
        }, cancellationToken);
}
