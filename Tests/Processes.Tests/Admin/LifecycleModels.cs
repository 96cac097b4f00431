namespace Processes.Tests.Admin;

/// <summary>Two versions of one process, drawn (diagram information) so the versions page can show and compare them.</summary>
internal static class LifecycleModels
{
    private const string Header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
            xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
            xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="lifecycle-definitions" targetNamespace="http://processes.example/lifecycle">
        """;

    /// <summary>Version 1: start → Work (job <c>{id}-work</c>) → Review (user task) → end.</summary>
    public static string Version1(string id) => Header + $$"""
          <bpmn:process id="{{id}}" name="Demand {{id}}" isExecutable="true">
            <bpmn:startEvent id="Start" />
            <bpmn:serviceTask id="Work" name="Check the demand">
              <bpmn:extensionElements><zeebe:taskDefinition type="{{id}}-work" /></bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:userTask id="Review" name="Review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="End" />
            <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Work" />
            <bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="Review" />
            <bpmn:sequenceFlow id="f3" sourceRef="Review" targetRef="End" />
          </bpmn:process>
          <bpmndi:BPMNDiagram id="diagram">
            <bpmndi:BPMNPlane id="plane" bpmnElement="{{id}}">
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

    /// <summary>Version 2: Work renamed, Review replaced by Notify (job <c>{id}-notify</c>).</summary>
    public static string Version2(string id) => Header + $$"""
          <bpmn:process id="{{id}}" name="Demand {{id}}" isExecutable="true">
            <bpmn:startEvent id="Start" />
            <bpmn:serviceTask id="Work" name="Check the demand twice">
              <bpmn:extensionElements><zeebe:taskDefinition type="{{id}}-work" /></bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:serviceTask id="Notify" name="Notify the customer">
              <bpmn:extensionElements><zeebe:taskDefinition type="{{id}}-notify" /></bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:endEvent id="End" />
            <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Work" />
            <bpmn:sequenceFlow id="f4" sourceRef="Work" targetRef="Notify" />
            <bpmn:sequenceFlow id="f5" sourceRef="Notify" targetRef="End" />
          </bpmn:process>
          <bpmndi:BPMNDiagram id="diagram">
            <bpmndi:BPMNPlane id="plane" bpmnElement="{{id}}">
              <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Work_di" bpmnElement="Work"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Notify_di" bpmnElement="Notify"><dc:Bounds x="400" y="80" width="100" height="80" /></bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="562" y="102" width="36" height="36" /></bpmndi:BPMNShape>
              <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="f4_di" bpmnElement="f4"><di:waypoint x="340" y="120" /><di:waypoint x="400" y="120" /></bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="f5_di" bpmnElement="f5"><di:waypoint x="500" y="120" /><di:waypoint x="562" y="120" /></bpmndi:BPMNEdge>
            </bpmndi:BPMNPlane>
          </bpmndi:BPMNDiagram>
        </bpmn:definitions>
        """;
}
