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

    public static string TimerDate(string date) =>
        $"<bpmn:timerEventDefinition><bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">{date}</bpmn:timeDate></bpmn:timerEventDefinition>";

    public static string MessageDef(string messageRef) => $"<bpmn:messageEventDefinition messageRef=\"{messageRef}\" />";

    public static string SignalDef(string signalRef) => $"<bpmn:signalEventDefinition signalRef=\"{signalRef}\" />";

    public static string ErrorDef(string? errorRef = null) =>
        errorRef is null ? "<bpmn:errorEventDefinition />" : $"<bpmn:errorEventDefinition errorRef=\"{errorRef}\" />";

    public static string EscalationDef(string? escalationRef = null) =>
        escalationRef is null ? "<bpmn:escalationEventDefinition />" : $"<bpmn:escalationEventDefinition escalationRef=\"{escalationRef}\" />";

    public static string TerminateDef() => "<bpmn:terminateEventDefinition />";

    /// <summary>Root elements: signals, errors, escalations (messages use <see cref="Message"/>).</summary>
    public static string Signal(string id, string name) => $"<bpmn:signal id=\"{id}\" name=\"{name}\" />";

    public static string Error(string id, string code) => $"<bpmn:error id=\"{id}\" errorCode=\"{code}\" />";

    public static string Escalation(string id, string code) => $"<bpmn:escalation id=\"{id}\" escalationCode=\"{code}\" />";

    public static string Catch(string id, string definition) => $"<bpmn:intermediateCatchEvent id=\"{id}\">{definition}</bpmn:intermediateCatchEvent>";

    public static string Throw(string id, string definition) => $"<bpmn:intermediateThrowEvent id=\"{id}\">{definition}</bpmn:intermediateThrowEvent>";

    public static string EndWith(string id, string definition) => $"<bpmn:endEvent id=\"{id}\">{definition}</bpmn:endEvent>";

    public static string StartWith(string id, string definition, bool interrupting = true) =>
        $"<bpmn:startEvent id=\"{id}\" isInterrupting=\"{(interrupting ? "true" : "false")}\">{definition}</bpmn:startEvent>";

    public static string ReceiveTask(string id, string messageRef) => $"<bpmn:receiveTask id=\"{id}\" messageRef=\"{messageRef}\" />";

    public static string SubProcess(string id, string body, string extensions = "") =>
        $"<bpmn:subProcess id=\"{id}\">{(extensions.Length > 0 ? $"<bpmn:extensionElements>{extensions}</bpmn:extensionElements>" : "")}{body}</bpmn:subProcess>";

    /// <summary>An ad-hoc sub-process as Camunda Modeler writes it: zeebe:adHoc, the completion condition after the inner elements.</summary>
    public static string AdHoc(string id, string body, string? collection = null, string? completion = null, bool? cancel = null) =>
        $"<bpmn:adHocSubProcess id=\"{id}\"{(cancel is null ? "" : $" cancelRemainingInstances=\"{(cancel.Value ? "true" : "false")}\"")}>" +
        (collection is null ? "" : $"<bpmn:extensionElements><zeebe:adHoc activeElementsCollection=\"{System.Net.WebUtility.HtmlEncode(collection)}\" /></bpmn:extensionElements>") +
        body +
        (completion is null ? "" : $"<bpmn:completionCondition xsi:type=\"bpmn:tFormalExpression\">{System.Net.WebUtility.HtmlEncode(completion)}</bpmn:completionCondition>") +
        "</bpmn:adHocSubProcess>";

    public static string EventSubProcess(string id, string body) => $"<bpmn:subProcess id=\"{id}\" triggeredByEvent=\"true\">{body}</bpmn:subProcess>";

    public static string CallActivity(string id, string processId, string attributes = "", string extensions = "") =>
        $"<bpmn:callActivity id=\"{id}\"><bpmn:extensionElements><zeebe:calledElement processId=\"{processId}\" {attributes} />{extensions}</bpmn:extensionElements></bpmn:callActivity>";

    /// <summary>multiInstanceLoopCharacteristics to put inside an activity (after its extension elements).</summary>
    public static string Loop(string inputCollection, string? inputElement = null, string? outputCollection = null, string? outputElement = null,
        bool sequential = false, string? completionCondition = null)
    {
        var attributes = $"inputCollection=\"{inputCollection}\"" +
            (inputElement is null ? "" : $" inputElement=\"{inputElement}\"") +
            (outputCollection is null ? "" : $" outputCollection=\"{outputCollection}\" outputElement=\"{outputElement}\"");
        var completion = completionCondition is null ? "" : $"<bpmn:completionCondition xsi:type=\"bpmn:tFormalExpression\">{completionCondition}</bpmn:completionCondition>";
        return $"<bpmn:multiInstanceLoopCharacteristics isSequential=\"{(sequential ? "true" : "false")}\"><bpmn:extensionElements><zeebe:loopCharacteristics {attributes} /></bpmn:extensionElements>{completion}</bpmn:multiInstanceLoopCharacteristics>";
    }

    public static string MultiTask(string id, string type, string loop, string extensions = "") =>
        $"<bpmn:serviceTask id=\"{id}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"{type}\" />{extensions}</bpmn:extensionElements>{loop}</bpmn:serviceTask>";
}
