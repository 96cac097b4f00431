using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.Modification;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>
/// Camunda 8's process instance modification: one transaction activates elements (creating the flow scopes they need)
/// and terminates element instances. Every instruction is checked before anything changes; one wrong instruction
/// refuses the whole modification, naming it.
/// </summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<InstanceModification>> ModifyInstanceAsync(Caller caller, long processInstanceKey, ModificationPlan plan, AuditActor? audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(plan);
        return ExecuteAsync<InstanceModification>("Modify process instance", plan.AllVariables(), async (x, connection, transaction) =>
        {
            if (!await MigrationStore.IsVisibleAsync(connection, transaction, caller, processInstanceKey, cancellationToken) ||
                await LoadAsync(x, connection, transaction, processInstanceKey, cancellationToken) is not { IsActive: true, Root: not null } instance)
            {
                // As in Camunda: an instance that ended is not found for a modification.
                return CommandResult<InstanceModification>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist or is not active.");
            }
            var steps = new List<ActivationStep>();
            for (var i = 0; i < plan.Activations.Count; i++)
            {
                var step = ModificationRules.Activation(instance, plan.Activations[i], $"activateInstructions[{i}]", out var problem);
                if (step is null)
                {
                    return CommandResult<InstanceModification>.Fail(CommandError.InvalidArgument, problem!);
                }
                steps.Add(step);
            }
            for (var i = 0; i < plan.Terminations.Count; i++)
            {
                var key = plan.Terminations[i];
                if (key == instance.Key)
                {
                    return CommandResult<InstanceModification>.Fail(CommandError.InvalidArgument,
                        $"terminateInstructions[{i}].elementInstanceKey: {key} is the process instance itself; cancel it instead.");
                }
                if (instance.Find(key) is null)
                {
                    return CommandResult<InstanceModification>.Fail(CommandError.InvalidArgument,
                        $"terminateInstructions[{i}].elementInstanceKey: {key} is not an active element instance of process instance {processInstanceKey}.");
                }
            }
            if (steps.Count == 0 && instance.Row.ParentProcessInstanceKey is { } parent && TerminatesEverything(instance, plan.Terminations))
            {
                // As Camunda (camunda/camunda#10347): a called instance left with nothing would leave its parent's call
                // activity waiting for good, so the modification is refused and the parent is the one to modify.
                return CommandResult<InstanceModification>.Fail(CommandError.InvalidArgument,
                    $"terminateInstructions: they would terminate every element instance of process instance {processInstanceKey}, which " +
                    $"process instance {parent} called; terminate its call activity in process instance {parent} instead.");
            }
            var activated = new List<long>();
            var terminated = new List<long>();
            x.Enqueue(() =>
            {
                foreach (var step in steps)
                {
                    activated.Add(Activate(x, instance, step));
                }
                foreach (var key in plan.Terminations)
                {
                    // A key inside an element terminated before it went with it.
                    if (instance.Find(key) is not { State: not ElementState.Terminating } element)
                    {
                        continue;
                    }
                    var flowScope = element.FlowScopeKey;
                    x.Terminate(instance, element);
                    terminated.Add(key);
                    EndEmptyScopes(x, instance, flowScope);
                }
            });
            var details = new JsonObject
            {
                ["activateInstructions"] = new JsonArray([.. plan.Activations.Select(a => (JsonNode)new JsonObject
                {
                    ["elementId"] = a.ElementId,
                    ["ancestorElementInstanceKey"] = a.AncestorElementInstanceKey,
                    ["variableScopes"] = new JsonArray([.. a.Variables.Select(v => (JsonNode?)JsonValue.Create(v.ScopeId ?? ""))]),
                })]),
                ["terminateInstructions"] = new JsonArray([.. plan.Terminations.Select(k => (JsonNode)JsonValue.Create(k))]),
            };
            x.History(instance, instance.Root, HistoryEvents.ProcessInstanceModified, details);
            if (audit is not null)
            {
                await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "instance.modified", "processInstance",
                    processInstanceKey.ToString(CultureInfo.InvariantCulture), details.ToJsonString()), cancellationToken);
            }
            return CommandResult<InstanceModification>.Success(new InstanceModification(processInstanceKey, activated, terminated));
        }, cancellationToken);
    }

    /// <summary>Enters the scopes to create, then the element; variables land in their scopes before any input mapping runs.</summary>
    private static long Activate(Execution x, InstanceState instance, ActivationStep step)
    {
        foreach (var (scopeKey, variables) in step.ExistingScopeVariables)
        {
            foreach (var (name, value) in variables)
            {
                x.SetVariable(instance, scopeKey, name, value, local: true);
            }
        }
        var anchor = instance.Get(step.AnchorKey);
        long created = 0;
        x.ActivationHook = element =>
        {
            if (step.NewScopeVariables.TryGetValue(element.ElementId, out var variables))
            {
                foreach (var (name, value) in variables)
                {
                    x.SetVariable(instance, element.Key, name, value, local: true);
                }
            }
            if (element.ElementId == step.Target.Id && created == 0)
            {
                created = element.Key;
            }
        };
        try
        {
            if (step.ScopesToCreate.Count == 0)
            {
                x.ActivateDirectly(instance, step.Target, anchor);
            }
            else
            {
                x.Activate(instance, step.ScopesToCreate[0], anchor, e => e.StartElementId = step.Target.Id);
            }
        }
        finally
        {
            x.ActivationHook = null;
        }
        return created;
    }

    /// <summary>Whether the terminations (and what lies inside them) leave nothing active, on its way or waiting in the instance.</summary>
    private static bool TerminatesEverything(InstanceState instance, IReadOnlyList<long> terminations)
    {
        var root = instance.Root!;
        if (root.InFlight.Count > 0 || (root.Data.JoinTokens is { } tokens && tokens.Values.Any(v => v != 0)))
        {
            return false;
        }
        var ended = terminations.ToHashSet();
        return instance.Elements.Where(e => e.Key != root.Key).All(e =>
        {
            for (var current = e; current is not null; current = current.FlowScopeKey is { } up ? instance.Find(up) : null)
            {
                if (ended.Contains(current.Key))
                {
                    return true;
                }
            }
            return false;
        });
    }

    /// <summary>A flow scope with nothing active or on its way in it ends with what was terminated; the process instance too.</summary>
    private static void EndEmptyScopes(Execution x, InstanceState instance, long? scopeKey)
    {
        // An ad-hoc sub-process left with nothing active still waits for activations: it is not ended.
        while (scopeKey is { } key && instance.Find(key) is { State: not ElementState.Terminating } scope && Execution.IsIdle(instance, scope) &&
               instance.ModelElement(scope) is not ExecutableSubProcess { AdHoc: not null })
        {
            scopeKey = scope.FlowScopeKey;
            x.Terminate(instance, scope);
        }
    }
}
