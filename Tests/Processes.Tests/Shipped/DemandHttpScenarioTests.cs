using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Calendars;
using Processes.Tests.Execution;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped demand-ticket and sla-escalation models through the real host on a hand-moved clock: the SLA
/// timers fire from the host's own timer scheduler as the clock passes them, the real <c>assign</c>, <c>sms</c>,
/// <c>http</c> and <c>user-task-update</c> handlers run in its engine node, and the test only speaks HTTP. One
/// loopback <see cref="FakeServer"/> is the SMS gateway (<c>/sms</c>) and the supervisors' group chat
/// (<c>/hooks/supervisors</c>, configured as the secret SUPERVISOR_CHAT_WEBHOOK). Time is the business calendar
/// cn-support (Asia/Shanghai, Mon–Fri 09–12 and 13–18).
/// </summary>
public sealed class DemandHttpScenarioTests : HostedScenario
{
    private const string CustomerPhone = "+86 138 0000 0077";
    private const string AnnPhone = "+86 139 0000 0001";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ManualClock _clock = new(TestCalendars.Cn(11, 24, 9));
    private FakeServer _remote = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _remote = await StartServerAsync();
        _remote.Respond = request => request.PathAndQuery == "/sms"
            ? new FakeAnswer(200, $$"""{"messageId": "gw-{{request.Header("Idempotency-Key")}}", "status": "SENT"}""")
            : new FakeAnswer(200, """{"errcode": 0}""");
        Host = IdentityHost.Start(ConnectionString, logs: Logs, clock: _clock, settings: new Dictionary<string, string>
        {
            ["Processes:Activities:Sms:Provider"] = "http",
            ["Processes:Activities:Sms:Url"] = new Uri(_remote.BaseUrl, "sms").ToString(),
            ["Processes:Secrets:SUPERVISOR_CHAT_WEBHOOK"] = new Uri(_remote.BaseUrl, "hooks/supervisors").ToString(),
            ["Processes:Engine:Timers:SafetyPollInterval"] = "00:00:00.200",
        });
        _admin = await Host.AdminAsync();
        foreach (var group in new[] { "after-sales", "escalation", "logistics", "dispatch", "supervisors" })
        {
            await IdentityHost.EnsureGroupAsync(_admin, group, group);
        }
    }

    [Test]
    public async Task A_chased_demand_passes_every_sla_level_is_moved_to_escalation_transferred_to_logistics_and_resolved()
    {
        _clock.Set(TestCalendars.Cn(11, 24, 9));
        var ann = await Host.CreateUserAsync(roles: [Roles.Agent], groups: ["after-sales"]);
        var eve = await Host.CreateUserAsync(roles: [Roles.Agent], groups: ["escalation"]);
        var leo = await Host.CreateUserAsync(roles: [Roles.Agent], groups: ["logistics"]);
        var supervisor = Host.Bearer((await Host.CreateUserAsync(roles: [Roles.Supervisor])).ApiKey);
        var profile = await supervisor.PutAsJsonAsync($"/api/agents/{ann.UserName}", new
        {
            skills = new[] { "logistics" }, regions = new[] { "Hangzhou" }, tiers = new[] { "regular" }, capacity = 5, onDuty = true, phone = AnnPhone,
        });
        profile.StatusCode.ShouldBe(HttpStatusCode.OK, await profile.Content.ReadAsStringAsync());
        var hotline = Host.Bearer(ann.ApiKey);

        var demand = await StartDemandAsync(hotline, "D-3001");
        var ticket = await TicketAsync(hotline, demand, t => t.TryGetProperty("assignee", out var a) && a.GetString() == ann.UserName);
        var ticketKey = ticket.GetProperty("userTaskKey").GetString()!;
        ticket.GetProperty("priority").GetInt32().ShouldBe(50);

        // 09:40 ann answers the customer; then the customer chases: the open ticket's priority rises, ann is told.
        _clock.Set(TestCalendars.Cn(11, 24, 9, 40));
        await PublishAsync(hotline, "demand-first-response", "D-3001");
        await PublishAsync(hotline, "demand-chased", "D-3001", new { chaseChannel = "hotline" });
        await EventuallyAsync("the chase to raise the ticket's priority", async () =>
        {
            var task = await hotline.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{ticketKey}");
            return task.GetProperty("priority").GetInt32() == 70 ? (JsonElement?)task : null;
        }, demand);
        var chased = await SmsAsync("DEMAND_CHASED to ann", to: AnnPhone, demand);
        chased.ShouldContain("D-3001");

        // 10:00 the first response was in time: nothing to tell. 14:00 is 50 % of PT8H working time (lunch 12–13).
        _clock.Set(TestCalendars.Cn(11, 24, 10));
        _clock.Set(TestCalendars.Cn(11, 24, 14));
        await EventuallyAsync("the 50 % reminder", async () => await Task.FromResult(SmsTo(AnnPhone).Count == 2 ? (JsonElement?)default(JsonElement) : null), demand);

        _clock.Set(TestCalendars.Cn(11, 24, 16));
        var chat = await EventuallyAsync("the 75 % notice in the supervisors' chat", () => Task.FromResult(
            _remote.Requests.Where(r => r.PathAndQuery == "/hooks/supervisors").Select(r => (JsonElement?)JsonDocument.Parse(r.Body).RootElement).FirstOrDefault()), demand);
        chat.GetProperty("text").GetProperty("content").GetString().ShouldBe($"Work ticket of demand D-3001 assigned to {ann.UserName} is at 75 % of its SLA (PT8H)");

        // 18:00 the target is breached: the same ticket moves to the escalation queue, 20 points more urgent.
        _clock.Set(TestCalendars.Cn(11, 24, 18));
        var moved = await EventuallyAsync("the ticket to move to the escalation group", async () =>
        {
            // The move is two commands (the groups, then the unassignment): wait until the job that makes them completed.
            var trail = await HistoryAsync(demand, includeCalled: true);
            var task = await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{ticketKey}");
            return task.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).SequenceEqual(["escalation"])
                && trail.Any(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED" && e.GetProperty("elementId").GetString() == "MoveTicket")
                ? (JsonElement?)task : null;
        }, demand);
        moved.GetProperty("state").GetString().ShouldBe("CREATED");
        (moved.TryGetProperty("assignee", out var assignee) && assignee.ValueKind == JsonValueKind.String).ShouldBeFalse("the escalation queue holds it unassigned");
        moved.GetProperty("priority").GetInt32().ShouldBe(90);
        var apology = await SmsAsync("the SLA apology", to: CustomerPhone, demand);
        apology.ShouldContain("D-3001");

        // eve of the escalation group takes it and transfers it to logistics; leo resolves it.
        var escalation = Host.Bearer(eve.ApiKey);
        (await escalation.PostAsJsonAsync($"/v2/user-tasks/{ticketKey}/assignment", new { assignee = eve.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var transfer = await escalation.PostAsJsonAsync($"/v2/user-tasks/{ticketKey}/completion",
            new { variables = new { ticketOutcome = "transferred", transferReason = "logistics", notes = "courier must trace the parcel" } });
        transfer.StatusCode.ShouldBe(HttpStatusCode.NoContent, await transfer.Content.ReadAsStringAsync());

        var logistics = Host.Bearer(leo.ApiKey);
        var second = await TicketAsync(logistics, demand, t => t.GetProperty("userTaskKey").GetString() != ticketKey);
        second.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["logistics"]);
        var secondKey = second.GetProperty("userTaskKey").GetString()!;
        (await logistics.PostAsJsonAsync($"/v2/user-tasks/{secondKey}/assignment", new { assignee = leo.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var resolve = await logistics.PostAsJsonAsync($"/v2/user-tasks/{secondKey}/completion",
            new { variables = new { ticketOutcome = "resolved", completionStandard = "refund-received", notes = "refunded the shipping fee" } });
        resolve.StatusCode.ShouldBe(HttpStatusCode.NoContent, await resolve.Content.ReadAsStringAsync());
        await ScenarioHttp.AnswerSurveyAsync(hotline, _admin, demand, "D-3001", new { score = 3, channel = "hotline" }, Logs, Patience);

        await EventuallyAsync("the demand to complete", async () =>
        {
            var instance = await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{demand}");
            return instance.GetProperty("state").GetString() == "COMPLETED" ? (JsonElement?)instance : null;
        }, demand);
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}");
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        var variables = view.GetProperty("variables");
        variables.GetProperty("completionReason").GetString().ShouldBe("resolved after escalation");
        variables.GetProperty("completionStandard").GetString().ShouldBe("refund-received");
        variables.GetProperty("slaCompliance").GetString().ShouldBe("outside the SLA");
        variables.GetProperty("transferCount").GetInt32().ShouldBe(1);
        variables.GetProperty("chaseCount").GetInt32().ShouldBe(1);
        variables.GetProperty("priority").GetInt32().ShouldBe(70);
        variables.GetProperty("slaBreach").GetProperty("assignee").GetString().ShouldBe(ann.UserName);
        variables.TryGetProperty("firstResponseBreach", out _).ShouldBeFalse();

        // Every SMS once: the chase notice and the reminder to ann's phone, the apology and the survey to the customer.
        SmsTo(AnnPhone).Count.ShouldBe(2);
        SmsTo(CustomerPhone).Count.ShouldBe(2);
        _remote.Requests.Count(r => r.PathAndQuery == "/hooks/supervisors").ShouldBe(1, "only the 75 % notice: the first response was in time");

        var completed = (await HistoryAsync(demand)).Where(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED")
            .Select(e => e.GetProperty("elementId").GetString()).ToList();
        completed.Count(id => id == "Ticket").ShouldBe(2, "two work tickets: the first one, transferred, and the logistics one");
        completed.ShouldContain("RecordTransfer");
        completed.ShouldContain("Reprioritise");
        completed.ShouldContain("Survey");

        // The case: both work tickets with their people, and one trail across the demand and the tickets it called.
        view.GetProperty("calledInstances").EnumerateArray().Select(c => (c.GetProperty("processDefinitionId").GetString(), c.GetProperty("state").GetString()))
            .ShouldBe([("sla-escalation", "COMPLETED"), ("sla-escalation", "COMPLETED")]);
        view.GetProperty("tasks").EnumerateArray().Select(t => (t.GetProperty("elementId").GetString(), t.GetProperty("assignee").GetString(), t.GetProperty("state").GetString()))
            .ShouldBe([("WorkTicket", eve.UserName, "COMPLETED"), ("WorkTicket", leo.UserName, "COMPLETED")]);
        var trail = await HistoryAsync(demand, includeCalled: true);
        var ticketEvents = trail.Where(e => e.GetProperty("elementId").GetString() == "WorkTicket" && e.GetProperty("event").GetString()!.StartsWith("TASK_", StringComparison.Ordinal))
            .Select(e => (e.GetProperty("event").GetString(), e.GetProperty("details").TryGetProperty("by", out var by) ? by.GetString() : null)).ToList();
        ticketEvents.Count(e => e.Item1 == "TASK_UPDATED").ShouldBe(2, "the chase and the breach changed the open ticket");
        ticketEvents.ShouldContain(e => e.Item1 == "TASK_UPDATED" && e.Item2!.StartsWith("process:demand-ticket/job:", StringComparison.Ordinal));
        ticketEvents.ShouldContain(e => e.Item1 == "TASK_ASSIGNED" && e.Item2!.StartsWith("process:sla-escalation/job:", StringComparison.Ordinal));
        var elements = trail.Where(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED").Select(e => e.GetProperty("elementId").GetString()).ToList();
        elements.ShouldContain("RecordFirstResponse");
        elements.ShouldContain("NotifySupervisor");
        elements.ShouldContain("MoveTicket");
        elements.IndexOf("RecordTransfer").ShouldBeGreaterThan(elements.IndexOf("MoveTicket"), "one trail, in the order things happened");
        trail.Select(e => e.GetProperty("id").GetInt64()).ShouldBeInOrder();
    }

    [Test]
    public async Task An_escalated_vip_demand_waits_in_the_supervisors_pool_until_its_deadline_closes_it_unresolved()
    {
        _clock.Set(TestCalendars.Cn(11, 24, 9));
        var dan = await Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var sue = await Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["supervisors"]);
        var dispatcher = Host.Bearer(dan.ApiKey);

        // No on-duty agent serves VIPs in Shanghai: central dispatch routes the ticket to the dispatch queue.
        var demand = await StartDemandAsync(dispatcher, "D-3002", tier: "VIP", city: "Shanghai", phone: "+86 138 0000 0088");
        var twice = await dispatcher.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "demand-ticket", businessKey = "D-3002", variables = new { } });
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict, "one instance per demand id: " + await twice.Content.ReadAsStringAsync());
        (await twice.Content.ReadAsStringAsync()).ShouldContain("D-3002");
        var ticket = await TicketAsync(dispatcher, demand, _ => true);
        ticket.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["dispatch"]);
        ticket.GetProperty("priority").GetInt32().ShouldBe(80, "VIP");
        var key = ticket.GetProperty("userTaskKey").GetString()!;
        (await dispatcher.PostAsJsonAsync($"/v2/user-tasks/{key}/assignment", new { assignee = dan.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await dispatcher.PostAsJsonAsync("/v2/messages/publication", new { name = "demand-first-response", correlationKey = "D-3002" })).IsSuccessStatusCode.ShouldBeTrue();
        var escalate = await dispatcher.PostAsJsonAsync($"/v2/user-tasks/{key}/completion",
            new { variables = new { ticketOutcome = "escalated", escalateTo = "supervisors", notes = "customer demands compensation" } });
        escalate.StatusCode.ShouldBe(HttpStatusCode.NoContent, await escalate.Content.ReadAsStringAsync());

        var supervisors = Host.Bearer(sue.ApiKey);
        var pooled = await TicketAsync(supervisors, demand, t => t.GetProperty("userTaskKey").GetString() != key);
        pooled.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["supervisors"]);

        // Nobody takes it. By 14:00 its 4 working hours are over: it moves to the escalation queue and the customer gets
        // an apology (nobody holds it, so there is nobody to remind at 50 %).
        _clock.Set(TestCalendars.Cn(11, 24, 14));
        await EventuallyAsync("the apology for the breached ticket", () => Task.FromResult(
            SmsTo("+86 138 0000 0088").Count == 1 ? (JsonElement?)default(JsonElement) : null), demand);
        await EventuallyAsync("the ticket to move to the escalation group", async () =>
        {
            var task = await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{pooled.GetProperty("userTaskKey").GetString()}");
            return task.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).SequenceEqual(["escalation"]) ? (JsonElement?)task : null;
        }, demand);

        // Still nobody: 24 working hours after Tuesday 09:00 is Thursday 18:00, the demand's deadline.
        _clock.Set(TestCalendars.Cn(11, 26, 18));
        await EventuallyAsync("the demand to close at its deadline and wait for the survey", async () =>
        {
            var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}");
            return view.GetProperty("activeElements").EnumerateArray().Any(e => e.GetProperty("elementId").GetString() == "AwaitSurvey") ? (JsonElement?)view : null;
        }, demand);
        // The customer never answers: three days later the survey window passes and the demand ends.
        _clock.Set(TestCalendars.Cn(11, 29, 18));
        await EventuallyAsync("the demand to end after the survey window", async () =>
        {
            var instance = await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{demand}");
            return instance.GetProperty("state").GetString() == "COMPLETED" ? (JsonElement?)instance : null;
        }, demand);
        var variables = (await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}")).GetProperty("variables");
        variables.GetProperty("completionReason").GetString().ShouldBe("unresolved - timed out");
        variables.GetProperty("completionStandard").GetString().ShouldBe("none");
        variables.GetProperty("slaCompliance").GetString().ShouldBe("closed at the demand deadline");
        variables.GetProperty("escalationCount").GetInt32().ShouldBe(1);
        variables.GetProperty("survey").GetProperty("result").GetString().ShouldBe("no answer");
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{pooled.GetProperty("userTaskKey").GetString()}"))
            .GetProperty("state").GetString().ShouldBe("CANCELED");
        var texts = SmsTo("+86 138 0000 0088");
        texts.Count.ShouldBe(2, "the apology and the survey, even for an unresolved demand: " + string.Join(" | ", texts));
        texts[0].ShouldContain("taking longer than promised");
        texts[1].ShouldContain("D-3002 is closed (unresolved - timed out)");
    }

    private static async Task<string> StartDemandAsync(HttpClient client, string demandId, string tier = "regular", string city = "Hangzhou",
        string phone = CustomerPhone)
    {
        var response = await client.PostAsJsonAsync("/v2/process-instances", new
        {
            processDefinitionId = "demand-ticket",
            businessKey = demandId,
            variables = new
            {
                demandId,
                entrance = "hotline",
                appeal = "delivery",
                customer = new { id = "C-77", phone, tier, city },
                scenario = new { orderId = "O-5531", domain = "logistics", defectType = "late-delivery" },
            },
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString()!;
    }

    private static async Task PublishAsync(HttpClient client, string name, string correlationKey, object? variables = null)
    {
        var response = await client.PostAsJsonAsync("/v2/messages/publication", new { name, correlationKey, variables = variables ?? new { } });
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The demand's open work ticket that <paramref name="match"/> accepts, as <paramref name="client"/> sees it.</summary>
    private Task<JsonElement> TicketAsync(HttpClient client, string demand, Func<JsonElement, bool> match) =>
        EventuallyAsync("the work ticket", async () =>
        {
            var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { elementId = "WorkTicket", state = "CREATED" } });
            return found.GetProperty("items").EnumerateArray().Where(match).Select(t => (JsonElement?)t).FirstOrDefault();
        }, demand);

    private List<string> SmsTo(string phone) =>
        [.. _remote.Requests.Where(r => r.PathAndQuery == "/sms").Select(r => JsonNode.Parse(r.Body)!)
            .Where(b => b["to"]!.GetValue<string>() == phone).Select(b => b["text"]!.GetValue<string>())];

    private async Task<string> SmsAsync(string what, string to, string demand)
    {
        var before = 0;
        var found = await EventuallyAsync(what, () => Task.FromResult(SmsTo(to).Count > before
            ? (JsonElement?)JsonDocument.Parse(JsonSerializer.Serialize(SmsTo(to)[^1])).RootElement : null), demand);
        return found.GetString()!;
    }

    private Task<List<JsonElement>> HistoryAsync(string instance, bool includeCalled = false) =>
        ScenarioHttp.HistoryAsync(_admin, instance, includeCalled);

    /// <summary>Polls until <paramref name="probe"/> finds something; fails with the demand's state and incidents if it never does.</summary>
    private Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe, string demand) =>
        ScenarioHttp.EventuallyAsync(what, probe, _admin, demand, Logs, Patience);
}
