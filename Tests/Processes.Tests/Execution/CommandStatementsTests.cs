using System.Collections.Concurrent;
using System.Diagnostics;
using Processes.Engine.Telemetry;

namespace Processes.Tests.Execution;

/// <summary>
/// What a command sends to the database, as Npgsql's activities (children of the command's span) show it: a start
/// resolves its version in its own transaction without reading the model's text, and no command deletes the rows of
/// elements it created and removed itself (never written), while an element that has rows still loses them.
/// </summary>
[NonParallelizable]
public sealed class CommandStatementsTests : EngineTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="stmts" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:exclusiveGateway id="gw" />
            <bpmn:serviceTask id="call"><bpmn:extensionElements><zeebe:taskDefinition type="stmts-job" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
            <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="call" />
            <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly ConcurrentQueue<Activity> _activities = new();
    private ActivityListener _spans = null!;

    [OneTimeSetUp]
    public async Task Listen()
    {
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EngineTelemetry.Name or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _activities.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_spans);
        await DeployAsync(Model);
    }

    [OneTimeTearDown]
    public void StopListening() => _spans.Dispose();

    [Test]
    public async Task A_start_reads_its_version_in_its_transaction_and_deletes_nothing_it_passed_through()
    {
        var instance = await StartAsync("stmts");
        var sql = StatementsOf("engine Create process instance", instance);
        sql.ShouldNotContain(s => s.Contains("deployment_resource", StringComparison.Ordinal), "the model's text comes from the cache, not per start");
        sql.ShouldContain(s => s.Contains("pg_advisory_xact_lock_shared", StringComparison.Ordinal) && s.Contains("process_definition", StringComparison.Ordinal),
            "the version is looked up with its start lock");
        // The start event and the gateway were created and left in this command: nothing of them was ever written.
        sql.ShouldNotContain(s => s.Contains("DELETE FROM element_instance", StringComparison.Ordinal));
        (await ActiveElementsAsync(instance)).ShouldBe(["call"]);
        (await HistoryAsync(instance)).ShouldContain("gw");
    }

    [Test]
    public async Task A_completion_deletes_the_element_it_loaded()
    {
        var instance = await StartAsync("stmts");
        (await CompleteJobsAsync("stmts-job")).ShouldBeGreaterThanOrEqualTo(1);
        var sql = StatementsOf("engine Complete job", instance);
        sql.ShouldContain(s => s.Contains("DELETE FROM element_instance", StringComparison.Ordinal), "the service task's row goes");
        (await StateAsync(instance)).ShouldBe("COMPLETED");
        (await CountAsync("SELECT count(*) FROM element_instance WHERE process_instance_key = @instance", new { instance })).ShouldBe(0);
    }

    /// <summary>The SQL texts (every string tag of Npgsql's activities) under the command span that touched the instance.</summary>
    private List<string> StatementsOf(string command, long instance)
    {
        var span = _activities.Where(a => a.Source.Name == EngineTelemetry.Name && a.DisplayName == command
            && Equals(a.GetTagItem("processes.instance.key"), instance)).ShouldHaveSingleItem();
        return [.. _activities.Where(a => a.Source.Name == "Npgsql" && a.ParentSpanId == span.SpanId)
            .Select(a => string.Join(" ", a.TagObjects.Select(t => t.Value as string).Where(v => v is not null)))];
    }
}
