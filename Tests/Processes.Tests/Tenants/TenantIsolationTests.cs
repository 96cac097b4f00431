using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Tenants;

/// <summary>
/// Two tenants on one host, each with the same model, the same correlation key and users of every non-admin role:
/// A's user never sees, counts, starts, completes, correlates or activates anything of B's — checked flow by flow
/// (messages with colliding keys, signals, job activation, search totals) and then over every endpoint the host maps:
/// each keyed route with B's keys, each list and search, and the task event stream.
/// </summary>
public sealed class TenantIsolationTests : DatabaseTest
{
    private const string A = "merchant-a";
    private const string B = "merchant-b";

    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:message id="paid" name="order-paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
          <bpmn:signal id="go" name="release-orders" />
          <bpmn:process id="tenant-order" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:intermediateCatchEvent id="wait-paid"><bpmn:messageEventDefinition messageRef="paid" /></bpmn:intermediateCatchEvent>
            <bpmn:serviceTask id="ship"><bpmn:extensionElements><zeebe:taskDefinition type="tenant-ship" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:userTask id="check" name="Check order">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="team-a, team-b" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:intermediateCatchEvent id="wait-go"><bpmn:signalEventDefinition signalRef="go" /></bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait-paid" />
            <bpmn:sequenceFlow id="f2" sourceRef="wait-paid" targetRef="ship" />
            <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="check" />
            <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="wait-go" />
            <bpmn:sequenceFlow id="f5" sourceRef="wait-go" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private HttpClient _a = null!;
    private HttpClient _b = null!;
    private TestUser _userA = null!;
    private TestUser _userB = null!;

    /// <summary>Keys of B's rows: an instance waiting for the signal, one with an incident, a task, a job, an incident, a definition.</summary>
    private readonly Dictionary<string, string> _keysOfB = [];
    private readonly Dictionary<string, string> _keysOfA = [];

    private static readonly string[] Workers = [Roles.Designer, Roles.Agent, Roles.Supervisor, Roles.Finance, Roles.Operator];

    [OneTimeSetUp]
    public async Task TwoTenantsWithTheSameWork()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _admin = await _host.AdminAsync();
        await IdentityHost.PostAsync(_admin, "/api/tenants", new { id = A, name = "Merchant A" });
        await IdentityHost.PostAsync(_admin, "/api/tenants", new { id = B, name = "Merchant B" });
        await IdentityHost.EnsureGroupAsync(_admin, "team-a", "Team A");
        await IdentityHost.EnsureGroupAsync(_admin, "team-b", "Team B");
        // A's user belongs through its group, B's user directly: both ways of membership are under test.
        (await _admin.PutAsync($"/api/tenants/{A}/groups/team-a", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        _userA = await _host.CreateUserAsync(roles: Workers, groups: ["team-a"]);
        _userB = await _host.CreateUserAsync(roles: Workers, groups: ["team-b"]);
        (await _admin.PutAsync($"/api/tenants/{B}/users/{_userB.UserName}", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        _a = _host.Bearer(_userA.ApiKey);
        _b = _host.Bearer(_userB.ApiKey);

        foreach (var (client, tenant, keys) in new[] { (_a, A, _keysOfA), (_b, B, _keysOfB) })
        {
            var deployed = await DeployAsync(client, tenant);
            deployed.GetProperty("tenantId").GetString().ShouldBe(tenant);
            var definition = deployed.GetProperty("deployments")[0].GetProperty("processDefinition");
            definition.GetProperty("processDefinitionVersion").GetInt32().ShouldBe(1, "versions count per tenant");
            keys["definition"] = definition.GetProperty("processDefinitionKey").GetString()!;
            keys["instance"] = (await StartAsync(client, tenant, "42")).GetProperty("processInstanceKey").GetString()!;
        }
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _a.Dispose();
        _b.Dispose();
        await _host.DisposeAsync();
    }

    [Test, Order(1)]
    public async Task Messages_jobs_tasks_and_signals_stay_within_their_tenant()
    {
        // The same message name and correlation key in both tenants: A's correlation reaches A's instance only.
        var correlated = await IdentityHost.PostAsync(_a, "/v2/messages/correlation", new { name = "order-paid", correlationKey = "42", tenantId = A });
        correlated.GetProperty("processInstanceKey").GetString().ShouldBe(_keysOfA["instance"]);
        correlated.GetProperty("tenantId").GetString().ShouldBe(A);
        (await ActivateAsync(_b, [B])).ShouldBeEmpty("B's instance still waits for its own message");

        // A's worker, for A: A's job only, although B's job of the same type is activatable once B correlates too.
        await IdentityHost.PostAsync(_b, "/v2/messages/publication", new { name = "order-paid", correlationKey = "42", tenantId = B });
        var jobA = (await ActivateAsync(_a, [A])).ShouldHaveSingleItem();
        jobA.GetProperty("processInstanceKey").GetString().ShouldBe(_keysOfA["instance"]);
        jobA.GetProperty("tenantId").GetString().ShouldBe(A);
        (await ActivateAsync(_a, null, filter: "ASSIGNED")).ShouldBeEmpty("A's only job is leased; B's is not A's to take");
        var jobB = (await ActivateAsync(_b, null, filter: "ASSIGNED")).ShouldHaveSingleItem();
        jobB.GetProperty("processInstanceKey").GetString().ShouldBe(_keysOfB["instance"]);
        _keysOfB["job"] = jobB.GetProperty("jobKey").GetString()!;
        (await _a.PostAsJsonAsync($"/v2/jobs/{_keysOfB["job"]}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _a.PostAsJsonAsync($"/v2/jobs/{jobA.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _b.PostAsJsonAsync($"/v2/jobs/{_keysOfB["job"]}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // Both tasks offer themselves to team-a and team-b: only the tenant keeps A's agent from B's task.
        _keysOfA["task"] = await SingleTaskAsync(_a, _keysOfA["instance"]);
        _keysOfB["task"] = await SingleTaskAsync(_b, _keysOfB["instance"]);
        var tasksOfA = await IdentityHost.PostAsync(_a, "/v2/user-tasks/search", new { });
        tasksOfA.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);
        (await _a.PostAsJsonAsync($"/v2/user-tasks/{_keysOfB["task"]}/assignment", new { assignee = _userA.UserName })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await CompleteTaskAsync(_a, _userA, _keysOfA["task"]);
        await CompleteTaskAsync(_b, _userB, _keysOfB["task"]);

        // A signal of A releases A's waiting instance only.
        await IdentityHost.PostAsync(_a, "/v2/signals/broadcast", new { signalName = "release-orders", tenantId = A });
        (await StateAsync(_a, _keysOfA["instance"])).ShouldBe("COMPLETED");
        (await StateAsync(_b, _keysOfB["instance"])).ShouldBe("ACTIVE", "A's signal is not heard in B");

        // B keeps an incident for the endpoint sweep.
        var second = (await StartAsync(_b, B, "43")).GetProperty("processInstanceKey").GetString()!;
        await IdentityHost.PostAsync(_b, "/v2/messages/correlation", new { name = "order-paid", correlationKey = "43", tenantId = B });
        var failing = (await ActivateAsync(_b, [B])).ShouldHaveSingleItem();
        _keysOfB["job"] = failing.GetProperty("jobKey").GetString()!;
        (await _b.PostAsJsonAsync($"/v2/jobs/{_keysOfB["job"]}/failure", new { retries = 0, errorMessage = "carrier down" })).StatusCode
            .ShouldBe(HttpStatusCode.NoContent);
        var incidents = await IdentityHost.PostAsync(_b, "/v2/incidents/search", new { filter = new { processInstanceKey = second } });
        _keysOfB["incident"] = incidents.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("incidentKey").GetString()!;
        _keysOfB["instance-with-incident"] = second;
        (await IdentityHost.PostAsync(_a, "/v2/incidents/search", new { })).GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(0);

        // The newer read models name each row's own tenant, and their keys join the endpoint sweep.
        var waiting = (await StartAsync(_b, B, "44")).GetProperty("processInstanceKey").GetString()!;
        var subscription = (await IdentityHost.PostAsync(_b, "/v2/message-subscriptions/search", new { filter = new { processInstanceKey = waiting } }))
            .GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        subscription.GetProperty("tenantId").GetString().ShouldBe(B);
        _keysOfB["message-subscription"] = subscription.GetProperty("messageSubscriptionKey").GetString()!;
        var variable = (await IdentityHost.PostAsync(_b, "/v2/variables/search", new { filter = new { processInstanceKey = waiting } }))
            .GetProperty("items").EnumerateArray().First();
        variable.GetProperty("tenantId").GetString().ShouldBe(B);
        // Variable keys come from their own sequence (migration 0022), so one may equal a key of another kind of A's
        // rows: checked on the variable routes only, not in the sweep over every route.
        var variableOfB = variable.GetProperty("variableKey").GetString()!;
        (await _a.GetAsync($"/v2/variables/{variableOfB}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await IdentityHost.PostAsync(_a, "/v2/variables/search", new { })).GetProperty("items").EnumerateArray()
            .ShouldAllBe(v => v.GetProperty("variableKey").GetString() != variableOfB && v.GetProperty("tenantId").GetString() == A);
        var element = (await IdentityHost.PostAsync(_b, "/v2/element-instances/search", new { filter = new { processInstanceKey = waiting } }))
            .GetProperty("items").EnumerateArray().First();
        element.GetProperty("tenantId").GetString().ShouldBe(B);
        _keysOfB["element-instance"] = element.GetProperty("elementInstanceKey").GetString()!;
        var jobs = await IdentityHost.PostAsync(_b, "/v2/jobs/search", new { filter = new { processInstanceKey = second } });
        jobs.GetProperty("items").EnumerateArray().ShouldAllBe(j => j.GetProperty("tenantId").GetString() == B);
        // A's own subscriptions that received their message stay visible to A (CORRELATED, as in Camunda); none of B's.
        (await IdentityHost.PostAsync(_a, "/v2/message-subscriptions/search", new { })).GetProperty("items").EnumerateArray()
            .ShouldAllBe(s => s.GetProperty("tenantId").GetString() == A && s.GetProperty("messageSubscriptionState").GetString() != "CREATED");
    }

    [Test, Order(2)]
    public async Task Every_keyed_route_refuses_B_keys_to_A()
    {
        _keysOfB.ShouldContainKey("incident", "the flow test leaves B's rows for the sweep");
        var routes = Routes().Where(r => r.Pattern.Contains("{key", StringComparison.Ordinal)).ToList();
        routes.Count.ShouldBeGreaterThan(15, "the sweep must see the keyed routes of the host");
        var answers = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            foreach (var (kind, key) in _keysOfB)
            {
                var path = Path(pattern, key);
                using var response = await SendAsync(_a, method, path);
                var text = await response.Content.ReadAsStringAsync();
                // A page (/cases/{key}) is the same shell for every key, its data comes from the API routes checked here too.
                var isPage = !pattern.StartsWith("/api/", StringComparison.Ordinal) && !pattern.StartsWith("/v2/", StringComparison.Ordinal);
                if (response.IsSuccessStatusCode && (!isPage || text.Contains(key, StringComparison.Ordinal) || text.Contains(B, StringComparison.Ordinal)))
                {
                    answers.Add($"{method} {path} ({kind} of B): {(int)response.StatusCode} {text}");
                }
            }
        }
        answers.ShouldBeEmpty("A's user reached B's rows");
        // Not vacuous: the same user reads its own rows through the same routes.
        (await _a.GetAsync($"/v2/process-instances/{_keysOfA["instance"]}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _a.GetAsync($"/v2/user-tasks/{_keysOfA["task"]}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _a.GetAsync($"/api/instances/{_keysOfA["instance"]}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _a.GetAsync($"/v2/process-definitions/{_keysOfA["definition"]}/xml")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test, Order(3)]
    public async Task Every_list_search_and_page_shows_A_nothing_of_B()
    {
        _keysOfB.ShouldContainKey("incident");
        var lists = Routes().Where(r => !r.Pattern.Contains('{', StringComparison.Ordinal) &&
            ((r.Method == "GET" && r.Pattern != "/api/tasks/events") || (r.Method == "POST" && r.Pattern.EndsWith("/search", StringComparison.Ordinal)))).ToList();
        lists.Count.ShouldBeGreaterThan(15);
        var leaks = new List<string>();
        foreach (var (method, pattern) in lists)
        {
            using var response = await SendAsync(_a, method, pattern);
            var text = await response.Content.ReadAsStringAsync();
            var key = _keysOfB.Values.FirstOrDefault(k => text.Contains(k, StringComparison.Ordinal));
            if (key is not null || text.Contains(B, StringComparison.Ordinal))
            {
                leaks.Add($"{method} {pattern}: {(int)response.StatusCode} shows {key ?? B}");
            }
        }
        leaks.ShouldBeEmpty();
        // Totals count A's rows only; B's user sees its own.
        var instancesOfA = await IdentityHost.PostAsync(_a, "/v2/process-instances/search", new { });
        instancesOfA.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);
        instancesOfA.GetProperty("items")[0].GetProperty("tenantId").GetString().ShouldBe(A);
        var definitionsOfB = await IdentityHost.PostAsync(_b, "/v2/process-definitions/search", new { filter = new { tenantId = B } });
        definitionsOfB.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);
        var instancesOfB = await IdentityHost.PostAsync(_b, "/v2/process-instances/search", new { });
        instancesOfB.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(3, "the first, the one with the incident, the one waiting for its message");
    }

    [Test, Order(4)]
    public async Task The_task_event_stream_carries_A_only_A_events()
    {
        var (instanceA, instanceB) = (await StartAsync(_a, A, "77"), await StartAsync(_b, B, "77"));
        using var stream = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events");
        using var response = await _a.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stream.Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        // Both tenants' instances reach their user task while A listens.
        foreach (var (client, tenant, instance) in new[] { (_b, B, instanceB), (_a, A, instanceA) })
        {
            await IdentityHost.PostAsync(client, "/v2/messages/correlation", new { name = "order-paid", correlationKey = "77", tenantId = tenant });
            var job = (await ActivateAsync(client, [tenant])).ShouldHaveSingleItem();
            (await client.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        var taskOfA = await SingleTaskAsync(_a, instanceA.GetProperty("processInstanceKey").GetString()!, "CREATED");
        var taskOfB = await SingleTaskAsync(_b, instanceB.GetProperty("processInstanceKey").GetString()!, "CREATED");
        var seen = new StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stream.Token));
        while (!seen.ToString().Contains(taskOfA, StringComparison.Ordinal))
        {
            seen.AppendLine(await reader.ReadLineAsync(stream.Token));
        }
        seen.ToString().ShouldNotContain(taskOfB);
    }

    [Test]
    public async Task A_tenant_the_caller_does_not_belong_to_is_refused_naming_it()
    {
        var foreign = await _a.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "tenant-order", tenantId = B });
        foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await foreign.Content.ReadAsStringAsync()).ShouldContain($"'{B}'");
        var unnamed = await _a.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "tenant-order" });
        unnamed.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "no silent fallback: A's user is not in the default tenant");
        (await unnamed.Content.ReadAsStringAsync()).ShouldContain("'<default>'");
        var byKey = await IdentityHost.PostAsync(_a, "/v2/process-instances", new { processDefinitionKey = _keysOfA["definition"], variables = new { orderId = "k" } });
        byKey.GetProperty("tenantId").GetString().ShouldBe(A, "a definition key names its tenant");
        (await _a.PostAsJsonAsync("/v2/process-instances", new { processDefinitionKey = _keysOfB["definition"] })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var malformed = await _a.PostAsJsonAsync("/v2/messages/publication", new { name = "order-paid", correlationKey = "42", tenantId = "no such/tenant" });
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await malformed.Content.ReadAsStringAsync()).ShouldContain("tenantId");
        var unknown = await _admin.PostAsJsonAsync("/v2/signals/broadcast", new { signalName = "release-orders", tenantId = "merchant-z" });
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("'merchant-z'");
        var activation = await _a.PostAsJsonAsync("/v2/jobs/activation", new { type = "tenant-ship", maxJobsToActivate = 5, tenantIds = new[] { A, B } });
        activation.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await activation.Content.ReadAsStringAsync()).ShouldContain($"'{B}'");
        var search = await _a.PostAsJsonAsync("/v2/process-instances/search", new { filter = new { tenantId = B } });
        search.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await search.Content.ReadAsStringAsync()).ShouldContain($"'{B}'");
        using var content = new MultipartFormDataContent { { new StringContent(B), "tenantId" } };
        content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Model)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
            "resources", "order.bpmn");
        (await _a.PostAsync("/v2/deployments", content)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task An_admin_sees_every_tenant_and_a_switched_session_sees_one()
    {
        var all = await IdentityHost.PostAsync(_admin, "/v2/process-definitions/search", new { filter = new { processDefinitionId = "tenant-order" } });
        all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("tenantId").GetString()).Order().ShouldBe([A, B]);
        var session = await _host.SignInAsync(IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword);
        var mine = await session.GetFromJsonAsync<JsonElement>("/api/tenants/mine");
        mine.GetProperty("all").GetBoolean().ShouldBeTrue();
        (await session.PutAsJsonAsync("/api/tenants/selection", new { tenantId = B })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var switched = await IdentityHost.PostAsync(session, "/v2/process-definitions/search", new { filter = new { processDefinitionId = "tenant-order" } });
        switched.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("tenantId").GetString().ShouldBe(B);
        (await session.PutAsJsonAsync("/api/tenants/selection", new { tenantId = (string?)null })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var again = await IdentityHost.PostAsync(session, "/v2/process-definitions/search", new { filter = new { processDefinitionId = "tenant-order" } });
        again.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(2);
    }

    private IEnumerable<(string Method, string Pattern)> Routes() =>
        _host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains("**", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct();

    private static string Path(string pattern, string key) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", key);

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(new { });
        }
        return client.SendAsync(request);
    }

    [Test]
    public async Task Job_throughput_counts_only_the_callers_tenants()
    {
        // The counts as an executor flushes them: every finished job under its own tenant.
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ConnectionString);
        var metrics = new Processes.Engine.Jobs.JobMetricsBuffer(dataSource);
        var now = DateTimeOffset.UtcNow;
        metrics.Succeeded("metric-of-a", A, now);
        metrics.Succeeded("metric-of-b", B, now);
        metrics.Failed("metric-of-b", B, now);
        metrics.Succeeded("metric-shared", A, now);
        metrics.Succeeded("metric-shared", B, now);
        metrics.Succeeded("metric-shared", B, now);
        await metrics.FlushAsync(CancellationToken.None);

        async Task<Dictionary<string, int>> ThroughputAsync(HttpClient client) =>
            (await client.GetFromJsonAsync<JsonElement>("/api/operations/throughput?hours=1")).EnumerateArray()
                .Where(m => m.GetProperty("type").GetString()!.StartsWith("metric-", StringComparison.Ordinal))
                .GroupBy(m => m.GetProperty("type").GetString()!)
                .ToDictionary(g => g.Key, g => g.Sum(m => m.GetProperty("succeeded").GetInt32() + m.GetProperty("failed").GetInt32()));

        (await ThroughputAsync(_a)).ShouldBe(new Dictionary<string, int> { ["metric-of-a"] = 1, ["metric-shared"] = 1 }, ignoreOrder: true);
        (await ThroughputAsync(_b)).ShouldBe(new Dictionary<string, int> { ["metric-of-b"] = 2, ["metric-shared"] = 2 }, ignoreOrder: true);
        (await ThroughputAsync(_admin)).ShouldBe(new Dictionary<string, int> { ["metric-of-a"] = 1, ["metric-of-b"] = 2, ["metric-shared"] = 3 }, ignoreOrder: true);
    }

    [Test]
    public async Task The_designer_lists_decisions_and_forms_per_tenant_each_with_its_latest_version()
    {
        async Task DeployFormAsync(string tenant, string label)
        {
            var form = $$"""{"id":"tenant-form","type":"default","components":[{"type":"textfield","key":"note","label":"{{label}}"}]}""";
            using var content = new MultipartFormDataContent { { new StringContent(tenant), "tenantId" } };
            content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(form)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                "resources", "tenant-form.form");
            var response = await _admin.PostAsync("/v2/deployments", content);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        await DeployFormAsync(A, "Note of A");
        await DeployFormAsync(B, "Note of B");
        await DeployFormAsync(B, "Note of B, second version");

        async Task<List<string>> FormsAsync(HttpClient client) =>
            [.. (await client.GetFromJsonAsync<JsonElement>("/api/designer/models")).EnumerateArray()
                .Where(m => m.GetProperty("id").GetString() == "tenant-form")
                .Select(m => $"{m.GetProperty("tenantId").GetString()} v{m.GetProperty("version").GetInt32()}{(m.GetProperty("isLatest").GetBoolean() ? " latest" : "")}")
                .Order(StringComparer.Ordinal)];

        (await FormsAsync(_a)).ShouldBe([$"{A} v1 latest"]);
        (await FormsAsync(_b)).ShouldBe([$"{B} v1", $"{B} v2 latest"]);
        (await FormsAsync(_admin)).ShouldBe([$"{A} v1 latest", $"{B} v1", $"{B} v2 latest"], "the same id in two tenants is two models, each with its latest");
    }

    private static async Task<JsonElement> DeployAsync(HttpClient client, string tenant)
    {
        using var content = new MultipartFormDataContent { { new StringContent(tenant), "tenantId" } };
        content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Model)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
            "resources", "order.bpmn");
        var response = await client.PostAsync("/v2/deployments", content);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> StartAsync(HttpClient client, string tenant, string orderId) =>
        IdentityHost.PostAsync(client, "/v2/process-instances", new { processDefinitionId = "tenant-order", tenantId = tenant, variables = new { orderId } });

    private static async Task<List<JsonElement>> ActivateAsync(HttpClient client, string[]? tenants, string? filter = null)
    {
        var activated = await IdentityHost.PostAsync(client, "/v2/jobs/activation",
            new { type = "tenant-ship", worker = "w", timeout = 60_000, maxJobsToActivate = 10, tenantIds = tenants, tenantFilter = filter });
        return [.. activated.GetProperty("jobs").EnumerateArray()];
    }

    private static async Task<string> SingleTaskAsync(HttpClient client, string instanceKey, string? state = null)
    {
        var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instanceKey, state } });
        return found.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("userTaskKey").GetString()!;
    }

    private static async Task CompleteTaskAsync(HttpClient client, TestUser user, string taskKey)
    {
        (await client.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = user.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    private static async Task<string> StateAsync(HttpClient client, string instanceKey) =>
        (await client.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instanceKey}")).GetProperty("state").GetString()!;
}
