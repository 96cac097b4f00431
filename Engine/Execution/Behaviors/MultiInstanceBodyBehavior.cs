using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>
/// The body around a multi-instance activity: one inner instance per item of the input collection, all at once
/// (parallel) or one after another (sequential); collects the output element of each into the output collection;
/// completes when all are done or the completion condition holds. Boundary events belong to the body.
/// </summary>
internal sealed class MultiInstanceBodyBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance body)
    {
        var activity = (ExecutableActivity)instance.ModelElement(body);
        var definition = activity.MultiInstance!;
        var items = x.Expressions.List(definition.InputCollection, VariableScope.For(instance, body.Key));
        if (!items.Ok)
        {
            x.RaiseIncident(instance, body, IncidentTypes.ExtractValueError, items.Failure!);
            return;
        }
        body.Data.Collection = [.. items.Value.Select(FeelJson.ToJsonNode)];
        body.Data.Completed = 0;
        body.IsDirty = true;
        if (definition.OutputCollection is { } output)
        {
            x.SetVariable(instance, body.Key, output, new JsonArray([.. items.Value.Select(_ => (JsonNode?)null)]), local: true);
        }
        if (items.Value.Count == 0)
        {
            x.Complete(instance, body);
            return;
        }
        if (definition.IsSequential)
        {
            body.Data.NextIndex = 1;
            ActivateInner(x, instance, body, activity, 0);
        }
        else
        {
            // Inner instances that complete at once (script, manual tasks) end inside this loop: the body must not
            // count itself done before every item has had its instance (it completed after the first one, leaving
            // the rest of the output collection null), and stops starting items once a completion condition ended it.
            body.ActivatingInnerInstances = true;
            for (var i = 0; i < items.Value.Count && IsActive(instance, body); i++)
            {
                ActivateInner(x, instance, body, activity, i);
            }
            body.ActivatingInnerInstances = false;
            if (IsActive(instance, body) && instance.ChildCount(body.Key) == 0)
            {
                x.Complete(instance, body);
            }
        }
    }

    private static bool IsActive(InstanceState instance, ElementInstance body) => instance.Find(body.Key) is { State: ElementState.Activated };

    private static void ActivateInner(Execution x, InstanceState instance, ElementInstance body, ExecutableActivity activity, int index)
    {
        var item = body.Data.Collection![index];
        x.Activate(instance, activity, body, inner =>
        {
            inner.Data.LoopCounter = index + 1;
            if (activity.MultiInstance!.InputElement is { } name)
            {
                x.SetVariable(instance, inner.Key, name, item, local: true);
            }
            x.SetVariable(instance, inner.Key, "loopCounter", JsonValue.Create(index + 1), local: true);
        }, asMultiInstanceInner: true);
    }

    /// <summary>
    /// Called for an inner instance about to complete: its output element goes into the output collection, and the
    /// completion condition is evaluated in its scope (as Zeebe does). Both happen before the inner instance
    /// leaves, so a failure raises the incident on it, still Completing, and resolving re-runs exactly this.
    /// (Evaluated after it left, the incident landed on the body, whose resolution re-ran its activation and
    /// started every item again.)
    /// </summary>
    public static bool CollectOutput(Execution x, InstanceState instance, ElementInstance inner)
    {
        var body = instance.Get(inner.FlowScopeKey!.Value);
        var definition = ((ExecutableActivity)instance.ModelElement(body)).MultiInstance!;
        if (!CollectOutputElement(x, instance, inner, body, definition))
        {
            return false;
        }
        if (definition.CompletionCondition is not { } condition)
        {
            return true;
        }
        var completed = (body.Data.Completed ?? 0) + 1;
        var counters = new JsonObject
        {
            ["numberOfInstances"] = body.Data.Collection?.Count ?? 0,
            ["numberOfCompletedInstances"] = completed,
            ["numberOfActiveInstances"] = instance.ChildCount(body.Key) - 1,
            ["numberOfTerminatedInstances"] = 0,
        };
        var done = x.Expressions.Boolean(condition, VariableScope.With(VariableScope.For(instance, inner.Key), counters));
        if (!done.Ok)
        {
            x.RaiseIncident(instance, inner, IncidentTypes.ConditionError, $"Completion condition: {done.Failure}");
            return false;
        }
        body.CompletionConditionMet = done.Value;
        return true;
    }

    private static bool CollectOutputElement(Execution x, InstanceState instance, ElementInstance inner, ElementInstance body, MultiInstanceDefinition definition)
    {
        if (definition.OutputCollection is not { } output || definition.OutputElement is not { } element)
        {
            return true;
        }
        var value = x.Expressions.Json(element, VariableScope.For(instance, inner.Key));
        if (!value.Ok)
        {
            x.RaiseIncident(instance, inner, IncidentTypes.ExtractValueError, value.Failure!);
            return false;
        }
        if (instance.TryGetLocal(body.Key, output, out var current) && current is JsonArray array && inner.Data.LoopCounter is { } counter && counter <= array.Count)
        {
            var updated = array.DeepClone().AsArray();
            updated[counter - 1] = value.Value?.DeepClone();
            instance.SetLocal(body.Key, output, updated);
        }
        return true;
    }

    public override void OnChildEnded(Execution x, InstanceState instance, ElementInstance body, ElementInstance child)
    {
        if (body.State != ElementState.Activated)
        {
            return;
        }
        var activity = (ExecutableActivity)instance.ModelElement(body);
        var definition = activity.MultiInstance!;
        var total = body.Data.Collection?.Count ?? 0;
        body.Data.Completed = (body.Data.Completed ?? 0) + 1;
        body.IsDirty = true;
        if (body.CompletionConditionMet)
        {
            // Evaluated by CollectOutput while the inner instance was still there.
            body.CompletionConditionMet = false;
            foreach (var inner in instance.Children(body.Key))
            {
                x.Terminate(instance, inner);
            }
            x.Complete(instance, body);
            return;
        }
        if (definition.IsSequential && body.Data.NextIndex is { } next && next < total)
        {
            body.Data.NextIndex = next + 1;
            // A step rather than a call: items that complete at once would otherwise recurse one level per item.
            x.Enqueue(() =>
            {
                if (IsActive(instance, body))
                {
                    ActivateInner(x, instance, body, activity, next);
                }
            });
            return;
        }
        if (body.ActivatingInnerInstances)
        {
            return; // OnActivated completes the body once every item has its instance
        }
        if (instance.ChildCount(body.Key) == 0)
        {
            x.Complete(instance, body);
        }
    }

    public override bool BeforeCompletion(Execution x, InstanceState instance, ElementInstance body)
    {
        var definition = ((ExecutableActivity)instance.ModelElement(body)).MultiInstance!;
        if (definition.OutputCollection is { } output && instance.TryGetLocal(body.Key, output, out var collected))
        {
            x.SetVariable(instance, body.FlowScopeKey!.Value, output, collected, local: false);
        }
        return true;
    }
}
