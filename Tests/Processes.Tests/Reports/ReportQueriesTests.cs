using System.Text.Json.Nodes;
using Processes.Engine.Reports;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;

namespace Processes.Tests.Reports;

/// <summary>
/// The report read models over a day of tasks made by the engine's own commands (the clock moved by hand): tasks met,
/// warned, breached and still open; picked up, reassigned with a reason, transferred and escalated by their outcome.
/// Every number is compared with one the test counts from what it did; a supervisor sees only their group's tasks.
/// </summary>
public sealed class ReportQueriesTests : EngineTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="rpt" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="work" name="Work">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=team" />
                <zeebe:taskSchedule dueDate="=due" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:serviceTask id="file" name="File it">
              <bpmn:extensionElements><zeebe:taskDefinition type="rpt-file" /></bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
            <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="file" />
            <bpmn:sequenceFlow id="f3" sourceRef="file" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private static readonly Caller Admin = new("root", new HashSet<CallerRole> { CallerRole.Admin }, []);
    private static readonly Caller BlueSupervisor = new("sue", new HashSet<CallerRole> { CallerRole.Supervisor }, ["blue"]);
    private static readonly Caller Designer = new("dee", new HashSet<CallerRole> { CallerRole.Designer }, []);

    private ReportQueries _reports = null!;
    private ManualClock _now = null!;
    private ReportFilter _day = null!;
    private readonly Dictionary<string, long> _tasks = [];

    [OneTimeSetUp]
    public async Task MakeADay()
    {
        // The reports look at the day from 12:00 (the engine's clock is reset before every test).
        _now = new ManualClock(StartTime.AddHours(3));
        _reports = new ReportQueries(DataSource, _now);
        _day = new ReportFilter(StartTime.AddHours(-1), StartTime.AddDays(1));
        Clock.Set(StartTime);
        await DeployAsync(Model);
        // Seven tasks created at 09:00, each due at 10:00 (blue) or 11:00 (red).
        foreach (var (name, team) in new[] { ("met", "blue"), ("warned", "blue"), ("late", "blue"), ("open", "blue"), ("overdue", "red"), ("transfer", "red"), ("escalate", "red") })
        {
            var due = StartTime.AddHours(team == "blue" ? 1 : 2);
            var instance = await StartAsync("rpt", new JsonObject { ["team"] = team, ["due"] = due.ToString("yyyy-MM-ddTHH:mm:ssZ") }, name);
            _tasks[name] = await TaskKeyAsync(instance);
        }
        await Assign("met", "ann", null);
        await Assign("warned", "ann", null);
        await Assign("late", "bob", null);
        await Assign("late", "cat", "bob on a break");      // a reassignment with its reason
        await Assign("transfer", "dan", null);
        Clock.Set(StartTime.AddMinutes(30));
        await Complete("met", null);                        // 30 min: met
        Clock.Set(StartTime.AddMinutes(46));
        (await Engine.UserTasks.RecordSlaWarningsAsync(Clock.GetUtcNow(), CancellationToken.None)).ShouldBe(3, "met is done; warned, late, open pass 75 % of 1 h");
        Clock.Set(StartTime.AddMinutes(50));
        await Complete("warned", null);                     // warned, then done in time
        await Complete("transfer", new JsonObject { ["ticketOutcome"] = "transferred", ["transferReason"] = "logistics" });
        Clock.Set(StartTime.AddMinutes(90));
        await Complete("late", null);                       // after its 10:00 due: breached
        await Complete("escalate", new JsonObject { ["ticketOutcome"] = "escalated", ["escalateTo"] = "back-office" });
    }

    [Test]
    public async Task Sla_compliance_per_process_group_and_step_counts_met_warned_breached_and_open()
    {
        var byGroup = await _reports.SlaAsync(Admin, _day, ReportDimension.Group, CancellationToken.None);
        // blue: met, warned (done in time after the warning), late (breached), open (warned, now past due: breached).
        byGroup.Single(r => r.Key == "blue").ShouldBe(new SlaRow("blue", Met: 1, Warned: 1, Breached: 2, Open: 0));
        // red (due 11:00): transfer and escalate done by 10:30 (met), overdue open past due (breached).
        byGroup.Single(r => r.Key == "red").ShouldBe(new SlaRow("red", Met: 2, Warned: 0, Breached: 1, Open: 0));
        var byProcess = (await _reports.SlaAsync(Admin, _day, ReportDimension.Process, CancellationToken.None)).ShouldHaveSingleItem();
        byProcess.ShouldBe(new SlaRow("rpt", 3, 1, 3, 0));
        byProcess.CompliancePercent.ShouldBe(57.1);
        (await _reports.SlaAsync(Admin, _day, ReportDimension.Step, CancellationToken.None)).ShouldHaveSingleItem().Key.ShouldBe("rpt/work");
        (await _reports.SlaAsync(Admin, _day, ReportDimension.Period, CancellationToken.None)).ShouldHaveSingleItem().Key.ShouldBe("2026-11-23");

        // At 09:40 nothing was due yet: the open ones count as open (or warned, once warned).
        var early = new ReportQueries(DataSource, new ManualClock(StartTime.AddMinutes(40)));
        var atForty = (await early.SlaAsync(Admin, _day, ReportDimension.Group, CancellationToken.None)).Single(r => r.Key == "red");
        atForty.Open.ShouldBe(1, "overdue, still open and due at 11:00");
    }

    [Test]
    public async Task A_supervisor_counts_only_the_tasks_of_their_groups_and_a_designer_none()
    {
        var rows = await _reports.SlaAsync(BlueSupervisor, _day, ReportDimension.Group, CancellationToken.None);
        rows.Select(r => r.Key).ShouldBe(["blue"]);
        (await _reports.WorkloadAsync(BlueSupervisor, _day, ReportDimension.Agent, CancellationToken.None)).Select(r => r.Key)
            .ShouldBe(["(unassigned)", "ann", "cat"], ignoreOrder: true);
        (await _reports.SlaAsync(Designer, _day, ReportDimension.Group, CancellationToken.None)).ShouldBeEmpty();
        var filtered = await _reports.SlaAsync(Admin, _day with { Group = "red" }, ReportDimension.Process, CancellationToken.None);
        filtered.ShouldHaveSingleItem().Total.ShouldBe(3);
        (await _reports.SlaAsync(Admin, _day with { ProcessId = "other" }, ReportDimension.Process, CancellationToken.None)).ShouldBeEmpty();
        (await _reports.SlaAsync(Admin, _day with { From = StartTime.AddHours(1) }, ReportDimension.Process, CancellationToken.None)).ShouldBeEmpty("created before the range");
    }

    [Test]
    public async Task First_response_and_resolution_times_are_distributed_into_buckets()
    {
        var distributions = await _reports.DurationsAsync(Admin, _day, CancellationToken.None);
        var first = distributions.Single(d => d.Measure == "firstResponse");
        first.Count.ShouldBe(4, "met, warned, late and transfer were picked up at 09:00; the others never");
        first.MaxSeconds.ShouldBe(0);
        var resolution = distributions.Single(d => d.Measure == "resolution");
        // met 30 min, warned 50, transfer 50, late 90, escalate 90.
        resolution.Count.ShouldBe(5);
        resolution.AverageSeconds!.Value.ShouldBe((30 + 50 + 50 + 90 + 90) * 60 / 5.0, 0.001);
        resolution.MedianSeconds.ShouldBe(50 * 60);
        resolution.Buckets.Single(b => b.Label == "≤ 1 h").Count.ShouldBe(3);
        resolution.Buckets.Single(b => b.Label == "≤ 4 h").Count.ShouldBe(2);
        resolution.Buckets.Sum(b => b.Count).ShouldBe(5);
    }

    [Test]
    public async Task Workload_per_agent_and_group_counts_open_completed_and_handling_time()
    {
        var agents = await _reports.WorkloadAsync(Admin, _day, ReportDimension.Agent, CancellationToken.None);
        agents.Single(r => r.Key == "ann").ShouldBe(new WorkloadRow("ann", 0, 2, (30 + 50) * 60 / 2.0));
        agents.Single(r => r.Key == "cat").ShouldBe(new WorkloadRow("cat", 0, 1, 90 * 60));
        agents.Single(r => r.Key == "(unassigned)").ShouldBe(new WorkloadRow("(unassigned)", 2, 1, 90 * 60));
        var groups = await _reports.WorkloadAsync(Admin, _day, ReportDimension.Group, CancellationToken.None);
        groups.Single(r => r.Key == "blue").Open.ShouldBe(1);
        groups.Single(r => r.Key == "red").Completed.ShouldBe(2);
    }

    [Test]
    public async Task Transfers_escalations_and_reassignments_come_with_their_reasons_and_rates()
    {
        var report = await _reports.HandoversAsync(Admin, _day, CancellationToken.None);
        report.CompletedTasks.ShouldBe(5);
        report.Rows.ShouldBe([
            new HandoverRow("escalation", "back-office", 1),
            new HandoverRow("reassignment", "bob on a break", 1),
            new HandoverRow("transfer", "logistics", 1),
        ], ignoreOrder: true);
        report.RateOf("transfer").ShouldBe(20);
        report.RateOf("escalation").ShouldBe(20);
    }

    [Test]
    public async Task The_heatmap_counts_each_element_and_finds_where_time_is_lost()
    {
        var definition = await DefinitionKeyAsync();
        var heat = await new HeatmapQueries(DataSource, _now).HeatmapAsync(Admin, definition, CancellationToken.None);
        heat.ShouldNotBeNull();
        var work = heat.Single(e => e.ElementId == "work");
        work.Count.ShouldBe(7);
        work.Active.ShouldBe(2);
        work.AverageSeconds!.Value.ShouldBe((30 + 50 + 50 + 90 + 90) * 60 / 5.0, 0.001);
        work.SlaBreaches.ShouldBe(3);
        heat.Single(e => e.ElementId == "file").Active.ShouldBe(5, "the service task waits for its worker");
        heat.MaxBy(e => e.AverageSeconds ?? 0)!.ElementId.ShouldBe("work");
        (await new HeatmapQueries(DataSource, _now).HeatmapAsync(Admin, 42, CancellationToken.None)).ShouldBeNull();
        (await new HeatmapQueries(DataSource, _now).HeatmapAsync(Designer, definition, CancellationToken.None)).ShouldNotBeNull().ShouldBeEmpty();
    }

    private async Task Assign(string task, string assignee, string? reason) =>
        (await Engine.AssignUserTaskAsync(_tasks[task], assignee, null, "sue", reason, CancellationToken.None)).Ok.ShouldBeTrue();

    private async Task Complete(string task, JsonObject? variables)
    {
        var result = await Engine.CompleteUserTaskAsync(_tasks[task], variables, null, null, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    private async Task<long> TaskKeyAsync(long instance)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT key FROM user_task WHERE process_instance_key = @instance", new { instance });
    }

    private async Task<long> DefinitionKeyAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT process_definition_key FROM process_definition WHERE bpmn_process_id = 'rpt'");
    }
}
