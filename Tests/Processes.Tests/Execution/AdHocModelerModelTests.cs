using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// An ad-hoc sub-process as Camunda Modeler 5.x saves it for Camunda 8.8 (modeler attributes, zeebe:adHoc, the
/// completion condition after the inner elements, the diagram): deployed and run to its end.
/// </summary>
public sealed class AdHocModelerModelTests : EngineTest
{
    /// <summary>Also the designer's round trip (<c>ModelImportTests</c>).</summary>
    internal const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_1adhoc" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.38.0" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
          <bpmn:process id="complaint-checks" name="Complaint checks" isExecutable="true">
            <bpmn:startEvent id="StartEvent_1" name="Complaint received">
              <bpmn:outgoing>Flow_0start</bpmn:outgoing>
            </bpmn:startEvent>
            <bpmn:sequenceFlow id="Flow_0start" sourceRef="StartEvent_1" targetRef="Checks" />
            <bpmn:adHocSubProcess id="Checks" name="Checks" cancelRemainingInstances="false">
              <bpmn:extensionElements>
                <zeebe:adHoc activeElementsCollection="=checks" />
                <zeebe:ioMapping>
                  <zeebe:output source="=findings" target="findings" />
                </zeebe:ioMapping>
              </bpmn:extensionElements>
              <bpmn:incoming>Flow_0start</bpmn:incoming>
              <bpmn:outgoing>Flow_1done</bpmn:outgoing>
              <bpmn:serviceTask id="CheckWarranty" name="Check warranty">
                <bpmn:extensionElements>
                  <zeebe:taskDefinition type="modeler-adhoc-warranty" />
                  <zeebe:properties>
                    <zeebe:property name="purpose" value="warranty" />
                  </zeebe:properties>
                </bpmn:extensionElements>
                <bpmn:outgoing>Flow_0record</bpmn:outgoing>
              </bpmn:serviceTask>
              <bpmn:scriptTask id="RecordWarranty" name="Record warranty">
                <bpmn:extensionElements>
                  <zeebe:script expression="=append(findings, &#34;warranty&#34;)" resultVariable="findings" />
                </bpmn:extensionElements>
                <bpmn:incoming>Flow_0record</bpmn:incoming>
              </bpmn:scriptTask>
              <bpmn:sequenceFlow id="Flow_0record" sourceRef="CheckWarranty" targetRef="RecordWarranty" />
              <bpmn:userTask id="CallCustomer" name="Call the customer">
                <bpmn:extensionElements>
                  <zeebe:userTask />
                  <zeebe:assignmentDefinition candidateGroups="agents" />
                </bpmn:extensionElements>
              </bpmn:userTask>
              <bpmn:serviceTask id="CheckFraud" name="Check fraud">
                <bpmn:extensionElements>
                  <zeebe:taskDefinition type="modeler-adhoc-fraud" />
                </bpmn:extensionElements>
              </bpmn:serviceTask>
              <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=list contains(findings, "warranty")</bpmn:completionCondition>
            </bpmn:adHocSubProcess>
            <bpmn:sequenceFlow id="Flow_1done" sourceRef="Checks" targetRef="EndEvent_1" />
            <bpmn:endEvent id="EndEvent_1" name="Checked">
              <bpmn:incoming>Flow_1done</bpmn:incoming>
            </bpmn:endEvent>
          </bpmn:process>
          <bpmndi:BPMNDiagram id="BPMNDiagram_1">
            <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="complaint-checks">
              <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
                <dc:Bounds x="152" y="182" width="36" height="36" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="Checks_di" bpmnElement="Checks" isExpanded="true">
                <dc:Bounds x="250" y="80" width="460" height="240" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="CheckWarranty_di" bpmnElement="CheckWarranty">
                <dc:Bounds x="290" y="110" width="100" height="80" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="RecordWarranty_di" bpmnElement="RecordWarranty">
                <dc:Bounds x="450" y="110" width="100" height="80" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="CallCustomer_di" bpmnElement="CallCustomer">
                <dc:Bounds x="290" y="220" width="100" height="80" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNShape id="CheckFraud_di" bpmnElement="CheckFraud">
                <dc:Bounds x="450" y="220" width="100" height="80" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNEdge id="Flow_0record_di" bpmnElement="Flow_0record">
                <di:waypoint x="390" y="150" />
                <di:waypoint x="450" y="150" />
              </bpmndi:BPMNEdge>
              <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
                <dc:Bounds x="772" y="182" width="36" height="36" />
              </bpmndi:BPMNShape>
              <bpmndi:BPMNEdge id="Flow_0start_di" bpmnElement="Flow_0start">
                <di:waypoint x="188" y="200" />
                <di:waypoint x="250" y="200" />
              </bpmndi:BPMNEdge>
              <bpmndi:BPMNEdge id="Flow_1done_di" bpmnElement="Flow_1done">
                <di:waypoint x="710" y="200" />
                <di:waypoint x="772" y="200" />
              </bpmndi:BPMNEdge>
            </bpmndi:BPMNPlane>
          </bpmndi:BPMNDiagram>
        </bpmn:definitions>
        """;

    [Test]
    public async Task A_Camunda_Modeler_model_deploys_and_runs_to_its_end()
    {
        await DeployAsync(Model, "complaint-checks.bpmn");
        var key = await StartAsync("complaint-checks", Vars("""{"checks": ["CheckWarranty", "CheckFraud", "CallCustomer"], "findings": []}"""));
        (await ActiveElementsAsync(key)).ShouldBe(["CallCustomer", "CheckFraud", "CheckWarranty", "Checks"]);

        (await CompleteJobsAsync("modeler-adhoc-fraud")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldContain("Checks", "no warranty finding yet: the condition is false");
        (await CompleteJobsAsync("modeler-adhoc-warranty")).ShouldBe(1);
        (await ActiveElementsAsync(key)).ShouldBe(["CallCustomer", "Checks"],
            "the condition holds after the script, but cancelRemainingInstances=false leaves the call to finish");

        var call = (await OpenTasksAsync(key)).ShouldHaveSingleItem();
        (await Engine.CompleteUserTaskAsync(call.Key, null, null, null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(key)).ShouldBe("COMPLETED");
        (await VariablesAsync(key))["findings"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["warranty"]);
        (await HistoryAsync(key)).ShouldBe(["StartEvent_1", "CheckFraud", "CheckWarranty", "RecordWarranty", "CallCustomer", "Checks", "EndEvent_1", "complaint-checks"]);
    }
}
