namespace Processes.Tests.Designer;

/// <summary>Models for the page tests, with diagram information so bpmn-js can draw them.</summary>
internal static class DesignerModels
{
    /// <summary>start → service task (job type, retries, headers, io mapping) → user task (candidate groups) → end.</summary>
    public static string Executable(string processId, string name) => $$"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
            xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
            xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="{{processId}}-definitions" targetNamespace="http://processes.example/designer">
          <bpmn:process id="{{processId}}" name="{{name}}" isExecutable="true">
            <bpmn:startEvent id="Start" />
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
            <bpmn:userTask id="Review" name="Review">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:assignmentDefinition candidateGroups="reviewers" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="End" />
            <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Work" />
            <bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="Review" />
            <bpmn:sequenceFlow id="f3" sourceRef="Review" targetRef="End" />
          </bpmn:process>
          <bpmndi:BPMNDiagram id="diagram">
            <bpmndi:BPMNPlane id="plane" bpmnElement="{{processId}}">
              <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Work_di" bpmnElement="Work"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Review_di" bpmnElement="Review"><dc:Bounds x="400" y="80" width="100" height="80" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="562" y="102" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="340" y="120" /><di:waypoint x="400" y="120" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="500" y="120" /><di:waypoint x="562" y="120" /></bpmndi:BPMNEdge>
            </bpmndi:BPMNPlane>
          </bpmndi:BPMNDiagram>
        </bpmn:definitions>
        """;

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
