namespace Processes.Tests.Designer;

/// <summary>Models for the designer page tests, with diagram information so bpmn-js can draw them.</summary>
internal static class DesignerModels
{
    /// <summary>start → service task (job type, retries, headers, io mapping) → user task (candidate groups) → end.</summary>
    public static string Executable(string processId, string name) => DrawnModels.Line(processId, name,
    [
        DrawnModels.Start(),
        DrawnModels.Task("Work", """
            <bpmn:serviceTask id="Work" name="Check the order">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="designer-check" retries="5" />
                <zeebe:taskHeaders>
                  <zeebe:header key="mode" value="strict" />
                </zeebe:taskHeaders>
                <zeebe:ioMapping>
                  <zeebe:input source="=order.id" target="orderId" />
                  <zeebe:output source="=result" target="checkResult" />
                </zeebe:ioMapping>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            """),
        DrawnModels.UserTask("Review", "Review", "<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups=\"reviewers\" />"),
        DrawnModels.End(),
    ]);

    /// <summary>An exclusive gateway with two unconditional outgoing flows and no default: the engine refuses it at deployment.</summary>
    public const string GatewayWithoutConditions = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
            xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
            id="broken-definitions" targetNamespace="http://processes.example/designer">
          <bpmn:process id="designer-broken" isExecutable="true">
            <bpmn:startEvent id="Start" />
            <bpmn:exclusiveGateway id="Decide" />
            <bpmn:endEvent id="A" />
            <bpmn:endEvent id="B" />
            <bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="Decide" />
            <bpmn:sequenceFlow id="toA" sourceRef="Decide" targetRef="A" />
            <bpmn:sequenceFlow id="toB" sourceRef="Decide" targetRef="B" />
          </bpmn:process>
          <bpmndi:BPMNDiagram id="diagram">
            <bpmndi:BPMNPlane id="plane" bpmnElement="designer-broken">
              <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Decide_di" bpmnElement="Decide" isMarkerVisible="true"><dc:Bounds x="245" y="95" width="50" height="50" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="A_di" bpmnElement="A"><dc:Bounds x="352" y="42" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="B_di" bpmnElement="B"><dc:Bounds x="352" y="162" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNEdge id="f0_di" bpmnElement="f0"><di:waypoint x="188" y="120" /><di:waypoint x="245" y="120" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="toA_di" bpmnElement="toA"><di:waypoint x="270" y="95" /><di:waypoint x="270" y="60" /><di:waypoint x="352" y="60" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="toB_di" bpmnElement="toB"><di:waypoint x="270" y="145" /><di:waypoint x="270" y="180" /><di:waypoint x="352" y="180" /></bpmndi:BPMNEdge>
            </bpmndi:BPMNPlane>
          </bpmndi:BPMNDiagram>
        </bpmn:definitions>
        """;
}
