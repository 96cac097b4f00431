using System.Text;

namespace Processes.Tests.Designer;

/// <summary>
/// Straight-line models with diagram information, for the tests that open a model in bpmn-js (designer, studio,
/// versions, reports): the page tests need a drawing, not a particular layout, so one builder lays every model out
/// left to right and names its flows <c>f1</c>, <c>f2</c>, … in order.
/// </summary>
internal static class DrawnModels
{
    /// <summary>One element of the line: its id, its BPMN XML, and whether it is drawn as an event (a circle) or a task.</summary>
    public sealed record Step(string Id, string Xml, bool IsEvent);

    public static Step Start(string id = "Start") => new(id, $"<bpmn:startEvent id=\"{id}\" />", true);

    public static Step End(string id = "End") => new(id, $"<bpmn:endEvent id=\"{id}\" />", true);

    public static Step Task(string id, string xml) => new(id, xml, false);

    public static Step UserTask(string id, string name, string extensions = "<zeebe:userTask />") =>
        Task(id, $"<bpmn:userTask id=\"{id}\" name=\"{name}\"><bpmn:extensionElements>{extensions}</bpmn:extensionElements></bpmn:userTask>");

    public static Step ServiceTask(string id, string name, string jobType) =>
        Task(id, $"<bpmn:serviceTask id=\"{id}\" name=\"{name}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"{jobType}\" /></bpmn:extensionElements></bpmn:serviceTask>");

    /// <summary>
    /// The definitions of one process whose steps follow each other in the given order, with its diagram.
    /// <paramref name="flowIds"/> names the flows when a test needs other ids than <c>f1…fn</c> (e.g. two versions
    /// whose diff shows a flow replaced).
    /// </summary>
    public static string Line(string processId, string? name, IReadOnlyList<Step> steps, IReadOnlyList<string>? flowIds = null)
    {
        var flows = flowIds ?? Enumerable.Range(1, steps.Count - 1).Select(i => $"f{i}").ToList();
        if (flows.Count != steps.Count - 1)
            throw new ArgumentException($"{steps.Count} steps need {steps.Count - 1} flow ids, not {flows.Count}.", nameof(flowIds));

        var process = new StringBuilder();
        var diagram = new StringBuilder();
        var nameAttribute = name is null ? "" : $" name=\"{name}\"";
        process.AppendLine($"  <bpmn:process id=\"{processId}\"{nameAttribute} isExecutable=\"true\">");
        var x = 152;
        var rightEdges = new List<int>();
        var leftEdges = new List<int>();
        foreach (var step in steps)
        {
            process.AppendLine($"    {step.Xml}");
            var (width, height) = step.IsEvent ? (36, 36) : (100, 80);
            diagram.AppendLine($"      <bpmndi:BPMNShape id=\"{step.Id}_di\" bpmnElement=\"{step.Id}\"><dc:Bounds x=\"{x}\" y=\"{120 - height / 2}\" width=\"{width}\" height=\"{height}\" /></bpmndi:BPMNShape>");
            leftEdges.Add(x);
            rightEdges.Add(x + width);
            x += width + 60;
        }
        for (var i = 0; i < flows.Count; i++)
        {
            process.AppendLine($"    <bpmn:sequenceFlow id=\"{flows[i]}\" sourceRef=\"{steps[i].Id}\" targetRef=\"{steps[i + 1].Id}\" />");
            diagram.AppendLine($"      <bpmndi:BPMNEdge id=\"{flows[i]}_di\" bpmnElement=\"{flows[i]}\"><di:waypoint x=\"{rightEdges[i]}\" y=\"120\" /><di:waypoint x=\"{leftEdges[i + 1]}\" y=\"120\" /></bpmndi:BPMNEdge>");
        }
        process.AppendLine("  </bpmn:process>");

        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="{processId}-definitions" targetNamespace="http://processes.example/tests">
            {process}  <bpmndi:BPMNDiagram id="diagram">
                <bpmndi:BPMNPlane id="plane" bpmnElement="{processId}">
            {diagram}    </bpmndi:BPMNPlane>
              </bpmndi:BPMNDiagram>
            </bpmn:definitions>
            """;
    }
}
