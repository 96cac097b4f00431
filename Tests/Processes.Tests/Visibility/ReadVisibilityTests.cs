using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Visibility;

/// <summary>
/// Issue 13's acceptance: every read endpoint of case data (v2 and /api — instance, case view, history, tasks, task
/// form, form variables, comments, searches and their totals, the live task stream) called by every role about a case
/// of another group. Nothing of it reaches an agent or a finance reviewer: 404 for keys, absent from lists and totals
/// (a 403 only where the role's policy refuses the endpoint as a whole, with no case data in it). Supervisors see their
/// groups' cases; operators and admins everything their policies open; designers no case data.
/// </summary>
public sealed class ReadVisibilityTests : AdminHostTest
{
    private const string Demand = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="vis-demand" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:callActivity id="ticket"><bpmn:extensionElements><zeebe:calledElement processId="vis-ticket" /></bpmn:extensionElements></bpmn:callActivity>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ticket" />
            <bpmn:sequenceFlow id="f2" sourceRef="ticket" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private static readonly string Ticket = Api.TaskModels.DeskTask("vis-ticket", "work", "Work the ticket", "=team");

    private readonly Dictionary<string, HttpClient> _as = [];
    private readonly Dictionary<string, TestUser> _users = [];
    private CaseKeys _a = null!;
    private CaseKeys _b = null!;
    private CaseKeys _finance = null!;

    /// <summary>A demand (the instance the case view shows), the ticket it called, the ticket's task, and its customer's phone.</summary>
    private sealed record CaseKeys(string Demand, string TicketInstance, string Task, string Phone)
    {
        public IEnumerable<string> Secrets => [Demand, TicketInstance, Task, Phone];
    }

    [OneTimeSetUp]
    public async Task Start()
    {
        var admin = Admin;
        foreach (var group in new[] { "group-a", "group-b", "finance" })
        {
            await IdentityHost.EnsureGroupAsync(admin, group, group);
        }
        await AddAsync("agentA", [Roles.Agent], ["group-a"]);
        await AddAsync("agentB", [Roles.Agent], ["group-b"]);
        await AddAsync("agentB2", [Roles.Agent], ["group-b"]);
        await AddAsync("finance", [Roles.Finance], ["finance"]);
        await AddAsync("supervisorB", [Roles.Supervisor], ["group-b"]);
        await AddAsync("operator", [Roles.Operator], []);
        await AddAsync("designer", [Roles.Designer], []);
        _as["admin"] = admin;
        (await IdentityHost.DeployAsync(admin, "vis-ticket.bpmn", Ticket)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await IdentityHost.DeployAsync(admin, "vis-demand.bpmn", Demand)).StatusCode.ShouldBe(HttpStatusCode.OK);
        _a = await StartCaseAsync("group-a", "13800000001");
        _b = await StartCaseAsync("group-b", "13800000002");
        _finance = await StartCaseAsync("finance", "13800000003");
    }

    /// <summary>Each role against a case it has no part in: the case of group A for everyone but A's agent, admins and operators.</summary>
    [TestCase("agentB")]
    [TestCase("agentB2")]
    [TestCase("finance")]
    [TestCase("supervisorB")]
    [TestCase("designer")]
    public async Task Nothing_of_another_groups_case_reaches_the_caller(string role)
    {
        var client = _as[role];
        foreach (var (method, path, body) in KeyedReads(_a))
        {
            var response = await SendAsync(client, method, path, body);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBeOneOf([HttpStatusCode.NotFound, HttpStatusCode.Forbidden], $"{role}: {method} {path} answered {(int)response.StatusCode} {text}");
            // The refusal may name the key that was asked for, never anything else of the case.
            NoSecretIn(text.Replace(path.Split('/', '?')[3], "", StringComparison.Ordinal), _a, $"{role}: {method} {path}");
        }
        foreach (var (method, path, body) in Lists())
        {
            var response = await SendAsync(client, method, path, body);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.Forbidden], $"{role}: {method} {path} answered {(int)response.StatusCode} {text}");
            NoSecretIn(text, _a, $"{role}: {method} {path}");
            if (response.StatusCode == HttpStatusCode.OK && path.EndsWith("/search", StringComparison.Ordinal))
            {
                var page = JsonDocument.Parse(text).RootElement;
                page.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(page.GetProperty("items").GetArrayLength(),
                    $"{role}: {path} — totals count only what the caller sees");
            }
        }
        foreach (var (path, body) in FilteredToTheCase(_a))
        {
            var response = await SendAsync(client, HttpMethod.Post, path, body);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var page = await response.Content.ReadFromJsonAsync<JsonElement>();
                page.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(0, $"{role}: {path} filtered to the foreign case");
            }
        }
        (await StreamAsync(client)).ShouldNotContain(_a.Task, customMessage: $"{role}: the live task stream");
    }

    [Test]
    public async Task Agents_see_the_case_they_work_on_whole_and_across_the_called_ticket()
    {
        var agent = _as["agentA"];
        foreach (var (method, path, body) in KeyedReads(_a).Where(r => !r.Path.Contains("/form", StringComparison.Ordinal)))
        {
            var response = await SendAsync(agent, method, path, body);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{method} {path}: {await response.Content.ReadAsStringAsync()}");
        }
        var view = await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{_a.Demand}");
        view.GetProperty("tasks").EnumerateArray().ShouldContain(t => t.GetProperty("userTaskKey").GetString() == _a.Task);
        view.GetProperty("variables").GetProperty("customer").GetProperty("phone").GetString().ShouldBe(_a.Phone, "agents call the customer");
        var search = await IdentityHost.PostAsync(agent, "/v2/process-instances/search", new { });
        var keys = search.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString()).ToList();
        keys.ShouldBe([_a.Demand, _a.TicketInstance], ignoreOrder: true);
        search.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(2);
        (await StreamAsync(agent)).ShouldContain(_a.Task);
    }

    [Test]
    public async Task Finance_sees_what_it_reviews_with_the_customers_phone_masked()
    {
        var finance = _as["finance"];
        var view = await finance.GetFromJsonAsync<JsonElement>($"/api/instances/{_finance.Demand}");
        view.GetProperty("variables").GetProperty("customer").GetProperty("phone").GetString().ShouldBe("***");
        view.GetProperty("variables").GetProperty("customer").GetProperty("id").GetString().ShouldBe("C-finance", "only the sensitive name is masked");
        var variables = await IdentityHost.PostAsync(finance, $"/v2/user-tasks/{_finance.Task}/variables/search", new { });
        variables.GetRawText().ShouldNotContain(_finance.Phone);
        var history = await finance.GetStringAsync($"/api/instances/{_finance.Demand}/history?include=called&limit=200");
        history.ShouldNotContain(_finance.Phone);
        history.ShouldContain("VARIABLE_CREATED");
        var supervisorOfNobody = await _as["admin"].GetStringAsync($"/api/instances/{_finance.Demand}");
        supervisorOfNobody.ShouldContain(_finance.Phone, customMessage: "admins need no masking");
    }

    [Test]
    public async Task Supervisors_see_their_groups_cases_past_and_present_agents_only_while_they_hold_or_could_claim()
    {
        var closed = await StartCaseAsync("group-b", "13800000009");
        var agentB = _as["agentB"];
        (await agentB.PostAsJsonAsync($"/v2/user-tasks/{closed.Task}/assignment", new { assignee = _users["agentB"].UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await agentB.PostAsJsonAsync($"/v2/user-tasks/{closed.Task}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await agentB.GetAsync(new Uri($"/api/instances/{closed.Demand}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "agent B worked the ticket");
        (await _as["supervisorB"].GetAsync(new Uri($"/api/instances/{closed.Demand}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "a past task of the group");
        (await _as["supervisorB"].GetAsync(new Uri($"/api/instances/{_b.Demand}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _as["agentB2"].GetAsync(new Uri($"/api/instances/{closed.Demand}", UriKind.Relative))).StatusCode
            .ShouldBe(HttpStatusCode.NotFound, "nothing left to claim, never worked it");
        (await _as["agentB2"].GetAsync(new Uri($"/api/instances/{_b.Demand}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "could claim its ticket");
    }

    [Test]
    public async Task Operators_and_admins_see_every_case_their_policies_open()
    {
        var admin = _as["admin"];
        foreach (var c in new[] { _a, _b, _finance })
        {
            (await admin.GetAsync(new Uri($"/api/instances/{c.Demand}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await admin.GetAsync(new Uri($"/v2/user-tasks/{c.Task}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var all = await IdentityHost.PostAsync(admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "vis-demand" } });
        all.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBeGreaterThanOrEqualTo(3);
        var incidents = await _as["operator"].PostAsJsonAsync("/v2/incidents/search", new { });
        incidents.StatusCode.ShouldBe(HttpStatusCode.OK, "operators search incidents of every case");
        var operatorClient = _as["operator"];
        foreach (var c in new[] { _a, _b, _finance })
        {
            // Read-only: operators watch every case (instance, case view, history) without working its tasks.
            foreach (var path in new[] { $"/api/instances/{c.Demand}", $"/api/instances/{c.Demand}/history?include=called&limit=200", $"/v2/process-instances/{c.Demand}",
                $"/v2/process-instances/{c.TicketInstance}", $"/cases/{c.Demand}" })
            {
                var response = await operatorClient.GetAsync(new Uri(path, UriKind.Relative));
                response.StatusCode.ShouldBe(HttpStatusCode.OK, $"operator: GET {path}: {await response.Content.ReadAsStringAsync()}");
            }
            (await operatorClient.GetStringAsync($"/api/instances/{c.Demand}")).ShouldContain(c.Phone, customMessage: "operators are not masked");
            (await operatorClient.GetAsync(new Uri($"/v2/user-tasks/{c.Task}", UriKind.Relative))).StatusCode
                .ShouldBe(HttpStatusCode.Forbidden, "operators do not work tasks");
        }
        var operatorSearch = await IdentityHost.PostAsync(operatorClient, "/v2/process-instances/search", new { filter = new { processDefinitionId = "vis-demand" } });
        operatorSearch.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBeGreaterThanOrEqualTo(3);
        var operatorCaseWrite = await operatorClient.PostAsJsonAsync($"/v2/user-tasks/{_a.Task}/completion", new { });
        operatorCaseWrite.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "reading a case does not open its task commands");
    }

    [Test]
    public async Task A_search_with_a_filter_field_it_does_not_know_is_refused_naming_the_field()
    {
        var response = await _as["agentA"].PostAsJsonAsync("/v2/process-instances/search", new { filter = new { processInstanceKeys = _b.Demand } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("filter.processInstanceKeys");
        var tasks = await _as["agentA"].PostAsJsonAsync("/v2/user-tasks/search", new { filter = new { candidateGroups = "group-b" } });
        tasks.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tasks.Content.ReadAsStringAsync()).ShouldContain("filter.candidateGroups");
        var byKey = await IdentityHost.PostAsync(_as["admin"], "/v2/process-instances/search", new { filter = new { processInstanceKey = _b.Demand } });
        byKey.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("processInstanceKey").GetString().ShouldBe(_b.Demand);
    }

    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> KeyedReads(CaseKeys c) =>
    [
        (HttpMethod.Get, $"/api/instances/{c.Demand}", null),
        (HttpMethod.Get, $"/api/instances/{c.TicketInstance}", null),
        (HttpMethod.Get, $"/api/instances/{c.Demand}/history?limit=200", null),
        (HttpMethod.Get, $"/api/instances/{c.Demand}/history?include=called&limit=200", null),
        (HttpMethod.Get, $"/v2/process-instances/{c.Demand}", null),
        (HttpMethod.Get, $"/v2/process-instances/{c.TicketInstance}", null),
        (HttpMethod.Get, $"/v2/user-tasks/{c.Task}", null),
        (HttpMethod.Get, $"/v2/user-tasks/{c.Task}/form", null),
        (HttpMethod.Post, $"/v2/user-tasks/{c.Task}/variables/search", new { }),
        (HttpMethod.Get, $"/api/tasks/{c.Task}/comments", null),
    ];

    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Lists() =>
    [
        (HttpMethod.Post, "/v2/process-instances/search", new { }),
        (HttpMethod.Post, "/v2/user-tasks/search", new { }),
        (HttpMethod.Post, "/v2/incidents/search", new { }),
        (HttpMethod.Get, "/api/tasks?view=group", null),
        (HttpMethod.Get, "/api/tasks?view=unassigned", null),
        (HttpMethod.Get, "/api/tasks?view=mine", null),
        (HttpMethod.Get, "/api/tasks?view=due-soon", null),
        (HttpMethod.Get, "/api/tasks?view=breached", null),
        // The operators' lists name the instances of jobs and timers: closed to everyone else as a whole.
        (HttpMethod.Get, "/api/operations/jobs", null),
        (HttpMethod.Get, "/api/operations/timers", null),
    ];

    private static IEnumerable<(string Path, object Body)> FilteredToTheCase(CaseKeys c) =>
    [
        ("/v2/process-instances/search", new { filter = new { processInstanceKey = c.Demand } }),
        ("/v2/process-instances/search", new { filter = new { parentProcessInstanceKey = c.Demand } }),
        ("/v2/user-tasks/search", new { filter = new { processInstanceKey = c.TicketInstance } }),
        ("/v2/user-tasks/search", new { filter = new Dictionary<string, object> { ["userTaskKey"] = c.Task, ["state"] = new Dictionary<string, object> { ["$in"] = new[] { "CREATED", "COMPLETED" } } } }),
        ("/v2/incidents/search", new { filter = new { processInstanceKey = c.Demand } }),
    ];

    private static void NoSecretIn(string text, CaseKeys c, string what)
    {
        foreach (var secret in c.Secrets)
        {
            text.ShouldNotContain(secret, customMessage: what);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>What the live task stream sends the caller from the start of history, read for a few seconds.</summary>
    private static async Task<string> StreamAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events?after=0");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            return "";
        }
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
        var text = new System.Text.StringBuilder();
        try
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                text.AppendLine(line);
            }
        }
        catch (OperationCanceledException)
        {
            // read long enough: the stream sends history at once, then polls
        }
        return text.ToString();
    }

    private async Task AddAsync(string role, string[] roles, string[] groups)
    {
        var user = await Server.CreateUserAsync(roles: roles, groups: groups);
        _users[role] = user;
        _as[role] = Server.Bearer(user.ApiKey);
    }

    private async Task<CaseKeys> StartCaseAsync(string team, string phone)
    {
        var admin = _as["admin"];
        var demand = (await IdentityHost.PostAsync(admin, "/v2/process-instances", new
        {
            processDefinitionId = "vis-demand",
            variables = new { team, customer = new { id = $"C-{team}", phone } },
        })).GetProperty("processInstanceKey").GetString()!;
        var ticket = (await IdentityHost.PostAsync(admin, "/v2/process-instances/search", new { filter = new { parentProcessInstanceKey = demand } }))
            .GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("processInstanceKey").GetString()!;
        var task = (await IdentityHost.PostAsync(admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = ticket } }))
            .GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("userTaskKey").GetString()!;
        return new CaseKeys(demand, ticket, task, phone);
    }
}
