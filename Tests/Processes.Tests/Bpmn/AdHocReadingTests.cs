using Processes.Engine.Bpmn.Executable;
using static Processes.Tests.Bpmn.BpmnText;

namespace Processes.Tests.Bpmn;

/// <summary>
/// Reading <c>bpmn:adHocSubProcess</c>: its zeebe:adHoc collection, completion condition and cancelRemainingInstances,
/// and Camunda 8.8's deployment rules, each problem with the element id and line.
/// </summary>
public sealed class AdHocReadingTests
{
    private static string AdHoc(string inner, string extensions = "", string attributes = "", string completion = "") => Around(
        $"""
        <bpmn:adHocSubProcess id="x" {attributes}>
          <bpmn:extensionElements>{extensions}</bpmn:extensionElements>
          {inner}
          {completion}
        </bpmn:adHocSubProcess>
        """);

    [Test]
    public void The_extension_and_the_completion_attributes_are_read()
    {
        var process = ModelAssertions.ReadValid(AdHoc(ServiceTask("a") + ServiceTask("b") + ServiceTask("c") + Flow("fc", "b", "c"),
            "<zeebe:adHoc activeElementsCollection=\"=items\" />", "cancelRemainingInstances=\"false\"",
            "<bpmn:completionCondition xsi:type=\"bpmn:tFormalExpression\">=done</bpmn:completionCondition>"));

        var adHoc = process.Node<ExecutableSubProcess>("x");
        adHoc.ElementType.ShouldBe("adHocSubProcess");
        adHoc.AdHoc.ShouldNotBeNull();
        adHoc.AdHoc.ActiveElementsCollection!.Text.ShouldBe("items");
        adHoc.AdHoc.CompletionCondition!.Text.ShouldBe("done");
        adHoc.AdHoc.CancelRemainingInstances.ShouldBeFalse();
        adHoc.AdHocActivities.Select(n => n.Id).ShouldBe(["a", "b"], "c is reached by its flow from b");
    }

    [Test]
    public void By_default_remaining_instances_are_cancelled_and_nothing_is_activated_on_entering()
    {
        var adHoc = ModelAssertions.ReadValid(AdHoc(ServiceTask("a"))).Node<ExecutableSubProcess>("x");
        adHoc.AdHoc!.CancelRemainingInstances.ShouldBeTrue();
        adHoc.AdHoc.ActiveElementsCollection.ShouldBeNull();
        adHoc.AdHoc.CompletionCondition.ShouldBeNull();
    }

    [Test]
    public void Start_and_end_events_inside_and_an_empty_one_are_refused_by_element_and_line()
    {
        var result = ModelAssertions.ReadInvalid(AdHoc("""
            <bpmn:startEvent id="innerStart" />
            <bpmn:endEvent id="innerEnd" />
            """));
        result.ShouldReport("innerStart", "must not contain a startEvent").Line.ShouldBe(7);
        result.ShouldReport("innerEnd", "must not contain a endEvent").Line.ShouldBe(8);
        result.ShouldReport("x", "at least one activity").ElementType.ShouldBe("adHocSubProcess");
    }

    [Test]
    public void A_bad_FEEL_expression_is_reported_on_the_ad_hoc_sub_process()
    {
        var result = ModelAssertions.ReadInvalid(AdHoc(ServiceTask("a"), "<zeebe:adHoc activeElementsCollection=\"=[&quot;a&quot;,\" />",
            completion: "<bpmn:completionCondition xsi:type=\"bpmn:tFormalExpression\">=done = </bpmn:completionCondition>"));
        result.ShouldReport("x", "active elements collection").Line.ShouldBe(5);
        result.ShouldReport("x", "completion condition");
    }

    [Test]
    public void A_literal_collection_may_name_only_elements_without_incoming_flows()
    {
        var result = ModelAssertions.ReadInvalid(AdHoc(ServiceTask("a") + ServiceTask("b") + Flow("fb", "a", "b"),
            "<zeebe:adHoc activeElementsCollection=\"=[&quot;a&quot;, &quot;b&quot;, &quot;ghost&quot;]\" />"));
        result.ShouldReport("x", "'b', which has an incoming sequence flow");
        result.ShouldReport("x", "'ghost', which is not an element");
        result.Errors.Count().ShouldBe(2);
    }

    [Test]
    public void The_job_worker_implementation_and_the_output_collection_are_refused_not_ignored()
    {
        var result = ModelAssertions.ReadInvalid(AdHoc(ServiceTask("a"),
            "<zeebe:taskDefinition type=\"agent\" /><zeebe:adHoc outputCollection=\"results\" outputElement=\"=result\" />"));
        result.ShouldReport("x", "job worker");
        result.ShouldReport("x", "output collection");
    }

    [Test]
    public void Inner_elements_without_incoming_flows_are_not_reported_unreachable()
    {
        var result = Processes.Engine.Bpmn.Reading.BpmnReader.Read(AdHoc(ServiceTask("a") + ServiceTask("b")));
        result.Problems.ShouldBeEmpty(string.Join(" | ", result.Problems));
    }
}
