using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Tests.Bpmn;

internal static class ModelAssertions
{
    public static ExecutableProcess ReadValid(string xml)
    {
        var result = BpmnReader.Read(xml);
        result.Errors.ShouldBeEmpty(string.Join(Environment.NewLine, result.Problems));
        return result.Processes.ShouldHaveSingleItem();
    }

    public static BpmnReadResult ReadInvalid(string xml)
    {
        var result = BpmnReader.Read(xml);
        result.HasErrors.ShouldBeTrue("expected errors, got: " + string.Join("; ", result.Problems));
        result.Processes.ShouldBeEmpty();
        return result;
    }

    /// <summary>The single error about <paramref name="elementId"/> whose message contains <paramref name="text"/>.</summary>
    public static ModelProblem ShouldReport(this BpmnReadResult result, string? elementId, string text)
    {
        var matches = result.Problems
            .Where(p => p.IsError && p.ElementId == elementId && p.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
            .ToList();
        matches.Count.ShouldBe(1, $"expected one error on '{elementId}' containing '{text}'; problems: {string.Join(" | ", result.Problems)}");
        return matches[0];
    }

    public static T Node<T>(this ExecutableProcess process, string id) where T : ExecutableFlowNode =>
        process.GetFlowNode(id).ShouldBeOfType<T>();
}
