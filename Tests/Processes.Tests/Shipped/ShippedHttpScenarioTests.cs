using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped demand-ticket model end to end through the real host: the definitions it deploys at start-up, its
/// engine node with the real <c>assign</c> and <c>sms</c> handlers, and only the HTTP API from the outside. The SMS
/// gateway is a loopback <see cref="FakeServer"/>. Real time: nothing here waits for a timer (the SLA timers of the
/// work ticket are hours of working time away and go with it).
/// </summary>
public sealed class ShippedHttpScenarioTests : HostedScenario
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private FakeServer _gateway = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _gateway = await StartServerAsync();
        _gateway.Respond = request => new FakeAnswer(200, $$"""{"messageId": "gw-{{request.Header("Idempotency-Key")}}", "status": "SENT"}""");
        Host = IdentityHost.Start(ConnectionString, logs: Logs, settings: new Dictionary<string, string>
        {
            ["Processes:Activities:Sms:Provider"] = "http",
            ["Processes:Activities:Sms:Url"] = new Uri(_gateway.BaseUrl, "sms").ToString(),
        });
    }

    [Test]
    public async Task A_demand_is_dispatched_to_an_on_duty_agent_resolved_over_http_and_surveyed_by_sms_once()
    {
        var admin = await Host.AdminAsync();
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "after-sales", displayName = "After-sales" });
        var agent = await Host.CreateUserAsync(roles: [Roles.Agent], groups: ["after-sales"]);
        var supervisor = Host.Bearer((await Host.CreateUserAsync(roles: [Roles.Supervisor])).ApiKey);
        var designer = Host.Bearer((await Host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        var put = await supervisor.PutAsJsonAsync($"/api/agents/{agent.UserName}",
            new { skills = new[] { "logistics" }, regions = new[] { "Hangzhou" }, languages = new[] { "zh" }, tiers = new[] { "regular" }, capacity = 5, onDuty = true });
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        // The host created the shipped template at start-up; a designer's edit replaces it (and survives restarts).
        var template = await designer.PutAsJsonAsync("/api/sms-templates/SATISFACTION_SURVEY", new
        {
            text = "Your demand {demandId} is closed ({completionReason}). How did we do? Reply 1-5.",
            parameters = new[] { "demandId", "completionReason" },
            description = "demand-ticket: survey after closing",
        });
        template.StatusCode.ShouldBe(HttpStatusCode.OK, await template.Content.ReadAsStringAsync());

        var client = Host.Bearer(agent.ApiKey);
        var demand = await StartDemandAsync(client, "D-2001");

        var ticket = await EventuallyAsync("the work ticket", async () =>
        {
            var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { elementId = "WorkTicket", state = "CREATED" } });
            return found.GetProperty("items").EnumerateArray().Select(t => (JsonElement?)t).FirstOrDefault();
        }, demand);
        ticket.GetProperty("assignee").GetString().ShouldBe(agent.UserName, "central dispatch picks the only on-duty agent");
        ticket.GetProperty("priority").GetInt32().ShouldBe(50);
        var ticketKey = ticket.GetProperty("userTaskKey").GetString()!;
        var mine = await client.GetFromJsonAsync<JsonElement>("/api/tasks?view=mine");
        mine.GetProperty("items").EnumerateArray().ShouldContain(i => i.GetProperty("task").GetProperty("userTaskKey").GetString() == ticketKey);

        var complete = await client.PostAsJsonAsync($"/v2/user-tasks/{ticketKey}/completion",
            new { variables = new { ticketOutcome = "resolved", completionStandard = "replacement-delivered", notes = "parcel re-sent" } });
        complete.StatusCode.ShouldBe(HttpStatusCode.NoContent, await complete.Content.ReadAsStringAsync());

        // The customer replies to the survey SMS; the gateway relays it. A bad score is refused naming the field, and
        // the answer lands on its demand once: a second reply finds no demand waiting.
        var bad = await client.PostAsJsonAsync("/api/demands/D-2001/survey-answer", new { score = 7 });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("score");
        var answered = await ScenarioHttp.AnswerSurveyAsync(client, admin, demand, "D-2001", new { score = 5, comment = "fast and friendly" }, Logs, Patience);
        answered.GetProperty("processInstanceKey").GetString().ShouldBe(demand);
        var again = await client.PostAsJsonAsync("/api/demands/D-2001/survey-answer", new { score = 1 });
        again.StatusCode.ShouldBe(HttpStatusCode.NotFound, await again.Content.ReadAsStringAsync());

        await EventuallyAsync("the demand to complete", async () =>
        {
            var instance = await client.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{demand}");
            return instance.GetProperty("state").GetString() == "COMPLETED" ? (JsonElement?)instance : null;
        }, demand);

        var sms = _gateway.Requests.Where(r => r.PathAndQuery == "/sms").ToList();
        var survey = sms.ShouldHaveSingleItem("one survey SMS");
        survey.Method.ShouldBe("POST");
        survey.Header("Idempotency-Key").ShouldNotBeNullOrEmpty();
        var body = JsonNode.Parse(survey.Body)!;
        body["to"]!.GetValue<string>().ShouldBe("+86 138 0000 0077", "the model sends the survey to customer.phone");
        body["text"]!.GetValue<string>().ShouldBe("Your demand D-2001 is closed (resolved). How did we do? Reply 1-5.");
        body["reference"]!.GetValue<string>().ShouldBe(survey.Header("Idempotency-Key"));

        var view = await client.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}");
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        var variables = view.GetProperty("variables");
        variables.GetProperty("completionReason").GetString().ShouldBe("resolved");
        variables.GetProperty("completionStandard").GetString().ShouldBe("replacement-delivered");
        variables.GetProperty("slaCompliance").GetString().ShouldBe("within the SLA");
        variables.GetProperty("ticketOutcome").GetString().ShouldBe("resolved");
        variables.GetProperty("assignee").GetString().ShouldBe(agent.UserName);
        var reason = variables.GetProperty("assignmentReason").GetString()!;
        // The model maps the demand's domain, city and tier into what central dispatch matches agent profiles on.
        reason.ShouldBe($"central: {agent.UserName} has the least open work (0 of 5) among 1 free qualified agent(s) " +
            "for skills [logistics], region Hangzhou, language any, tier regular, channel app");
        variables.GetProperty("smsStatus").GetString().ShouldBe("SENT");
        variables.GetProperty("survey").GetProperty("score").GetInt32().ShouldBe(5);
        variables.GetProperty("survey").GetProperty("comment").GetString().ShouldBe("fast and friendly");
        variables.GetProperty("survey").GetProperty("channel").GetString().ShouldBe("sms");
        variables.GetProperty("smsMessageId").GetString().ShouldBe($"gw-{survey.Header("Idempotency-Key")}");

        var entries = await HistoryAsync(client, demand);
        var completed = entries.Where(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED").Select(e => e.GetProperty("elementId").GetString()).ToList();
        completed.Count(id => id == "RouteFirst").ShouldBe(1);
        completed.Count(id => id == "Survey").ShouldBe(1);
        completed.ShouldContain("DemandClosed");
        entries.ShouldContain(e => e.GetProperty("event").GetString() == "VARIABLE_CREATED"
            && e.GetProperty("details").GetProperty("name").GetString() == "assignmentReason"
            && e.GetProperty("details").GetProperty("value").GetString() == reason);
    }

    private static async Task<string> StartDemandAsync(HttpClient client, string demandId)
    {
        var response = await client.PostAsJsonAsync("/v2/process-instances", new
        {
            processDefinitionId = "demand-ticket",
            variables = new
            {
                demandId,
                entrance = "app",
                appeal = "delivery",
                customer = new { id = "C-77", phone = "+86 138 0000 0077", tier = "regular", city = "Hangzhou" },
                scenario = new { orderId = "O-5531", domain = "logistics", defectType = "late-delivery" },
            },
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString()!;
    }

    /// <summary>The demand's whole history, page by page.</summary>
    private static Task<List<JsonElement>> HistoryAsync(HttpClient client, string demand) =>
        ScenarioHttp.HistoryAsync(client, demand);

    /// <summary>Polls until <paramref name="probe"/> finds something; fails with the demand's incidents if it never does.</summary>
    private async Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe, string demand) =>
        await ScenarioHttp.EventuallyAsync(what, probe, await Host.AdminAsync(), demand, Logs, Patience);
}
