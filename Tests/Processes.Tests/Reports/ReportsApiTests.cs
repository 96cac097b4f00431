using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Engine.Telemetry;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Reports;

/// <summary>
/// /api/reports and /metrics on the real host: a supervisor's SLA report counts their group's tasks as the test does,
/// CSV carries the same rows, a parameter the report does not know is refused (422) naming it; the operators' scrape
/// endpoint shows the engine's counters moving; a task completed over HTTP is one trace in which the engine's
/// command is a child of the request and its SQL a child of the command.
/// </summary>
[NonParallelizable]
public sealed class ReportsApiTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="rpt-api" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="work" name="Work">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=team" />
                <zeebe:taskSchedule dueDate="=due" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
            <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private IdentityHost _host = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString);
        _admin = await _host.AdminAsync();
        (await IdentityHost.DeployAsync(_admin, "rpt-api.bpmn", Model)).IsSuccessStatusCode.ShouldBeTrue();
        await IdentityHost.EnsureGroupAsync(_admin, "rpt-blue", "Blue");
        await IdentityHost.EnsureGroupAsync(_admin, "rpt-red", "Red");
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task A_supervisor_gets_their_groups_sla_as_json_and_csv()
    {
        var past = DateTimeOffset.UtcNow.AddHours(-1).ToString("o", CultureInfo.InvariantCulture);
        var future = DateTimeOffset.UtcNow.AddHours(5).ToString("o", CultureInfo.InvariantCulture);
        foreach (var (team, due) in new[] { ("rpt-blue", past), ("rpt-blue", future), ("rpt-blue", future), ("rpt-red", past) })
        {
            await StartAsync(team, due);
        }
        var supervisor = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["rpt-blue"])).ApiKey);
        var sla = await supervisor.GetFromJsonAsync<JsonElement>("/api/reports/sla?by=group&processId=rpt-api");
        var rows = sla.GetProperty("rows").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("key").GetString()).ShouldBe(["rpt-blue"]);
        rows[0].GetProperty("breached").GetInt64().ShouldBe(1, "one blue task is past due");
        rows[0].GetProperty("open").GetInt64().ShouldBe(2);

        var csv = await supervisor.GetAsync("/api/reports/sla?by=group&processId=rpt-api&format=csv");
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldBe(["key,met,warned,breached,open,total,compliancePercent,paused,pausedSeconds,pausedWorkingSeconds", "rpt-blue,0,0,1,2,3,0,0,0,0"]);

        var admin = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/sla?by=group&processId=rpt-api");
        admin.GetProperty("rows").GetArrayLength().ShouldBe(2, "an admin sees both groups");
    }

    [TestCase("/api/reports/sla?bogus=1", "bogus")]
    [TestCase("/api/reports/sla?tenantId=a", "tenantId")]
    [TestCase("/api/reports/sla?by=color", "by")]
    [TestCase("/api/reports/workload?by=step", "by")]
    [TestCase("/api/reports/durations?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from")]
    [TestCase("/api/reports/durations?from=2020-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", "from")]
    [TestCase("/api/reports/handovers?to=yesterday", "to")]
    [TestCase("/api/reports/exception-orders?period=year", "period")]
    [TestCase("/api/reports/heatmap", "processDefinitionKey")]
    public async Task A_bad_parameter_is_refused_naming_it(string path, string field)
    {
        var response = await _admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, text); // the house status of an invalid field
        JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
    }

    [Test]
    public async Task The_scrape_endpoint_shows_the_engines_counters_moving_and_is_for_operators()
    {
        var operatorClient = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Operator])).ApiKey);
        var agent = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        (await agent.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await StartAsync("rpt-red", DateTimeOffset.UtcNow.AddHours(1).ToString("o", CultureInfo.InvariantCulture));
        var before = await StartedAsync(operatorClient);
        before.ShouldBeGreaterThanOrEqualTo(1);
        await StartAsync("rpt-red", DateTimeOffset.UtcNow.AddHours(1).ToString("o", CultureInfo.InvariantCulture));
        await StartAsync("rpt-red", DateTimeOffset.UtcNow.AddHours(1).ToString("o", CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        double after;
        while ((after = await StartedAsync(operatorClient)) < before + 2)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the counter moves from {before}");
            await Task.Delay(400); // the exporter caches a scrape briefly
        }
        after.ShouldBe(before + 2);
    }

    [Test]
    public async Task A_task_completed_over_http_is_one_trace_with_the_engine_command_and_its_sql_inside()
    {
        var instance = await StartAsync("rpt-red", DateTimeOffset.UtcNow.AddHours(1).ToString("o", CultureInfo.InvariantCulture));
        var task = (await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } })).GetProperty("items")[0]
            .GetProperty("userTaskKey").GetString();
        var assigned = await _admin.PostAsJsonAsync($"/v2/user-tasks/{task}/assignment", new { assignee = IdentityHost.AdminBootstrapName });
        assigned.IsSuccessStatusCode.ShouldBeTrue(await assigned.Content.ReadAsStringAsync());
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EngineTelemetry.Name or "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var completed = await _admin.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { });
        completed.IsSuccessStatusCode.ShouldBeTrue(await completed.Content.ReadAsStringAsync());

        var command = stopped.Where(a => a.DisplayName == "engine Complete user task" && Equals(a.GetTagItem("processes.instance.key"), long.Parse(instance, CultureInfo.InvariantCulture)))
            .ShouldHaveSingleItem();
        var request = stopped.SingleOrDefault(a => a.SpanId == command.ParentSpanId);
        request.ShouldNotBeNull("the command's parent is the HTTP request");
        request.Kind.ShouldBe(ActivityKind.Server);
        request.Source.Name.ShouldBe("Microsoft.AspNetCore");
        stopped.Where(a => a.Source.Name == "Npgsql" && a.ParentSpanId == command.SpanId).ShouldNotBeEmpty("the command's SQL");
    }

    private async Task<string> StartAsync(string team, string due)
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "rpt-api", variables = new { team, due } });
        return started.GetProperty("processInstanceKey").GetString()!;
    }

    /// <summary>The scraped value of instances started for this fixture's process.</summary>
    private static async Task<double> StartedAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("processes_engine_instances_started", StringComparison.Ordinal) && l.Contains("process=\"rpt-api\"", StringComparison.Ordinal));
        line.ShouldNotBeNull(text.Length > 3000 ? text[..3000] : text);
        return double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
    }
}
