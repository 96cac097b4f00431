using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Feel.Evaluation;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Bpmn.Validation;

/// <summary>
/// Camunda 8.8's rules for an ad-hoc sub-process: at least one activity, no start or end events inside (its elements are
/// activated, not started), and a literal <c>activeElementsCollection</c> names only elements it can activate — a
/// mistake Zeebe finds at run time (an incident) is found here at deployment.
/// </summary>
internal static class AdHocRules
{
    public static void Validate(ExecutableSubProcess adHoc, ReadContext context)
    {
        var scope = adHoc.Scope;
        if (!scope.FlowNodes.Any(n => n.Kind.IsActivity()))
        {
            context.Error(adHoc, "An ad-hoc sub-process must have at least one activity.");
        }
        foreach (var node in scope.FlowNodes.Where(n => n.Kind is ElementKind.StartEvent or ElementKind.EndEvent))
        {
            context.Error(node, $"An ad-hoc sub-process must not contain a {node.ElementType}: its elements are activated " +
                $"(activeElementsCollection or the activation API), not started, and it completes by its completion condition.");
        }
        if (adHoc.AdHoc?.ActiveElementsCollection is { } collection && Literal(collection.Text) is { } ids)
        {
            var activatable = adHoc.AdHocActivities.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in ids.Where(id => !activatable.Contains(id)))
            {
                var inner = scope.FlowNodes.FirstOrDefault(n => n.Id == id);
                context.Error(adHoc, inner is null
                    ? $"The active elements collection names '{id}', which is not an element of this ad-hoc sub-process."
                    : $"The active elements collection names '{id}', which {(inner.Incoming.IsEmpty ? $"is a {inner.ElementType}" : "has an incoming sequence flow")}; " +
                      "only inner elements without incoming sequence flows can be activated.");
            }
        }
    }

    /// <summary>The ids when the expression is a constant list of strings (it reads no variable), else null.</summary>
    private static IReadOnlyList<string>? Literal(string text)
    {
        var parsed = Feel.Feel.ParseExpression(text);
        if (parsed.Expression is null)
        {
            return null; // reported by the expression checker
        }
        var result = parsed.Expression.Evaluate(FeelContext.Empty);
        return !result.Aborted && result.Warnings.Count == 0 && result.Value is FeelList list && list.Items.All(i => i is FeelString)
            ? [.. list.Items.Cast<FeelString>().Select(s => s.Value)]
            : null;
    }
}
