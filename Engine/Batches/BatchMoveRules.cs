using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Batches;

/// <summary>
/// Which batch moves Processes refuses, named, rather than doing something else than asked: a source that is a
/// multi-instance activity or lies inside one has a running scope per item (Camunda 8.8 moves no element with several
/// running scopes; terminating each and activating a target for each would multiply the token), and a target inside a
/// multi-instance subprocess has no item to run in (as a single modification refuses it). A multi-instance activity as
/// target is activated whole — its body and one inner instance per item — as a single modification does.
/// </summary>
internal static class BatchMoveRules
{
    public static string? Problem(ExecutableProcess model, IReadOnlyList<BatchMove> moves)
    {
        for (var i = 0; i < moves.Count; i++)
        {
            var (sourceId, targetId) = (moves[i].SourceElementId, moves[i].TargetElementId);
            if (model.FindFlowNode(sourceId) is { } source)
            {
                if (source is ExecutableActivity { MultiInstance: not null })
                {
                    return $"moveInstructions[{i}].sourceElementId: '{sourceId}' is a multi-instance activity of process '{model.Id}'; its tokens " +
                        "cannot be moved in a batch (one per item) — modify the instances one at a time instead.";
                }
                if (MultiInstanceAround(source) is { } around)
                {
                    return $"moveInstructions[{i}].sourceElementId: '{sourceId}' is inside the multi-instance subprocess '{around.Id}' of process " +
                        $"'{model.Id}'; its tokens cannot be moved in a batch (one per item) — modify the instances one at a time instead.";
                }
            }
            if (model.FindFlowNode(targetId) is { } target && MultiInstanceAround(target) is { } scope)
            {
                return $"moveInstructions[{i}].targetElementId: '{targetId}' is inside the multi-instance subprocess '{scope.Id}' of process " +
                    $"'{model.Id}'; move to '{scope.Id}' instead.";
            }
        }
        return null;
    }

    private static ExecutableSubProcess? MultiInstanceAround(ExecutableFlowNode node)
    {
        for (var scope = node.FlowScope; scope.Owner is ExecutableSubProcess sub; scope = sub.FlowScope)
        {
            if (sub.MultiInstance is not null)
            {
                return sub;
            }
        }
        return null;
    }
}
