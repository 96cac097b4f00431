namespace Processes.Tests.Reports;

/// <summary>
/// Small stand-ins for the shipped demand, fulfilment and settlement models, under their process ids, recording the
/// variables the reports read the way the shipped models do (Definitions/demand-ticket.bpmn, service-fulfilment.bpmn,
/// monthly-settlement.bpmn): the ticket's completion standard and reason, the close's SLA compliance, the survey answer
/// by the message <c>survey-answered</c> (or "no answer" once the window passes); the technician's acceptance offers
/// (a decline goes back to the offer), the visit's code verification and fee status; the settlement's paid networks.
/// The shipped models' end-to-end runs are the Shipped/*HttpScenarioTests; these keep a browser test's day short.
/// </summary>
internal static class ServiceDayModels
{
    private const string Head = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
        """;

    private const string Group = """<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=team" />""";

    public static readonly string Demand = Head + $$"""
          <bpmn:message id="SurveyMessage" name="survey-answered">
            <bpmn:extensionElements><zeebe:subscription correlationKey="=demandId" /></bpmn:extensionElements>
          </bpmn:message>
          <bpmn:process id="demand-ticket" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="WorkTicket" name="Work ticket"><bpmn:extensionElements>{{Group}}</bpmn:extensionElements></bpmn:userTask>
            <bpmn:scriptTask id="Reason" name="Completion reason"><bpmn:extensionElements>
              <zeebe:script expression="=if escalated = true then &quot;resolved after escalation&quot; else &quot;resolved&quot;" resultVariable="completionReason" />
            </bpmn:extensionElements></bpmn:scriptTask>
            <bpmn:scriptTask id="CloseDemand" name="Close"><bpmn:extensionElements>
              <zeebe:script expression="=if escalated = true then &quot;outside the SLA&quot; else &quot;within the SLA&quot;" resultVariable="slaCompliance" />
            </bpmn:extensionElements></bpmn:scriptTask>
            <bpmn:eventBasedGateway id="AwaitSurvey" />
            <bpmn:intermediateCatchEvent id="SurveyAnswered"><bpmn:messageEventDefinition messageRef="SurveyMessage" /></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="SurveyWindowPassed"><bpmn:timerEventDefinition>
              <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">=if surveyWindow != null then surveyWindow else "P3D"</bpmn:timeDuration>
            </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:scriptTask id="SurveyUnanswered"><bpmn:extensionElements>
              <zeebe:script expression="={result: &quot;no answer&quot;}" resultVariable="survey" />
            </bpmn:extensionElements></bpmn:scriptTask>
            <bpmn:endEvent id="closed" />
            <bpmn:endEvent id="unanswered" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="WorkTicket" />
            <bpmn:sequenceFlow id="f2" sourceRef="WorkTicket" targetRef="Reason" />
            <bpmn:sequenceFlow id="f3" sourceRef="Reason" targetRef="CloseDemand" />
            <bpmn:sequenceFlow id="f4" sourceRef="CloseDemand" targetRef="AwaitSurvey" />
            <bpmn:sequenceFlow id="f5" sourceRef="AwaitSurvey" targetRef="SurveyAnswered" />
            <bpmn:sequenceFlow id="f6" sourceRef="AwaitSurvey" targetRef="SurveyWindowPassed" />
            <bpmn:sequenceFlow id="f7" sourceRef="SurveyAnswered" targetRef="closed" />
            <bpmn:sequenceFlow id="f8" sourceRef="SurveyWindowPassed" targetRef="SurveyUnanswered" />
            <bpmn:sequenceFlow id="f9" sourceRef="SurveyUnanswered" targetRef="unanswered" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    public static readonly string Fulfilment = Head + $$"""
          <bpmn:process id="service-fulfilment" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="Accept" name="Accept the order"><bpmn:extensionElements>{{Group}}</bpmn:extensionElements></bpmn:userTask>
            <bpmn:exclusiveGateway id="Accepted" default="declined" />
            <bpmn:userTask id="Visit" name="Visit"><bpmn:extensionElements>{{Group}}</bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Accept" />
            <bpmn:sequenceFlow id="f2" sourceRef="Accept" targetRef="Accepted" />
            <bpmn:sequenceFlow id="accepted" sourceRef="Accepted" targetRef="Visit">
              <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=accepted = true</bpmn:conditionExpression>
            </bpmn:sequenceFlow>
            <bpmn:sequenceFlow id="declined" sourceRef="Accepted" targetRef="Accept" />
            <bpmn:sequenceFlow id="f3" sourceRef="Visit" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    public static readonly string Settlement = Head + $$"""
          <bpmn:process id="monthly-settlement" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="Approve" name="Approve the payouts"><bpmn:extensionElements>{{Group}}</bpmn:extensionElements></bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Approve" />
            <bpmn:sequenceFlow id="f2" sourceRef="Approve" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;
}
