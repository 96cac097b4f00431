using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>Our additions under /api: inbox views, reassignment with a reason, comments, instance history, idempotent retries, live task events.</summary>
public sealed class InboxApiTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="inbox-demand" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="answer" name="Answer the customer">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:assignmentDefinition candidateGroups="hotline" />
                <zeebe:taskSchedule dueDate="=due" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />
            <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private TestUser _agent = null!;
    private TestUser _supervisor = null!;
    private TestUser _outsider = null!;

    [OneTimeSetUp]
    public async Task Deploy()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        var admin = await _host.AdminAsync();
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "hotline", displayName = "Hotline" });
        await IdentityHost.EnsureGroupAsync(admin, "back-office", "Back office");
        _agent = await _host.CreateUserAsync(roles: [Roles.Agent], groups: ["hotline"]);
        _supervisor = await _host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["hotline"]);
        _outsider = await _host.CreateUserAsync(roles: [Roles.Agent], groups: ["back-office"]);
        var designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        (await IdentityHost.DeployAsync(designer, "inbox.bpmn", Model)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task A_retried_start_with_the_same_idempotency_key_returns_the_first_instance()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        // A retry is the same request: the same key with another body would be refused (422).
        var due = DateTimeOffset.UtcNow.AddDays(1);
        var first = await StartAsync(agent, "retry-1", due);
        var second = await StartAsync(agent, "retry-1", due);
        var other = await StartAsync(agent, "retry-2", due: DateTimeOffset.UtcNow.AddDays(1));

        second.ShouldBe(first);
        other.ShouldNotBe(first);
    }

    [Test]
    public async Task The_inbox_shows_group_tasks_with_their_sla_and_hides_them_from_other_groups()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var instance = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddHours(2));

        var group = await agent.GetFromJsonAsync<JsonElement>("/api/tasks?view=group");
        var item = group.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("task").GetProperty("processInstanceKey").GetString() == instance);
        item.GetProperty("secondsLeft").GetInt64().ShouldBeInRange(3_000, 7_300);
        item.GetProperty("breached").GetBoolean().ShouldBeFalse();
        var dueSoon = await agent.GetFromJsonAsync<JsonElement>("/api/tasks?view=due-soon");
        dueSoon.GetProperty("items").EnumerateArray().ShouldContain(i => i.GetProperty("task").GetProperty("processInstanceKey").GetString() == instance);

        var outsider = _host.Bearer(_outsider.ApiKey);
        var hidden = await outsider.GetFromJsonAsync<JsonElement>("/api/tasks?view=unassigned");
        hidden.GetProperty("items").EnumerateArray().ShouldNotContain(i => i.GetProperty("task").GetProperty("processInstanceKey").GetString() == instance);
        (await agent.GetAsync(new Uri("/api/tasks?view=everything", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task Reassignment_needs_a_reason_and_lands_in_the_history_with_comments_beside_it()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var instance = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddDays(1));
        var task = (await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } })).GetProperty("items")[0];
        var key = task.GetProperty("userTaskKey").GetString();
        var supervisor = _host.Bearer(_supervisor.ApiKey);

        var noReason = await supervisor.PostAsJsonAsync($"/api/tasks/{key}/reassign", new { assignee = _agent.UserName });
        noReason.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await noReason.Content.ReadAsStringAsync()).ShouldContain("reason");
        (await agent.PostAsJsonAsync($"/api/tasks/{key}/reassign", new { assignee = _agent.UserName, reason = "mine now" })).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden, "an agent may not take an unassigned task by reassignment; claiming is the way");
        (await supervisor.PostAsJsonAsync($"/api/tasks/{key}/reassign", new { assignee = _agent.UserName, reason = "speaks the customer's dialect" })).StatusCode
            .ShouldBe(HttpStatusCode.NoContent);
        (await agent.PostAsJsonAsync($"/api/tasks/{key}/comments", new { text = "Called the customer, waiting for photos." })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var comments = await agent.GetFromJsonAsync<JsonElement>($"/api/tasks/{key}/comments");
        comments.EnumerateArray().ShouldHaveSingleItem().GetProperty("author").GetString().ShouldBe(_agent.UserName);
        var history = await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}/history?limit=200");
        var assigned = history.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("event").GetString() == "TASK_ASSIGNED");
        assigned.GetProperty("details").GetProperty("reason").GetString().ShouldBe("speaks the customer's dialect");
        assigned.GetProperty("details").GetProperty("by").GetString().ShouldBe(_supervisor.UserName);
        var view = await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}");
        view.GetProperty("activeElements").EnumerateArray().ShouldHaveSingleItem().GetProperty("elementId").GetString().ShouldBe("answer");        view.GetProperty("calledInstances").GetArrayLength().ShouldBe(0);
        var unknown = await agent.GetAsync($"/api/instances/{instance}/history?include=everything");
        unknown.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("'everything' is not known");
    }

    [Test]
    public async Task The_event_stream_delivers_task_changes_and_a_reconnect_with_last_event_id_resumes_after_the_last_one_seen()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var dataSource = _host.Service<Npgsql.NpgsqlDataSource>();
        long start;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            start = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT coalesce(max(id), 0) FROM execution_history");
        }
        string seenId;
        using (var stream = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/events?after={start}"))
        using (var response = await agent.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead))
        {
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
            var seen = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddDays(1));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            (seenId, _) = await NextTaskCreatedAsync(reader, seen);
        }

        // Created while nobody listened: the reconnect must deliver it, and nothing the client had already seen.
        var missed = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddDays(1));
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events?after=0");
        again.Headers.Add("Last-Event-ID", seenId);
        using var resumed = await agent.SendAsync(again, HttpCompletionOption.ResponseHeadersRead);
        using var resumedReader = new StreamReader(await resumed.Content.ReadAsStreamAsync());
        var (id, instance) = await NextEventAsync(resumedReader);

        instance.ShouldBe(missed, "the first event after the reconnect is the one missed, not a replay from ?after=0");
        long.Parse(id, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(long.Parse(seenId, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Reads events until the task_created of <paramref name="instance"/>; the hang guard ends a silent stream.</summary>
    private static async Task<(string Id, string Instance)> NextTaskCreatedAsync(StreamReader reader, string instance)
    {
        while (true)
        {
            var (id, seen) = await NextEventAsync(reader);
            if (seen == instance)
            {
                return (id, seen);
            }
        }
    }

    private static async Task<(string Id, string Instance)> NextEventAsync(StreamReader reader)
    {
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? id = null, type = null, data = null;
        while (id is null || type is null || data is null)
        {
            var line = await reader.ReadLineAsync(hangGuard.Token) ?? throw new InvalidOperationException("stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
        type.ShouldBe("task_created");
        return (id, JsonDocument.Parse(data).RootElement.GetProperty("processInstanceKey").GetString()!);
    }

    [Test]
    public async Task A_task_past_three_quarters_of_its_time_gets_one_sla_warning_in_its_history()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var soon = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddHours(4));
        var later = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddDays(3));
        var userTasks = _host.Service<Processes.Engine.Execution.IProcessEngine>().UserTasks;
        var dataSource = _host.Service<Npgsql.NpgsqlDataSource>();
        (DateTime Created, DateTime Due) task;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            task = await Dapper.SqlMapper.QuerySingleAsync<(DateTime, DateTime)>(connection,
                "SELECT created_at, due_date FROM user_task WHERE process_instance_key = @key", new { key = long.Parse(soon, System.Globalization.CultureInfo.InvariantCulture) });
        }
        // Rounds at chosen instants of the task's own time (the round's clock is a parameter), never the wall clock's.
        DateTimeOffset At(double share) => new DateTimeOffset(task.Created, TimeSpan.Zero) + (task.Due - task.Created) * share;

        async Task<int> WarningsAsync(string instance) =>
            (await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}/history?limit=200")).GetProperty("items").EnumerateArray()
                .Count(e => e.GetProperty("event").GetString() == "TASK_SLA_WARNING");
        await userTasks.RecordSlaWarningsAsync(At(0.74), CancellationToken.None);
        (await WarningsAsync(soon)).ShouldBe(0, "not yet at three quarters");
        await userTasks.RecordSlaWarningsAsync(At(0.75), CancellationToken.None);
        await userTasks.RecordSlaWarningsAsync(At(0.9), CancellationToken.None);

        (await WarningsAsync(soon)).ShouldBe(1, "warned once, however many rounds see it");
        (await WarningsAsync(later)).ShouldBe(0);
    }

    [Test]
    public async Task A_supervisor_raises_the_priority_of_an_open_task_and_agents_may_not()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var instance = await StartAsync(agent, null, due: DateTimeOffset.UtcNow.AddDays(1));
        var task = (await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } })).GetProperty("items")[0];
        var key = task.GetProperty("userTaskKey").GetString();
        var supervisor = _host.Bearer(_supervisor.ApiKey);

        (await agent.PatchAsJsonAsync($"/v2/user-tasks/{key}", new { changeset = new { priority = 90 } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await supervisor.PatchAsJsonAsync($"/v2/user-tasks/{key}", new { changeset = new { priority = 101 } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await supervisor.PatchAsJsonAsync($"/v2/user-tasks/{key}", new { changeset = new { priority = 90 } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var changed = await agent.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{key}");
        changed.GetProperty("priority").GetInt32().ShouldBe(90);
        changed.GetProperty("version").GetInt32().ShouldBe(task.GetProperty("version").GetInt32() + 1);
        var history = await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}/history?limit=200");
        history.GetProperty("items").EnumerateArray().ShouldContain(e => e.GetProperty("event").GetString() == "TASK_UPDATED");
    }

    private static async Task<string> StartAsync(HttpClient client, string? idempotencyKey, DateTimeOffset due)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/process-instances")
        {
            Content = JsonContent.Create(new { processDefinitionId = "inbox-demand", variables = new { due = due.ToString("O", System.Globalization.CultureInfo.InvariantCulture) } }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("processInstanceKey").GetString()!;
    }
}
