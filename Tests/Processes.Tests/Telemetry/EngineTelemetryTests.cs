using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using Processes.Engine.Telemetry;
using Processes.Tests.Execution;

namespace Processes.Tests.Telemetry;

/// <summary>
/// The engine's meter and activity source as a listener in the process sees them: counters move as instances start
/// and complete, jobs are activated, completed and failed and timers fire (with their lateness); each command is a
/// span whose SQL statements (Npgsql's activities) are its children. Other fixtures run in parallel and emit too, so
/// the assertions pick this fixture's process id and job type.
/// </summary>
[NonParallelizable]
public sealed class EngineTelemetryTests : EngineTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="tel" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
            <bpmn:serviceTask id="call"><bpmn:extensionElements><zeebe:taskDefinition type="tel-job" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
            <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="call" />
            <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ConcurrentQueue<Activity> _activities = new();
    private MeterListener _meters = null!;
    private ActivityListener _spans = null!;

    [OneTimeSetUp]
    public async Task Listen()
    {
        _meters = new MeterListener { InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == EngineTelemetry.Name) listener.EnableMeasurementEvents(instrument); } };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EngineTelemetry.Name or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _activities.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_spans);
        await DeployAsync(Model);
    }

    [SetUp]
    public void Forget() => _measurements.Clear();

    [OneTimeTearDown]
    public void StopListening()
    {
        _meters.Dispose();
        _spans.Dispose();
    }

    [Test]
    public async Task Counters_move_as_instances_jobs_and_timers_run()
    {
        var done = await StartAsync("tel");
        var failing = await StartAsync("tel");
        Clock.Advance(TimeSpan.FromMinutes(3));
        foreach (var instance in new[] { done, failing })
        {
            var result = await Engine.TriggerTimerAsync(await TimerKeyAsync(instance), CancellationToken.None);
            result.Ok.ShouldBeTrue(result.Message);
        }
        var jobs = await ActivateAsync("tel-job");
        jobs.Count.ShouldBe(2);
        (await Engine.CompleteJobAsync(jobs.Single(j => j.ProcessInstanceKey == done).Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await Engine.FailJobAsync(jobs.Single(j => j.ProcessInstanceKey == failing).Key, 0, "down", TimeSpan.Zero, null, CancellationToken.None)).Ok.ShouldBeTrue();
        _meters.RecordObservableInstruments();

        Sum("processes.engine.instances.started", "process", "tel").ShouldBe(2);
        Sum("processes.engine.instances.completed", "process", "tel").ShouldBe(1);
        Sum("processes.engine.jobs.activated", "type", "tel-job").ShouldBe(2);
        Sum("processes.engine.jobs.completed", "type", "tel-job").ShouldBe(1);
        Sum("processes.engine.jobs.failed", "type", "tel-job").ShouldBe(1);
        Sum("processes.engine.commands", "command", "Complete job").ShouldBeGreaterThanOrEqualTo(1);
        _measurements.Where(m => m.Name == "processes.engine.command.duration").ShouldNotBeEmpty();
        // Both timers were due at 09:01 and fired at 09:03: two minutes late.
        _measurements.Count(m => m.Name == "processes.engine.timer.lateness" && Math.Abs(m.Value - 120) < 0.001).ShouldBeGreaterThanOrEqualTo(2);
        _measurements.Where(m => m.Name == "processes.engine.incidents.created").Sum(m => m.Value).ShouldBeGreaterThanOrEqualTo(1);

        await new OperationsGauges(DataSource, Clock).SampleAsync(CancellationToken.None);
        _meters.RecordObservableInstruments();
        _measurements.Where(m => m.Name == "processes.engine.incidents.open").ShouldContain(m => m.Value == 1, "this fixture's database has one incident");
    }

    [Test]
    public async Task A_command_is_a_span_with_its_sql_as_children()
    {
        var instance = await StartAsync("tel");
        var span = _activities.Where(a => a.Source.Name == EngineTelemetry.Name && a.DisplayName == "engine Create process instance"
            && Equals(a.GetTagItem("processes.instance.key"), instance)).ShouldHaveSingleItem();
        span.GetTagItem("processes.process.id").ShouldBe("tel");
        span.GetTagItem("processes.outcome").ShouldBe("ok");
        span.GetTagItem("processes.element.id").ShouldNotBeNull();
        var sql = _activities.Where(a => a.Source.Name == "Npgsql" && a.ParentSpanId == span.SpanId).ToList();
        sql.ShouldNotBeEmpty("the command's statements are children of its span");
        sql.ShouldAllBe(a => a.TraceId == span.TraceId);
        await Task.CompletedTask;
    }

    [Test]
    public async Task An_open_task_past_its_due_date_counts_one_sla_breach_however_many_rounds_see_it()
    {
        await DeployAsync("""
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d2" targetNamespace="t">
              <bpmn:process id="tel-sla" isExecutable="true">
                <bpmn:startEvent id="start" />
                <bpmn:userTask id="work"><bpmn:extensionElements><zeebe:userTask /><zeebe:taskSchedule dueDate="=due" /></bpmn:extensionElements></bpmn:userTask>
                <bpmn:endEvent id="end" />
                <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
                <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
              </bpmn:process>
            </bpmn:definitions>
            """, "tel-sla.bpmn");
        var due = Clock.GetUtcNow().AddHours(1).ToString("O");
        var late = await StartAsync("tel-sla", Vars($$"""{"due": "{{due}}"}"""));
        await StartAsync("tel-sla", Vars($$"""{"due": "{{Clock.GetUtcNow().AddDays(2):O}}"}"""));

        await Engine.UserTasks.RecordSlaWarningsAsync(Clock.GetUtcNow(), CancellationToken.None);
        Sum("processes.engine.sla.breaches", "process", "tel-sla").ShouldBe(0, "nothing is due yet");
        Clock.Advance(TimeSpan.FromHours(2));
        await Engine.UserTasks.RecordSlaWarningsAsync(Clock.GetUtcNow(), CancellationToken.None);
        await Engine.UserTasks.RecordSlaWarningsAsync(Clock.GetUtcNow(), CancellationToken.None);

        Sum("processes.engine.sla.breaches", "process", "tel-sla").ShouldBe(1, "one task is past its due date, counted once");
        (await CountAsync("SELECT count(*) FROM execution_history WHERE event = 'TASK_SLA_BREACHED' AND process_instance_key = @late", new { late })).ShouldBe(1);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    private double Sum(string name, string tag, string value) =>
        _measurements.Where(m => m.Name == name && m.Tags.TryGetValue(tag, out var v) && Equals(v, value)).Sum(m => m.Value);

    private async Task<long> TimerKeyAsync(long instance)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT key FROM timer WHERE process_instance_key = @instance", new { instance });
    }
}
