using Processes.Engine.Bpmn.Executable;
using static Processes.Tests.Bpmn.BpmnText;

namespace Processes.Tests.Bpmn;

public sealed class ActivityReadingTests
{
    [Test]
    public void Service_task_job_with_retries_headers_io_mapping_and_properties()
    {
        var process = ModelAssertions.ReadValid(Around("""
            <bpmn:serviceTask id="x" name="Call API">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="io.camunda:http-json:1" retries="=retryCount" />
                <zeebe:ioMapping>
                  <zeebe:input source="get" target="method" />
                  <zeebe:input source="={ q: location }" target="queryParameters" />
                  <zeebe:output source="=response.body" target="weather" />
                </zeebe:ioMapping>
                <zeebe:taskHeaders>
                  <zeebe:header key="resultVariable" value="weatherInfo" />
                </zeebe:taskHeaders>
                <zeebe:properties><zeebe:property name="team" value="billing" /></zeebe:properties>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            """));

        var task = process.Node<ExecutableActivity>("x");
        task.Kind.ShouldBe(ElementKind.ServiceTask);
        task.Name.ShouldBe("Call API");
        task.Job!.Type.ShouldBe(ModelExpression.Literal("io.camunda:http-json:1"));
        task.Job.Retries.IsExpression.ShouldBeTrue();
        task.Job.Retries.Text.ShouldBe("retryCount");
        task.Job.Headers["resultVariable"].ShouldBe("weatherInfo");
        task.IoMapping.Inputs.Select(i => i.Target).ShouldBe(["method", "queryParameters"]);
        task.IoMapping.Inputs[0].Source.IsExpression.ShouldBeFalse();
        task.IoMapping.Inputs[1].Source.Text.ShouldBe("{ q: location }");
        task.IoMapping.Outputs.ShouldHaveSingleItem().ShouldBe(new VariableMapping(ModelExpression.Parse("=response.body"), "weather"));
        task.Properties["team"].ShouldBe("billing");
        task.Incoming.ShouldHaveSingleItem().Source.Id.ShouldBe("start");
        task.Outgoing.ShouldHaveSingleItem().Target.Id.ShouldBe("end");
    }

    [Test]
    public void Default_retries_are_three()
    {
        var process = ModelAssertions.ReadValid(Around(ServiceTask("x")));
        process.Node<ExecutableActivity>("x").Job!.Retries.Text.ShouldBe("3");
    }

    [Test]
    public void User_task_with_assignment_schedule_priority_and_embedded_form()
    {
        var process = ModelAssertions.ReadValid(Process($$"""
            <bpmn:extensionElements>
              <zeebe:userTaskForm id="form1">{ "components": [] }</zeebe:userTaskForm>
            </bpmn:extensionElements>
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="x">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:formDefinition formKey="camunda-forms:bpmn:form1" />
                <zeebe:assignmentDefinition assignee="=initiator" candidateGroups="sales, support" candidateUsers="=reviewers" />
                <zeebe:taskSchedule dueDate="=now() + duration(&quot;P1D&quot;)" followUpDate="2026-01-01T00:00:00Z" />
                <zeebe:priorityDefinition priority="75" />
                <zeebe:taskHeaders><zeebe:header key="kind" value="approval" /></zeebe:taskHeaders>
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:userTask id="jobWorkerTask">
              <bpmn:extensionElements><zeebe:formDefinition formId="invoice-form" bindingType="deployment" /></bpmn:extensionElements>
            </bpmn:userTask>
            {{Flow("f1", "start", "x")}}{{Flow("f2", "x", "jobWorkerTask")}}
            """));

        var user = process.Node<ExecutableActivity>("x").UserTask!;
        user.IsCamundaUserTask.ShouldBeTrue();
        user.Assignment.Assignee!.Text.ShouldBe("initiator");
        user.Assignment.CandidateGroups!.ShouldBe(ModelExpression.Literal("sales, support"));
        user.Assignment.CandidateUsers!.IsExpression.ShouldBeTrue();
        user.Schedule.DueDate!.IsExpression.ShouldBeTrue();
        user.Schedule.FollowUpDate!.Raw.ShouldBe("2026-01-01T00:00:00Z");
        user.Priority!.Raw.ShouldBe("75");
        user.Form!.FormKey.ShouldBe("camunda-forms:bpmn:form1");
        user.Form.EmbeddedFormJson.ShouldBe("{ \"components\": [] }");
        process.EmbeddedForms.Keys.ShouldBe(["form1"]);
        process.Node<ExecutableActivity>("x").TaskHeaders["kind"].ShouldBe("approval");

        var jobWorker = process.Node<ExecutableActivity>("jobWorkerTask").UserTask!;
        jobWorker.IsCamundaUserTask.ShouldBeFalse();
        jobWorker.Form!.FormId.ShouldBe("invoice-form");
        jobWorker.Form.BindingType.ShouldBe(BindingType.Deployment);
    }

    [Test]
    public void Call_activity_reads_called_element()
    {
        var process = ModelAssertions.ReadValid(Around("""
            <bpmn:callActivity id="x">
              <bpmn:extensionElements>
                <zeebe:calledElement processId="=childProcessId" propagateAllChildVariables="false" bindingType="versionTag" versionTag="v2" />
              </bpmn:extensionElements>
            </bpmn:callActivity>
            """));

        process.Node<ExecutableActivity>("x").CallActivity.ShouldBe(new CallActivityDefinition(
            ModelExpression.Parse("=childProcessId"), false, true, BindingType.VersionTag, "v2"));
    }

    [Test]
    public void Business_rule_script_send_receive_manual_and_plain_tasks()
    {
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:businessRuleTask id="decide">
              <bpmn:extensionElements><zeebe:calledDecision decisionId="discount" resultVariable="discount" /></bpmn:extensionElements>
            </bpmn:businessRuleTask>
            <bpmn:businessRuleTask id="decideByWorker">
              <bpmn:extensionElements><zeebe:taskDefinition type="dmn-worker" /></bpmn:extensionElements>
            </bpmn:businessRuleTask>
            <bpmn:scriptTask id="compute">
              <bpmn:extensionElements><zeebe:script expression="=a + b" resultVariable="sum" /></bpmn:extensionElements>
            </bpmn:scriptTask>
            <bpmn:sendTask id="send">
              <bpmn:extensionElements><zeebe:taskDefinition type="mailer" /></bpmn:extensionElements>
            </bpmn:sendTask>
            <bpmn:receiveTask id="receive" messageRef="reply" />
            <bpmn:manualTask id="manual" />
            <bpmn:task id="plain" />
            {Flow("f1", "start", "decide")}{Flow("f2", "decide", "decideByWorker")}{Flow("f3", "decideByWorker", "compute")}
            {Flow("f4", "compute", "send")}{Flow("f5", "send", "receive")}{Flow("f6", "receive", "manual")}{Flow("f7", "manual", "plain")}
            """, """
            <bpmn:message id="reply" name="reply">
              <bpmn:extensionElements><zeebe:subscription correlationKey="=requestId" /></bpmn:extensionElements>
            </bpmn:message>
            """));

        process.Node<ExecutableActivity>("decide").CalledDecision.ShouldBe(new CalledDecisionDefinition(
            ModelExpression.Literal("discount"), "discount", BindingType.Latest, null));
        process.Node<ExecutableActivity>("decide").Job.ShouldBeNull();
        process.Node<ExecutableActivity>("decideByWorker").Job!.Type.Text.ShouldBe("dmn-worker");
        process.Node<ExecutableActivity>("compute").Script!.Expression.Text.ShouldBe("a + b");
        process.Node<ExecutableActivity>("compute").Script!.ResultVariable.ShouldBe("sum");
        process.Node<ExecutableActivity>("send").Job!.Type.Text.ShouldBe("mailer");
        process.Node<ExecutableActivity>("receive").Message!.CorrelationKey!.Text.ShouldBe("requestId");
        process.Node<ExecutableActivity>("manual").Kind.ShouldBe(ElementKind.ManualTask);
        process.Node<ExecutableActivity>("plain").Kind.ShouldBe(ElementKind.Task);
    }

    [Test]
    public void Multi_instance_on_task_subprocess_and_call_activity()
    {
        const string loop = """
            <bpmn:multiInstanceLoopCharacteristics isSequential="{0}">
              <bpmn:extensionElements>
                <zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=result" />
              </bpmn:extensionElements>
              <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=count(results) &gt; 2</bpmn:completionCondition>
            </bpmn:multiInstanceLoopCharacteristics>
            """;
        var process = ModelAssertions.ReadValid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="task">
              <bpmn:extensionElements><zeebe:taskDefinition type="work" /></bpmn:extensionElements>
              {string.Format(System.Globalization.CultureInfo.InvariantCulture, loop, "false")}
            </bpmn:serviceTask>
            <bpmn:subProcess id="sub">
              {string.Format(System.Globalization.CultureInfo.InvariantCulture, loop, "true")}
              <bpmn:startEvent id="subStart" />
            </bpmn:subProcess>
            <bpmn:callActivity id="call">
              <bpmn:extensionElements><zeebe:calledElement processId="child" /></bpmn:extensionElements>
              {string.Format(System.Globalization.CultureInfo.InvariantCulture, loop, "true")}
            </bpmn:callActivity>
            {Flow("f1", "start", "task")}{Flow("f2", "task", "sub")}{Flow("f3", "sub", "call")}
            """));

        var parallel = process.Node<ExecutableActivity>("task").MultiInstance!;
        parallel.ShouldBe(new MultiInstanceDefinition(false, ModelExpression.Feel("=items"), "item", "results",
            ModelExpression.Feel("=result"), ModelExpression.Feel("=count(results) > 2")));
        process.Node<ExecutableSubProcess>("sub").MultiInstance!.IsSequential.ShouldBeTrue();
        process.Node<ExecutableActivity>("call").MultiInstance!.InputCollection.Text.ShouldBe("items");
    }

    [Test]
    public void Embedded_subprocess_nests_scopes_and_flat_lookup_sees_everything()
    {
        var process = ModelAssertions.ReadValid(Around($"""
            <bpmn:subProcess id="x">
              <bpmn:startEvent id="inner" />
              <bpmn:subProcess id="deeper">
                <bpmn:startEvent id="deepest" />
              </bpmn:subProcess>
              {Flow("i1", "inner", "deeper")}
            </bpmn:subProcess>
            """));

        var outer = process.Node<ExecutableSubProcess>("x");
        outer.IsEventSubProcess.ShouldBeFalse();
        outer.Scope.NoneStartEvent!.Id.ShouldBe("inner");
        outer.Scope.FlowNodes.Select(n => n.Id).ShouldBe(["inner", "deeper"]);
        var deeper = process.Node<ExecutableSubProcess>("deeper");
        deeper.Scope.Parent.ShouldBeSameAs(outer.Scope);
        process.Elements.Keys.ShouldBe(["start", "x", "inner", "deeper", "deepest", "end", "f1", "f2", "i1"], ignoreOrder: true);
        process.Elements["i1"].ShouldBeOfType<ExecutableSequenceFlow>().Source.Id.ShouldBe("inner");
    }

    [Test]
    public void Execution_listeners_are_read()
    {
        var process = ModelAssertions.ReadValid(Around("""
            <bpmn:task id="x">
              <bpmn:extensionElements>
                <zeebe:executionListeners>
                  <zeebe:executionListener eventType="end" type="audit" retries="5" />
                </zeebe:executionListeners>
              </bpmn:extensionElements>
            </bpmn:task>
            """));

        process.Node<ExecutableActivity>("x").ExecutionListeners.ShouldHaveSingleItem()
            .ShouldBe(new ExecutionListenerDefinition("end", ModelExpression.Literal("audit"), ModelExpression.Literal("5")));
    }

    [Test]
    public void Collaboration_deploys_only_executable_participant_processes()
    {
        var result = Processes.Engine.Bpmn.Reading.BpmnReader.Read($"""
            <bpmn:definitions {Namespaces} id="defs">
              <bpmn:collaboration id="c">
                <bpmn:participant id="customer" processRef="customerProcess" />
                <bpmn:participant id="shop" processRef="shopProcess" />
                <bpmn:messageFlow id="mf" sourceRef="customer" targetRef="shop" />
              </bpmn:collaboration>
              <bpmn:process id="customerProcess" isExecutable="false" />
              <bpmn:process id="shopProcess" isExecutable="true">
                <bpmn:laneSet id="lanes"><bpmn:lane id="lane1"><bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
                <bpmn:startEvent id="s" />
              </bpmn:process>
            </bpmn:definitions>
            """);

        result.Errors.ShouldBeEmpty();
        result.Processes.ShouldHaveSingleItem().Id.ShouldBe("shopProcess");
    }
}
