namespace Processes.Tests.Execution;

/// <summary>Compact BPMN for behaviour tests: elements by helper, flows as "a->b->c" chains.</summary>
internal static class Models
{
    public static string Process(string id, string body, string root = "") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs_{id}" targetNamespace="http://processes.test">
          <bpmn:process id="{id}" isExecutable="true">
        {body}
          </bpmn:process>
        {root}
        </bpmn:definitions>
        """;

    /// <summary>Sequence flows along each chain "a->b->c"; flow ids are source_target.</summary>
    public static string Flows(params string[] chains)
    {
        var flows = new List<string>();
        foreach (var chain in chains)
        {
            var nodes = chain.Split("->", StringSplitOptions.TrimEntries);
            for (var i = 0; i + 1 < nodes.Length; i++)
            {
                flows.Add($"<bpmn:sequenceFlow id=\"{nodes[i]}_{nodes[i + 1]}\" sourceRef=\"{nodes[i]}\" targetRef=\"{nodes[i + 1]}\" />");
            }
        }
        return string.Join('\n', flows);
    }

    public static string ConditionalFlow(string source, string target, string condition, string? id = null) =>
        $"<bpmn:sequenceFlow id=\"{id ?? $"{source}_{target}"}\" sourceRef=\"{source}\" targetRef=\"{target}\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>";

    public static string Start(string id = "start") => $"<bpmn:startEvent id=\"{id}\" />";

    public static string End(string id = "end") => $"<bpmn:endEvent id=\"{id}\" />";

    public static string Task(string id, string type, string extensions = "", string attributes = "") =>
        $"<bpmn:serviceTask id=\"{id}\" {attributes}><bpmn:extensionElements><zeebe:taskDefinition type=\"{type}\" />{extensions}</bpmn:extensionElements></bpmn:serviceTask>";

    public static string UserTask(string id, string extensions = "") =>
        $"<bpmn:userTask id=\"{id}\" name=\"{id}\"><bpmn:extensionElements><zeebe:userTask />{extensions}</bpmn:extensionElements></bpmn:userTask>";

    public static string Io(string inputs = "", string outputs = "") => $"<zeebe:ioMapping>{inputs}{outputs}</zeebe:ioMapping>";

    public static string Input(string source, string target) => $"<zeebe:input source=\"{source}\" target=\"{target}\" />";

    public static string Output(string source, string target) => $"<zeebe:output source=\"{source}\" target=\"{target}\" />";

    public static string Gateway(string kind, string id, string attributes = "") => $"<bpmn:{kind} id=\"{id}\" {attributes} />";

    public static string Message(string id, string name) => $"<bpmn:message id=\"{id}\" name=\"{name}\" />";

    public static string MessageWithKey(string id, string name, string correlationKey) =>
        $"<bpmn:message id=\"{id}\" name=\"{name}\"><bpmn:extensionElements><zeebe:subscription correlationKey=\"{correlationKey}\" /></bpmn:extensionElements></bpmn:message>";

    public static string MessageCatch(string id, string messageRef) =>
        $"<bpmn:intermediateCatchEvent id=\"{id}\"><bpmn:messageEventDefinition messageRef=\"{messageRef}\" /></bpmn:intermediateCatchEvent>";

    public static string TimerCatch(string id, string duration) =>
        $"<bpmn:intermediateCatchEvent id=\"{id}\"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">{duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>";

    public static string Boundary(string id, string attachedTo, string definition, bool interrupting = true) =>
        $"<bpmn:boundaryEvent id=\"{id}\" attachedToRef=\"{attachedTo}\" cancelActivity=\"{(interrupting ? "true" : "false")}\">{definition}</bpmn:boundaryEvent>";

    public static string TimerDuration(string duration) =>
        $"<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">{duration}</bpmn:timeDuration></bpmn:timerEventDefinition>";

    public static string TimerCycle(string cycle) =>
        $"<bpmn:timerEventDefinition><bpmn:timeCycle xsi:type=\"bpmn:tFormalExpression\">{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>";
}
