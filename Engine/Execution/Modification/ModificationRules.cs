using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Modification;

/// <summary>
/// One checked activation: the element, the active element instance it goes into (<see cref="AnchorKey"/>), the
/// subprocesses to enter on the way (outermost first) and the variables by the scope that receives them.
/// </summary>
internal sealed record ActivationStep(
    ExecutableFlowNode Target,
    long AnchorKey,
    IReadOnlyList<ExecutableSubProcess> ScopesToCreate,
    IReadOnlyList<(long ScopeKey, JsonObject Variables)> ExistingScopeVariables,
    IReadOnlyDictionary<string, JsonObject> NewScopeVariables);

/// <summary>Checks an activate instruction against the instance's model and state, as Camunda does, before anything changes.</summary>
internal static class ModificationRules
{
    public static ActivationStep? Activation(InstanceState instance, ModificationActivation activation, string path, out string? problem)
    {
        problem = null;
        if (instance.Model.FindFlowNode(activation.ElementId) is not { } target)
        {
            problem = $"{path}.elementId: process '{instance.Model.Id}' has no element '{activation.ElementId}'.";
            return null;
        }
        if (target is ExecutableEvent { Kind: ElementKind.StartEvent or ElementKind.BoundaryEvent })
        {
            problem = $"{path}.elementId: '{target.Id}' is a {target.ElementType}; a modification activates tasks, gateways, subprocesses and intermediate or end events.";
            return null;
        }
        if (!Behaviors.ProcessBehavior.CanStartAt(target))
        {
            problem = $"{path}.elementId: '{target.Id}' is inside an event subprocess, a multi-instance subprocess or an ad-hoc sub-process; activate that subprocess instead (an ad-hoc sub-process's elements: POST /v2/element-instances/ad-hoc-activities/{{key}}/activation).";
            return null;
        }
        // The subprocesses around the target, outermost first.
        var enclosing = new List<ExecutableSubProcess>();
        for (var scope = target.FlowScope; scope.Owner is ExecutableSubProcess sub; scope = sub.FlowScope)
        {
            enclosing.Insert(0, sub);
        }
        if (Anchor(instance, activation, enclosing, path, out problem) is not { } anchor)
        {
            return null;
        }
        var toCreate = anchor.IsProcess ? enclosing : enclosing.Skip(enclosing.FindIndex(s => s.Id == anchor.ElementId) + 1).ToList();
        var existing = new List<(long, JsonObject)>();
        var created = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        for (var i = 0; i < activation.Variables.Count; i++)
        {
            var instruction = activation.Variables[i];
            var scopeId = string.IsNullOrEmpty(instruction.ScopeId) ? null : instruction.ScopeId;
            if (scopeId is null || scopeId == instance.Model.Id)
            {
                existing.Add((instance.Key, instruction.Variables));
            }
            else if (scopeId == target.Id || toCreate.Any(s => s.Id == scopeId))
            {
                created[scopeId] = created.TryGetValue(scopeId, out var earlier) ? Merge(earlier, instruction.Variables) : instruction.Variables;
            }
            else if (Ancestor(instance, anchor, scopeId) is { } scope)
            {
                existing.Add((scope.Key, instruction.Variables));
            }
            else
            {
                problem = $"{path}.variableInstructions[{i}].scopeId: '{scopeId}' is neither '{target.Id}' nor one of its flow scopes.";
                return null;
            }
        }
        return new ActivationStep(target, anchor.Key, toCreate, existing, created);
    }

    /// <summary>
    /// The active element instance the target goes into: the named ancestor, else the one active instance of the nearest
    /// enclosing subprocess (the process when none is active). Several active instances are ambiguous, as in Camunda.
    /// </summary>
    private static ElementInstance? Anchor(InstanceState instance, ModificationActivation activation, List<ExecutableSubProcess> enclosing, string path,
        out string? problem)
    {
        problem = null;
        if (activation.AncestorElementInstanceKey is { } key and not -1)
        {
            var named = instance.Find(key);
            if (named is null)
            {
                problem = $"{path}.ancestorElementInstanceKey: {key} is not an active element instance of process instance {instance.Key}.";
                return null;
            }
            if (!named.IsProcess && (named.IsMultiInstanceBody || !enclosing.Any(s => s.Id == named.ElementId)))
            {
                problem = $"{path}.ancestorElementInstanceKey: element instance {key} ('{named.ElementId}') is not a flow scope of '{activation.ElementId}'.";
                return null;
            }
            return named;
        }
        for (var i = enclosing.Count - 1; i >= 0; i--)
        {
            var id = enclosing[i].Id;
            var active = instance.Elements.Where(e => e.ElementId == id && !e.IsMultiInstanceBody && e.State != ElementState.Terminating).ToList();
            if (active.Count > 1)
            {
                problem = $"{path}: subprocess '{id}' has {active.Count} active instances ({string.Join(", ", active.Select(e => e.Key))}); " +
                    "name the one to activate in with ancestorElementInstanceKey.";
                return null;
            }
            if (active.Count == 1)
            {
                return active[0];
            }
        }
        return instance.Root;
    }

    private static ElementInstance? Ancestor(InstanceState instance, ElementInstance from, string elementId)
    {
        for (var current = from; !current.IsProcess; current = instance.Get(current.FlowScopeKey!.Value))
        {
            if (current.ElementId == elementId)
            {
                return current;
            }
        }
        return null;
    }

    private static JsonObject Merge(JsonObject first, JsonObject second)
    {
        var merged = (JsonObject)first.DeepClone();
        foreach (var (name, value) in second)
        {
            merged[name] = value?.DeepClone();
        }
        return merged;
    }
}
