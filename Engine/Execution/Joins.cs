using System.Runtime.CompilerServices;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution;

/// <summary>
/// Joining gateways. Tokens that arrived are counted per incoming flow on the flow scope instance. A parallel
/// join fires when every incoming flow has a token; an inclusive join when no incoming flow without a token can
/// still receive one from any token left in the scope.
/// </summary>
internal sealed partial class Execution
{
    private static readonly ConditionalWeakTable<ExecutableProcess, Reachability> ReachabilityByModel = [];

    private void Join(InstanceState instance, ExecutableGateway gateway, ExecutableSequenceFlow arrived, ElementInstance flowScope)
    {
        flowScope.Data.JoinTokens ??= [];
        var tokenKey = JoinKey(gateway, arrived);
        flowScope.Data.JoinTokens[tokenKey] = flowScope.Data.JoinTokens.GetValueOrDefault(tokenKey) + 1;
        flowScope.IsDirty = true;
        TryFireJoin(instance, gateway, flowScope);
    }

    private void TryFireJoin(InstanceState instance, ExecutableGateway gateway, ElementInstance flowScope)
    {
        var tokens = flowScope.Data.JoinTokens;
        if (tokens is null)
        {
            return;
        }
        var withToken = gateway.Incoming.Where(f => tokens.GetValueOrDefault(JoinKey(gateway, f)) > 0).ToList();
        if (withToken.Count == 0)
        {
            return;
        }
        var fires = gateway.Kind == ElementKind.ParallelGateway
            ? withToken.Count == gateway.Incoming.Length
            : gateway.Incoming.Except(withToken).All(missing => !CanStillArrive(instance, flowScope, gateway, missing));
        if (!fires)
        {
            return;
        }
        foreach (var flow in withToken)
        {
            var key = JoinKey(gateway, flow);
            tokens[key]--;
            if (tokens[key] == 0)
            {
                tokens.Remove(key);
            }
        }
        if (tokens.Count == 0)
        {
            flowScope.Data.JoinTokens = null;
        }
        flowScope.IsDirty = true;
        Activate(instance, gateway, flowScope);
    }

    /// <summary>After something left a scope, inclusive joins waiting there may no longer wait for it.</summary>
    private void RecheckInclusiveJoins(InstanceState instance, ElementInstance flowScope)
    {
        if (flowScope.Data.JoinTokens is not { Count: > 0 } tokens)
        {
            return;
        }
        var waiting = tokens.Keys.Select(k => k[..k.IndexOf('|', StringComparison.Ordinal)]).Distinct().ToList();
        foreach (var gatewayId in waiting)
        {
            if (instance.Model.FindFlowNode(gatewayId) is ExecutableGateway { Kind: ElementKind.InclusiveGateway } gateway)
            {
                TryFireJoin(instance, gateway, flowScope);
            }
        }
    }

    private bool CanStillArrive(InstanceState instance, ElementInstance flowScope, ExecutableGateway gateway, ExecutableSequenceFlow missing)
    {
        var reachability = ReachabilityByModel.GetValue(instance.Model, m => new Reachability());
        foreach (var child in instance.Children(flowScope.Key))
        {
            if (child.ElementId != gateway.Id && instance.Model.FindFlowNode(child.ElementId) is { } node && reachability.Reaches(node, missing))
            {
                return true;
            }
        }
        foreach (var flow in flowScope.InFlight)
        {
            if (flow == missing || (flow.Target is { } target && target != gateway && reachability.Reaches(target, missing)))
            {
                return true;
            }
        }
        // Tokens waiting at other joins of the scope can still move on once those joins fire.
        foreach (var key in flowScope.Data.JoinTokens?.Keys ?? Enumerable.Empty<string>())
        {
            var otherId = key[..key.IndexOf('|', StringComparison.Ordinal)];
            if (otherId != gateway.Id && instance.Model.FindFlowNode(otherId) is { } other && reachability.Reaches(other, missing))
            {
                return true;
            }
        }
        return false;
    }

    private static string JoinKey(ExecutableGateway gateway, ExecutableSequenceFlow flow) => $"{gateway.Id}|{flow.Id}";

    /// <summary>Which sequence flows a token at a node can still reach within its scope (cached per model).</summary>
    private sealed class Reachability
    {
        private readonly Dictionary<ExecutableFlowNode, HashSet<ExecutableSequenceFlow>> _byNode = [];
        private readonly Lock _gate = new();

        public bool Reaches(ExecutableFlowNode from, ExecutableSequenceFlow flow)
        {
            lock (_gate)
            {
                if (!_byNode.TryGetValue(from, out var flows))
                {
                    flows = Compute(from);
                    _byNode[from] = flows;
                }
                return flows.Contains(flow);
            }
        }

        private static HashSet<ExecutableSequenceFlow> Compute(ExecutableFlowNode from)
        {
            var flows = new HashSet<ExecutableSequenceFlow>();
            var visited = new HashSet<ExecutableFlowNode>();
            var pending = new Stack<ExecutableFlowNode>([from]);
            while (pending.TryPop(out var node))
            {
                if (!visited.Add(node))
                {
                    continue;
                }
                var outgoing = node.Outgoing.AsEnumerable();
                if (node is ExecutableActivity activity)
                {
                    // A token in an activity may leave through any of its boundary events.
                    outgoing = outgoing.Concat(activity.BoundaryEvents.SelectMany(b => b.Outgoing));
                }
                foreach (var flow in outgoing)
                {
                    flows.Add(flow);
                    pending.Push(flow.Target);
                }
            }
            return flows;
        }
    }
}
