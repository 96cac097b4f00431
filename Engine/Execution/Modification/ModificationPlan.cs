using System.Text.Json.Nodes;

namespace Processes.Engine.Execution.Modification;

/// <summary>Variables to create with an activation: in the scope of <see cref="ScopeId"/> (an element being entered), or the process's when null.</summary>
public sealed record ModificationVariables(JsonObject Variables, string? ScopeId);

/// <summary>
/// Activates <see cref="ElementId"/>; its flow scope is <see cref="AncestorElementInstanceKey"/> (or inside it), or, when
/// null, the one active instance of the element's flow scope (created, with its own enclosing scopes, when none is active).
/// </summary>
public sealed record ModificationActivation(string ElementId, long? AncestorElementInstanceKey, IReadOnlyList<ModificationVariables> Variables);

/// <summary>
/// Camunda 8's process instance modification: activations first, then terminations. A flow scope left with nothing
/// active or on its way is terminated with them; the process instance too, when nothing is left in it.
/// </summary>
public sealed record ModificationPlan(IReadOnlyList<ModificationActivation> Activations, IReadOnlyList<long> Terminations)
{
    /// <summary>Every variable of the plan, for the limits a command checks before it runs.</summary>
    public JsonObject AllVariables()
    {
        var all = new JsonObject();
        var index = 0;
        foreach (var variables in Activations.SelectMany(a => a.Variables))
        {
            foreach (var (name, value) in variables.Variables)
            {
                // Names may repeat across instructions; each value is held to the limits on its own.
                all[all.ContainsKey(name) ? $"{name}#{index++}" : name] = value?.DeepClone();
            }
        }
        return all;
    }
}

/// <summary>What a modification did: the element instances it created for the activated elements, and those it ended.</summary>
public sealed record InstanceModification(long ProcessInstanceKey, IReadOnlyList<long> ActivatedElementInstanceKeys, IReadOnlyList<long> TerminatedElementInstanceKeys);
