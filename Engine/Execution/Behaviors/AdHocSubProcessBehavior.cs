using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>
/// Camunda 8.8's ad-hoc sub-process, run by BPMN: on activation the inner elements its <c>activeElementsCollection</c>
/// names are activated (more may be later, by <see cref="ActivateElements"/>); flows inside continue as usual. Each
/// time an inner path ends (an element completes without a flow on), the completion condition is checked: true
/// completes the sub-process, cancelling what is still active when <c>cancelRemainingInstances</c> (the default),
/// else once the rest is done; without a condition it completes when nothing inside is active.
/// </summary>
internal sealed class AdHocSubProcessBehavior : ElementBehavior
{
    /// <summary>The local variable listing what the sub-process can activate (as Zeebe 8.8 creates it).</summary>
    public const string ElementsVariable = "adHocSubProcessElements";

    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableSubProcess)instance.ModelElement(element);
        if (element.Data.AdHocCheckPending == true)
        {
            // The incident being resolved was the completion condition's, not the activation's: check it again.
            element.Data.AdHocCheckPending = null;
            element.IsDirty = true;
            PathEnded(x, instance, element, node);
            return;
        }
        if (!instance.TryGetLocal(element.Key, ElementsVariable, out _))
        {
            x.SetVariable(instance, element.Key, ElementsVariable, Describe(node), local: true);
        }
        IReadOnlyList<string> ids = [];
        if (node.AdHoc!.ActiveElementsCollection is { } collection)
        {
            var evaluated = x.Expressions.Evaluate(collection, VariableScope.For(instance, element.Key));
            if (!evaluated.Ok || evaluated.Value is not (Feel.Values.FeelList or Feel.Values.FeelNull) ||
                (evaluated.Value is Feel.Values.FeelList list && !list.Items.All(i => i is Feel.Values.FeelString)))
            {
                var why = evaluated.Ok ? $"expected the active elements collection '{collection.Text}' to be a list of strings, but it was {evaluated.Value}" : evaluated.Failure;
                x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"Failed to activate ad-hoc elements. {why}.");
                return;
            }
            ids = evaluated.Value is Feel.Values.FeelList items ? [.. items.Items.Cast<Feel.Values.FeelString>().Select(s => s.Value)] : [];
        }
        if (Unknown(node, ids) is { } unknown)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"Failed to activate ad-hoc elements. {unknown}");
            return;
        }
        ActivateElements(x, instance, element, [.. ids.Select(id => (id, (JsonObject?)null))]);
    }

    /// <summary>Why some ids cannot be activated in the sub-process (null when all can): unknown, or reached by a flow.</summary>
    public static string? Unknown(ExecutableSubProcess node, IEnumerable<string> ids)
    {
        var activatable = node.AdHocActivities.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var missing = ids.Where(id => !activatable.Contains(id)).Distinct().ToList();
        return missing.Count == 0
            ? null
            : $"No BPMN elements the ad-hoc sub-process '{node.Id}' can activate have the ids {string.Join(", ", missing.Select(id => $"'{id}'"))} " +
              $"(it can activate {string.Join(", ", activatable.Order(StringComparer.Ordinal).Select(id => $"'{id}'"))}: its elements without incoming sequence flows).";
    }

    /// <summary>
    /// Activates inner elements (each with its own local variables, set before its input mappings). An element that
    /// completes at once does not complete the sub-process before the others are activated: the check waits for the batch.
    /// </summary>
    public static void ActivateElements(Execution x, InstanceState instance, ElementInstance adHoc, IReadOnlyList<(string ElementId, JsonObject? Variables)> elements)
    {
        var node = (ExecutableSubProcess)instance.ModelElement(adHoc);
        adHoc.ActivatingInnerInstances = true;
        adHoc.AdHocPathEnded = false;
        try
        {
            foreach (var (elementId, variables) in elements)
            {
                if (instance.Find(adHoc.Key) is null || adHoc.State != ElementState.Activated)
                {
                    return; // an inner element ended the sub-process (an error caught on it, say)
                }
                x.Activate(instance, instance.Model.GetFlowNode(elementId), adHoc, e =>
                {
                    foreach (var (name, value) in variables ?? [])
                    {
                        x.SetVariable(instance, e.Key, name, value?.DeepClone(), local: true);
                    }
                });
            }
        }
        finally
        {
            adHoc.ActivatingInnerInstances = false;
        }
        if (adHoc.AdHocPathEnded && instance.Find(adHoc.Key) is not null && adHoc.State == ElementState.Activated)
        {
            adHoc.AdHocPathEnded = false;
            PathEnded(x, instance, adHoc, node);
        }
    }

    public override void OnChildEnded(Execution x, InstanceState instance, ElementInstance scope, ElementInstance child)
    {
        if (scope.State != ElementState.Activated || scope.InFlight.Any(f => f.Source.Id == child.ElementId))
        {
            return; // the path goes on through the child's outgoing flows
        }
        if (scope.ActivatingInnerInstances)
        {
            scope.AdHocPathEnded = true;
            return;
        }
        PathEnded(x, instance, scope, (ExecutableSubProcess)instance.ModelElement(scope));
    }

    private static void PathEnded(Execution x, InstanceState instance, ElementInstance scope, ExecutableSubProcess node)
    {
        if (node.AdHoc!.CompletionCondition is not { } condition)
        {
            if (Execution.IsIdle(instance, scope))
            {
                x.Complete(instance, scope);
            }
            return;
        }
        var holds = x.Expressions.Boolean(condition, VariableScope.For(instance, scope.Key));
        if (!holds.Ok)
        {
            scope.Data.AdHocCheckPending = true;
            scope.IsDirty = true;
            x.RaiseIncident(instance, scope, IncidentTypes.ExtractValueError, $"Failed to evaluate completion condition. {holds.Failure}");
            return;
        }
        if (!holds.Value)
        {
            return;
        }
        if (node.AdHoc.CancelRemainingInstances)
        {
            foreach (var child in instance.Children(scope.Key).ToList())
            {
                x.Terminate(instance, child);
            }
            // Tokens still on their way inside are dropped with the sub-process, as Zeebe terminates the remaining instances.
            scope.InFlight.Clear();
            scope.Data.JoinTokens = null;
            scope.IsDirty = true;
        }
        if (Execution.IsIdle(instance, scope))
        {
            x.Complete(instance, scope);
        }
    }

    private static JsonArray Describe(ExecutableSubProcess node) =>
    [
        .. node.AdHocActivities.Select(n =>
        {
            var properties = new JsonObject();
            foreach (var (name, value) in n.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                properties[name] = value;
            }
            return (JsonNode)new JsonObject { ["elementId"] = n.Id, ["elementName"] = n.Name ?? n.Id, ["properties"] = properties };
        }),
    ];
}
