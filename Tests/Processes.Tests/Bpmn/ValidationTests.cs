using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Bpmn.Validation;
using static Processes.Tests.Bpmn.BpmnText;

namespace Processes.Tests.Bpmn;

public sealed class ValidationTests
{
    [Test]
    public void Process_without_start_event()
    {
        var result = ModelAssertions.ReadInvalid(Process("<bpmn:task id=\"t\" />"));
        result.ShouldReport("p", "no start event").ElementType.ShouldBe("process");
    }

    [Test]
    public void Process_without_id()
    {
        var result = ModelAssertions.ReadInvalid(Process("<bpmn:startEvent id=\"s\" />").Replace("id=\"p\" ", "", StringComparison.Ordinal));
        result.ShouldReport(null, "process has no id").ElementType.ShouldBe("process");
    }

    [Test]
    public void All_problems_are_reported_at_once_with_lines()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="noType" />
            <bpmn:sendTask id="noTypeEither" />
            <bpmn:callActivity id="callsNothing" />
            <bpmn:businessRuleTask id="decidesNothing" />
            {Flow("f1", "start", "noType")}{Flow("f2", "noType", "noTypeEither")}{Flow("f3", "noTypeEither", "callsNothing")}
            {Flow("f4", "callsNothing", "decidesNothing")}
            """));

        result.ShouldReport("noType", "no job type").ElementType.ShouldBe("serviceTask");
        result.ShouldReport("noTypeEither", "no job type").ElementType.ShouldBe("sendTask");
        result.ShouldReport("callsNothing", "which process to call");
        result.ShouldReport("decidesNothing", "called decision");
        result.Errors.Count().ShouldBe(4);
        result.Errors.ShouldAllBe(p => p.Line != null);
    }

    [Test]
    public void Gateway_with_unconditional_non_default_flow()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:exclusiveGateway id="g" />
            <bpmn:endEvent id="a" /><bpmn:endEvent id="b" />
            {Flow("f0", "start", "g")}{Flow("fa", "g", "a", "=x")}{Flow("fb", "g", "b")}
            """));

        var problem = result.ShouldReport("g", "'fb' has no condition");
        problem.ElementType.ShouldBe("exclusiveGateway");
        problem.Line.ShouldBe(5);
    }

    [Test]
    public void Boundary_event_on_gateway_or_event_is_refused()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:parallelGateway id="g" />
            <bpmn:boundaryEvent id="onGateway" attachedToRef="g"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
            <bpmn:boundaryEvent id="onEvent" attachedToRef="start"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
            {Flow("f0", "start", "g")}
            """));

        result.ShouldReport("onGateway", "attached to the parallelGateway 'g'");
        result.ShouldReport("onEvent", "attached to the startEvent 'start'");
    }

    [TestCase("timeDate", "tomorrow", "ISO 8601 date-time")]
    [TestCase("timeDuration", "4 hours", "ISO 8601 duration")]
    [TestCase("timeDuration", "PT", "ISO 8601 duration")]
    [TestCase("timeCycle", "R5/often", "timer cycle")]
    [TestCase("timeCycle", "* * *", "timer cycle")]
    public void Unparseable_static_timer(string element, string value, string expected)
    {
        var cancel = element == "timeCycle" ? " cancelActivity=\"false\"" : "";
        var result = ModelAssertions.ReadInvalid(Around(ServiceTask("x"), $"""
            <bpmn:boundaryEvent id="timer" attachedToRef="x"{cancel}><bpmn:timerEventDefinition><bpmn:{element}>{value}</bpmn:{element}></bpmn:timerEventDefinition></bpmn:boundaryEvent>
            """));

        result.ShouldReport("timer", expected);
    }

    [Test]
    public void Feel_timer_is_not_checked_as_iso()
    {
        ModelAssertions.ReadValid(Around(ServiceTask("x"), """
            <bpmn:boundaryEvent id="timer" attachedToRef="x"><bpmn:timerEventDefinition><bpmn:timeDuration>=slaDuration</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
            """));
    }

    [Test]
    public void Timer_cycle_on_interrupting_boundary_or_intermediate_event_is_refused()
    {
        var result = ModelAssertions.ReadInvalid(Around(ServiceTask("x"), """
            <bpmn:boundaryEvent id="timer" attachedToRef="x"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
            """));
        result.ShouldReport("timer", "only allowed on start events and non-interrupting");
    }

    [Test]
    public void Message_catch_needs_name_and_correlation_key_but_start_event_does_not_need_a_key()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="keyless" /></bpmn:startEvent>
            <bpmn:intermediateCatchEvent id="noKey"><bpmn:messageEventDefinition messageRef="keyless" /></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="noMessage"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>
            <bpmn:receiveTask id="receive" />
            {Flow("f1", "start", "noKey")}{Flow("f2", "noKey", "noMessage")}{Flow("f3", "noMessage", "receive")}
            """, """<bpmn:message id="keyless" name="hello" />"""));

        result.ShouldReport("noKey", "no correlation key");
        result.ShouldReport("noMessage", "without a name");
        result.ShouldReport("receive", "without a name");
        result.Problems.ShouldNotContain(p => p.ElementId == "start");
    }

    [Test]
    public void Event_based_gateway_followed_by_a_task()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:eventBasedGateway id="race" />
            <bpmn:intermediateCatchEvent id="timeout"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:task id="work" />
            {Flow("f0", "start", "race")}{Flow("f1", "race", "timeout")}{Flow("f2", "race", "work")}
            """));

        result.ShouldReport("race", "not to the task 'work'").ElementType.ShouldBe("eventBasedGateway");
    }

    [Test]
    public void Multi_instance_without_input_collection()
    {
        var result = ModelAssertions.ReadInvalid(Around("""
            <bpmn:task id="x"><bpmn:multiInstanceLoopCharacteristics /></bpmn:task>
            """));
        result.ShouldReport("x", "no input collection");
    }

    [Test]
    public void Element_without_outgoing_flow_is_fine_and_unreachable_is_a_warning()
    {
        var result = BpmnReader.Read(Process("""
            <bpmn:startEvent id="start" />
            <bpmn:task id="orphan" />
            """));

        result.HasErrors.ShouldBeFalse();
        var warning = result.Warnings.ShouldHaveSingleItem();
        warning.ElementId.ShouldBe("orphan");
        warning.Severity.ShouldBe(ProblemSeverity.Warning);
        result.Processes.ShouldHaveSingleItem();
    }

    [Test]
    public void Link_throw_without_catch_and_duplicate_catches()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="nowhere" /></bpmn:intermediateThrowEvent>
            <bpmn:intermediateCatchEvent id="c1"><bpmn:linkEventDefinition name="A" /></bpmn:intermediateCatchEvent>
            <bpmn:intermediateCatchEvent id="c2"><bpmn:linkEventDefinition name="A" /></bpmn:intermediateCatchEvent>
            {Flow("f1", "start", "jump")}
            """));

        result.ShouldReport("jump", "No link catch event named 'nowhere'");
        result.ShouldReport("c2", "link names must be unique");
    }

    [Test]
    public void Start_event_kinds_depend_on_the_scope()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:subProcess id="sub">
              <bpmn:startEvent id="timedInner"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>
            </bpmn:subProcess>
            <bpmn:startEvent id="errorStart"><bpmn:errorEventDefinition /></bpmn:startEvent>
            <bpmn:intermediateCatchEvent id="plainCatch" />
            {Flow("f1", "start", "sub")}
            """));

        result.ShouldReport("timedInner", "embedded subprocess");
        result.ShouldReport("errorStart", "error startEvent in a process");
        result.ShouldReport("plainCatch", "plain (no event definition) intermediateCatchEvent");
    }

    [Test]
    public void Error_and_escalation_throws_need_codes()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:intermediateThrowEvent id="escalate"><bpmn:escalationEventDefinition /></bpmn:intermediateThrowEvent>
            <bpmn:endEvent id="fail"><bpmn:errorEventDefinition /></bpmn:endEvent>
            {Flow("f1", "start", "escalate")}{Flow("f2", "escalate", "fail")}
            """));

        result.ShouldReport("escalate", "escalation code");
        result.ShouldReport("fail", "error code");
    }

    [Test]
    public void Flows_cannot_cross_subprocess_boundaries()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:subProcess id="sub"><bpmn:startEvent id="inner" /></bpmn:subProcess>
            {Flow("f1", "start", "inner")}
            """));

        result.ShouldReport("f1", "subprocess boundary");
    }

    [Test]
    public void Expression_checker_seam_reports_invalid_feel_with_the_element()
    {
        var checker = new RejectingChecker("oops");
        var result = BpmnReader.Read(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:exclusiveGateway id="g" default="fb" />
            <bpmn:endEvent id="a" /><bpmn:endEvent id="b" />
            {Flow("f0", "start", "g")}{Flow("fa", "g", "a", "=oops")}{Flow("fb", "g", "b")}
            """), new BpmnReadOptions { ExpressionChecker = checker });

        result.ShouldReport("fa", "not a valid FEEL expression: rejected 'oops'").ElementType.ShouldBe("sequenceFlow");
        checker.Seen.ShouldContain("oops");
    }

    [Test]
    public void Escalation_boundary_on_a_task_is_refused()
    {
        var result = ModelAssertions.ReadInvalid(Around(ServiceTask("x"), """
            <bpmn:boundaryEvent id="esc" attachedToRef="x"><bpmn:escalationEventDefinition /></bpmn:boundaryEvent>
            """));
        result.ShouldReport("esc", "only be attached to a subprocess or call activity");
    }

    [Test]
    public void Two_message_start_events_for_one_message_are_refused()
    {
        var result = ModelAssertions.ReadInvalid(Process("""
            <bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
            <bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
            """, """<bpmn:message id="m" name="go" />"""));
        result.ShouldReport("s2", "message 'go'");
    }

    [Test]
    public void Unknown_zeebe_extension_is_a_warning_naming_it()
    {
        var result = BpmnReader.Read(Around("""
            <bpmn:userTask id="x"><bpmn:extensionElements><zeebe:taskListeners /></bpmn:extensionElements></bpmn:userTask>
            """));
        result.HasErrors.ShouldBeFalse();
        result.Warnings.ShouldHaveSingleItem().Message.ShouldContain("zeebe:taskListeners");
    }

    [Test]
    public void Static_retries_priority_and_dates_are_checked()
    {
        var result = ModelAssertions.ReadInvalid(Process($"""
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="task">
              <bpmn:extensionElements><zeebe:taskDefinition type="work" retries="three" /></bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:userTask id="human">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:priorityDefinition priority="101" />
                <zeebe:taskSchedule dueDate="next friday" followUpDate="=later" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            {Flow("f1", "start", "task")}{Flow("f2", "task", "human")}
            """));

        result.ShouldReport("task", "retries 'three'");
        result.ShouldReport("human", "priority '101'");
        result.ShouldReport("human", "due date 'next friday'");
        result.Errors.Count().ShouldBe(3);
    }

    private sealed class RejectingChecker(string bad) : IExpressionChecker
    {
        public List<string> Seen { get; } = [];

        public string? Check(string expression)
        {
            Seen.Add(expression);
            return expression == bad ? $"rejected '{expression}'" : null;
        }
    }
}
