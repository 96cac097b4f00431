using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Tests.Activities;
using Processes.Tests.Execution;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// Base of the end-to-end scenarios of the shipped fulfilment and settlement models: the real host with its engine
/// node and the real handlers, on a <see cref="ManualClock"/> the test moves by hand (the timer scheduler looks again
/// every 200 ms), and three loopback <see cref="FakeServer"/>s: the SMS gateway, the settlement ledger (the http
/// activity's target) and the payment API (the refund activity's). The models name their endpoints by connector
/// secrets (LEDGER_URL, DISPATCHERS_CHAT_WEBHOOK), configured here to point at the ledger
/// server — what an operator configures; the shipped models run as deployed at start-up.
/// </summary>
public abstract class ShippedHttpScenario : HostedScenario
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private protected FakeServer Sms = null!;
    private protected FakeServer Ledger = null!;
    private protected FakeServer Payments = null!;
    private protected FakeServer Platform = null!;
    private protected HttpClient Admin = null!;
    private protected ManualClock Clock = null!;

    /// <summary>What the tmall platform signs its webhook calls with (the connector secret TMALL_WEBHOOK_SECRET).</summary>
    private protected const string WebhookSecret = "tmall-shared-secret";

    /// <summary>Where the scenario's clock starts.</summary>
    protected abstract DateTimeOffset Start { get; }

    [OneTimeSetUp]
    public async Task StartHost()
    {
        Sms = await StartServerAsync();
        Sms.Respond = request => new FakeAnswer(200, $$"""{"messageId": "gw-{{request.Header("Idempotency-Key")}}", "status": "SENT"}""");
        Ledger = await StartServerAsync();
        Payments = await StartServerAsync();
        Platform = await StartServerAsync();
        Clock = new ManualClock(Start);
        Host = IdentityHost.Start(ConnectionString, logs: Logs, clock: Clock, settings: new Dictionary<string, string>
        {
            ["Processes:Engine:Timers:SafetyPollInterval"] = "00:00:00.200",
            ["Processes:Activities:Sms:Provider"] = "http",
            ["Processes:Activities:Sms:Url"] = new Uri(Sms.BaseUrl, "sms").ToString(),
            ["Processes:Activities:Refund:BaseUrl"] = Payments.BaseUrl.ToString(),
            ["Processes:Secrets:LEDGER_URL"] = new Uri(Ledger.BaseUrl, "api").ToString(),
            ["Processes:Secrets:DISPATCHERS_CHAT_WEBHOOK"] = new Uri(Ledger.BaseUrl, "hooks/dispatchers").ToString(),
            ["Processes:Activities:Verification:Secret"] = "scenario-secret",
            ["Processes:Secrets:TMALL_WEBHOOK_SECRET"] = WebhookSecret,
            ["Processes:Secrets:TMALL_STATUS_URL"] = new Uri(Platform.BaseUrl, "tmall/status").ToString(),
            ["Processes:Secrets:JD_STATUS_URL"] = new Uri(Platform.BaseUrl, "jd/status").ToString(),
            ["Processes:Secrets:ERP_ORDERS_URL"] = new Uri(Platform.BaseUrl, "erp/orders").ToString(),
        });
        Admin = await Host.AdminAsync();
        // The shipped files are deployed and the SMS templates seeded at start-up; wait for the last of them.
        await EventuallyAsync("the shipped SMS templates", async () =>
        {
            var response = await Admin.GetAsync(new Uri("/api/sms-templates/VERIFICATION_CODE", UriKind.Relative));
            return response.IsSuccessStatusCode ? (JsonElement?)default(JsonElement) : null;
        }, null);
    }

    private protected async Task<TestUser> UserAsync(string[] roles, params string[] groups)
    {
        foreach (var group in groups)
        {
            var response = await Admin.PostAsJsonAsync("/api/groups", new { name = group, displayName = group });
            response.StatusCode.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.Conflict], await response.Content.ReadAsStringAsync());
        }
        return await Host.CreateUserAsync(roles: roles, groups: groups);
    }

    /// <summary>The one open task of an element in an instance, as the given user finds it through /v2/user-tasks/search.</summary>
    private protected async Task<JsonElement> OpenTaskAsync(long instance, string elementId, HttpClient client) =>
        (await OpenTasksAsync(instance, elementId, client, 1))[0];

    private protected async Task<List<JsonElement>> OpenTasksAsync(long instance, string elementId, HttpClient client, int count)
    {
        var key = instance.ToString(CultureInfo.InvariantCulture);
        List<JsonElement> tasks = [];
        await EventuallyAsync($"{count} open task(s) {elementId}", async () =>
        {
            var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { elementId, state = "CREATED", processInstanceKey = key } });
            tasks = [.. found.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("processInstanceKey").GetString() == key)];
            return tasks.Count == count ? (JsonElement?)default(JsonElement) : null;
        }, instance);
        return tasks;
    }

    /// <summary>Claims the task for the user (unless it is theirs already) and completes it with the form's variables.</summary>
    private protected static async Task ClaimAndCompleteAsync(HttpClient client, TestUser user, JsonElement task, object variables)
    {
        var key = task.GetProperty("userTaskKey").GetString()!;
        if (!task.TryGetProperty("assignee", out var assignee) || assignee.ValueKind != JsonValueKind.String)
        {
            var claim = await client.PostAsJsonAsync($"/v2/user-tasks/{key}/assignment", new { assignee = user.UserName });
            claim.StatusCode.ShouldBe(HttpStatusCode.NoContent, await claim.Content.ReadAsStringAsync());
        }
        var complete = await client.PostAsJsonAsync($"/v2/user-tasks/{key}/completion", new { variables });
        complete.StatusCode.ShouldBe(HttpStatusCode.NoContent, await complete.Content.ReadAsStringAsync());
    }

    private protected async Task<JsonElement> InstanceAsync(long instance) =>
        await Admin.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}");

    /// <summary>Waits until the instance has a live element with this id (and no incident).</summary>
    private protected Task<JsonElement> WaitAtAsync(long instance, string elementId) =>
        EventuallyAsync($"the instance to wait at {elementId}", async () =>
        {
            var view = await InstanceAsync(instance);
            view.GetProperty("incidents").GetArrayLength().ShouldBe(0, view.ToString());
            return view.GetProperty("activeElements").EnumerateArray().Any(e => e.GetProperty("elementId").GetString() == elementId) ? view : null;
        }, instance);

    private protected Task<JsonElement> CompletedAsync(long instance) =>
        EventuallyAsync("the instance to complete", async () =>
        {
            var view = await InstanceAsync(instance);
            return view.GetProperty("instance").GetProperty("state").GetString() == "COMPLETED" ? view : null;
        }, instance);

    /// <summary>The instance's whole history, page by page.</summary>
    private protected Task<List<JsonElement>> HistoryAsync(long instance) =>
        ScenarioHttp.HistoryAsync(Admin, instance.ToString(CultureInfo.InvariantCulture));

    private protected static List<string> Completed(IEnumerable<JsonElement> history) =>
        [.. history.Where(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED").Select(e => e.GetProperty("elementId").GetString()!)];

    /// <summary>Polls until <paramref name="probe"/> finds something; fails with the instance's state if it never does.</summary>
    private protected Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe, long? instance) =>
        ScenarioHttp.EventuallyAsync(what, probe, Admin, instance?.ToString(CultureInfo.InvariantCulture), Logs, Patience);
}
