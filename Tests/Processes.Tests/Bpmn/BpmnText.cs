namespace Processes.Tests.Bpmn;

/// <summary>Builds small BPMN documents for tests so each test shows only the elements it is about.</summary>
internal static class BpmnText
{
    public const string Namespaces =
        "xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" " +
        "xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\" " +
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

    /// <summary>A definitions element with one executable process <c>p</c> holding <paramref name="processBody"/>.</summary>
    public static string Process(string processBody, string rootDefinitions = "") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions {Namespaces} id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
          <bpmn:process id="p" name="Test process" isExecutable="true">
        {processBody}
          </bpmn:process>
        {rootDefinitions}
        </bpmn:definitions>
        """;

    public static string Flow(string id, string source, string target, string? condition = null) =>
        condition is null
            ? $"<bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{source}\" targetRef=\"{target}\" />"
            : $"<bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{source}\" targetRef=\"{target}\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>";

    public static string ServiceTask(string id, string type = "work") =>
        $"<bpmn:serviceTask id=\"{id}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"{type}\" /></bpmn:extensionElements></bpmn:serviceTask>";

    /// <summary>start → <paramref name="middle"/> (id <c>x</c>) → end, so single-element tests stay valid.</summary>
    public static string Around(string middle, string extra = "", string rootDefinitions = "") => Process(
        $"""
        <bpmn:startEvent id="start" />
        {middle}
        <bpmn:endEvent id="end" />
        {Flow("f1", "start", "x")}
        {Flow("f2", "x", "end")}
        {extra}
        """, rootDefinitions);
}
