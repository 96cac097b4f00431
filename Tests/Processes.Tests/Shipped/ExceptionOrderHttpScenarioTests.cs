using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped exception-order model end to end through the real host: its engine node with the real <c>assign</c>,
/// <c>http</c> and <c>refund</c> handlers, and only the HTTP API from the outside. One loopback
/// <see cref="FakeServer"/> is both the group chat (the model's url <c>{{secrets.EXCEPTION_CHAT_WEBHOOK}}</c>, configured
/// here as Processes:Secrets:EXCEPTION_CHAT_WEBHOOK, as an operator would) and the payment API,
/// which honours <c>Idempotency-Key</c>. The review threshold is 100, so the refunds here need finance's approval.
/// </summary>
public sealed class ExceptionOrderHttpScenarioTests : HostedScenario
{
    private const string DeclinedOrder = "O-7702";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly IdempotentProvider _payments = new((request, n) =>
        JsonNode.Parse(request.Body)!["orderId"]!.GetValue<string>() == DeclinedOrder
            ? new FakeAnswer(422, """{"code": "ALREADY_REFUNDED", "message": "refunded on 20 Nov"}""")
            : new FakeAnswer(200, $$"""{"refundId": "R-{{n}}", "status": "REFUNDED"}"""));
    private FakeServer _remote = null!;
    private HttpClient _admin = null!;
    private TestUser _responsible = null!;
    private TestUser _finance = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _remote = await StartServerAsync();
        _remote.Respond = request => request.PathAndQuery == "/refunds" ? _payments.Respond(request) : new FakeAnswer(200, """{"errcode": 0}""");
        Host = IdentityHost.Start(ConnectionString, logs: Logs, settings: new Dictionary<string, string>
        {
            ["Processes:Activities:Refund:BaseUrl"] = _remote.BaseUrl.ToString(),
            ["Processes:Activities:Refund:ReviewThreshold"] = "100",
            ["Processes:Secrets:EXCEPTION_CHAT_WEBHOOK"] = new Uri(_remote.BaseUrl, "hooks/exception-orders").ToString(),
        });
        _admin = await Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "finance", "Finance");
        _responsible = await Host.CreateUserAsync(roles: [Roles.Agent]);
        // The finance role alone works the refund reviews: the task API admits whoever works tasks.
        _finance = await Host.CreateUserAsync(roles: [Roles.Finance], groups: ["finance"]);
    }

    [Test]
    public async Task A_refund_above_the_threshold_is_approved_by_finance_and_paid_once_with_the_job_key_as_idempotency_key()
    {
        var order = await StartOrderAsync("O-7701");
        await RecordUpdateAsync(order, new { updateType = "refund", note = "parcel lost", refundAmount = 250, refundReason = "lost" });
        await ApproveRefundAsync(order);

        // The instance moves on to the next update once the refund is paid.
        await OpenTaskAsync(order, "RecordUpdate", _admin);
        var refunds = _remote.Requests.Where(r => r.PathAndQuery == "/refunds").ToList();
        var refund = refunds.ShouldHaveSingleItem("one call at the payment API");
        _payments.Effects.ShouldBe(1);
        refund.Method.ShouldBe("POST");
        var jobKey = await RefundJobKeyAsync(order);
        refund.Header("Idempotency-Key").ShouldBe(jobKey.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var body = JsonNode.Parse(refund.Body)!;
        body["orderId"]!.GetValue<string>().ShouldBe("O-7701");
        body["amount"]!.GetValue<decimal>().ShouldBe(250m);
        body["currency"]!.GetValue<string>().ShouldBe("CNY");
        body["reason"]!.GetValue<string>().ShouldBe("lost");

        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}");
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        var variables = view.GetProperty("variables");
        variables.GetProperty("refundStatus").GetString().ShouldBe("refunded");
        variables.GetProperty("refundApproved").GetBoolean().ShouldBeTrue();
        variables.GetProperty("updateCount").GetInt32().ShouldBe(1);

        await RecordUpdateAsync(order, new { updateType = "close", note = "refunded 250" });
        await EventuallyAsync("the exception to close", async () =>
        {
            var instance = await _admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{order}");
            return instance.GetProperty("state").GetString() == "COMPLETED" ? (JsonElement?)instance : null;
        }, order);
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}")).GetProperty("variables")
            .GetProperty("resolution").GetString().ShouldBe("refunded 250");
        _remote.Requests.Count(r => r.PathAndQuery == "/refunds").ShouldBe(1, "closing does not refund again");
    }

    [Test]
    public async Task A_refund_the_payment_api_declines_as_already_refunded_is_caught_by_the_error_boundary()
    {
        var order = await StartOrderAsync(DeclinedOrder);
        await RecordUpdateAsync(order, new { updateType = "refund", note = "refund again", refundAmount = 120, refundReason = "goodwill" });
        await ApproveRefundAsync(order);

        await OpenTaskAsync(order, "RecordUpdate", _admin);
        var declined = _remote.Requests.Where(r => r.PathAndQuery == "/refunds" && r.Body.Contains(DeclinedOrder, StringComparison.Ordinal)).ToList()
            .ShouldHaveSingleItem("a decline is not retried");
        declined.Header("Idempotency-Key").ShouldBe((await RefundJobKeyAsync(order)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}");
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        view.GetProperty("variables").GetProperty("refundStatus").GetString().ShouldBe("already-refunded");
        (await CountAsync("SELECT count(*) FROM refund_sent WHERE process_instance_key = @order", order)).ShouldBe(0);
        var history = await HistoryAsync(order);
        history.ShouldContain(e => e.GetProperty("event").GetString() == "JOB_ERROR_THROWN"
            && e.GetProperty("details").GetProperty("errorCode").GetString() == "ALREADY_REFUNDED");
        history.ShouldContain(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED" && e.GetProperty("elementId").GetString() == "RecordAlreadyRefunded");
    }

    [Test]
    public async Task A_refund_revoked_before_finance_acts_cancels_the_review_and_pays_nothing()
    {
        var order = await StartOrderAsync("O-7703");
        await RecordUpdateAsync(order, new { updateType = "refund", note = "customer asked for a refund", refundAmount = 300, refundReason = "goodwill" });
        var review = await OpenTaskAsync(order, "FinanceReview", Host.Bearer(_finance.ApiKey));

        // The customer changes their mind: the agent revokes the request while it waits for finance.
        var revoke = await Host.Bearer(_responsible.ApiKey).PostAsJsonAsync("/v2/messages/publication",
            new { name = "refund-revoked", correlationKey = "O-7703", variables = new { revokedBy = _responsible.UserName } });
        revoke.IsSuccessStatusCode.ShouldBeTrue(await revoke.Content.ReadAsStringAsync());

        await OpenTaskAsync(order, "RecordUpdate", Host.Bearer(_responsible.ApiKey));
        var gone = await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{review.GetProperty("userTaskKey").GetString()}");
        gone.GetProperty("state").GetString().ShouldBe("CANCELED");
        var claim = await Host.Bearer(_finance.ApiKey).PostAsJsonAsync($"/v2/user-tasks/{review.GetProperty("userTaskKey").GetString()}/assignment",
            new { assignee = _finance.UserName });
        claim.StatusCode.ShouldBe(HttpStatusCode.NotFound,
            "finance can no longer act on a revoked request: a cancelled review it never held is no longer finance's to see (the visibility rule)");

        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}");
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        view.GetProperty("variables").GetProperty("refundStatus").GetString().ShouldBe("revoked");
        view.GetProperty("variables").GetProperty("revokedBy").GetString().ShouldBe(_responsible.UserName);
        _remote.Requests.Count(r => r.PathAndQuery == "/refunds" && r.Body.Contains("O-7703", StringComparison.Ordinal)).ShouldBe(0);
        (await HistoryAsync(order)).ShouldContain(e => e.GetProperty("event").GetString() == "ELEMENT_COMPLETED"
            && e.GetProperty("elementId").GetString() == "RecordRevoked");
        await RecordUpdateAsync(order, new { updateType = "close", note = "no refund wanted after all" });
    }

    [Test]
    public async Task Refunds_follow_the_requesting_agents_position_limit_end_to_end()
    {
        // Positions (migration 0059): a senior may grant 500 alone, a junior 50; the configured threshold is 100.
        (await _admin.PutAsJsonAsync("/api/positions/eo-senior", new { title = "Senior exception agent", refundLimit = 500m })).EnsureSuccessStatusCode();
        (await _admin.PutAsJsonAsync("/api/positions/eo-junior", new { title = "Exception agent", refundLimit = 50m })).EnsureSuccessStatusCode();
        var senior = await Host.CreateUserAsync(roles: [Roles.Agent]);
        var junior = await Host.CreateUserAsync(roles: [Roles.Agent]);
        foreach (var (agent, position) in new[] { (senior, "eo-senior"), (junior, "eo-junior") })
        {
            var profile = await _admin.PutAsJsonAsync($"/api/agents/{agent.UserName}", new
            {
                skills = new[] { "exceptions" }, regions = new[] { "Suzhou" }, languages = new[] { "zh" }, tiers = new[] { "regular" }, capacity = 5, onDuty = true,
                position,
            });
            profile.StatusCode.ShouldBe(HttpStatusCode.OK, await profile.Content.ReadAsStringAsync());
        }

        // 200 is within the senior's limit: paid at once, no finance review.
        var seniorOrder = await StartOrderAsync("O-7710", senior);
        await RecordUpdateAsync(seniorOrder, new { updateType = "refund", note = "goodwill", refundAmount = 200, refundReason = "goodwill" }, senior);
        await OpenTaskAsync(seniorOrder, "RecordUpdate", _admin);
        var seniorView = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{seniorOrder}");
        seniorView.GetProperty("variables").GetProperty("refundStatus").GetString().ShouldBe("refunded");
        seniorView.GetProperty("variables").GetProperty("refundReviewed").GetBoolean().ShouldBeFalse();
        RefundCalls("O-7710").ShouldBe(1);
        (await HistoryAsync(seniorOrder)).Any(e => e.TryGetProperty("elementId", out var id) && id.GetString() == "FinanceReview").ShouldBeFalse("no finance review");

        // The same 200 is above the junior's limit: finance reviews it, and only the approved refund is paid.
        var juniorOrder = await StartOrderAsync("O-7711", junior);
        await RecordUpdateAsync(juniorOrder, new { updateType = "refund", note = "goodwill", refundAmount = 200, refundReason = "goodwill" }, junior);
        var review = await OpenTaskAsync(juniorOrder, "FinanceReview", Host.Bearer(_finance.ApiKey));
        review.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["finance"]);
        RefundCalls("O-7711").ShouldBe(0, "nothing is paid before finance approves");
        await ApproveRefundAsync(juniorOrder);
        await OpenTaskAsync(juniorOrder, "RecordUpdate", _admin);
        var juniorView = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{juniorOrder}");
        juniorView.GetProperty("variables").GetProperty("refundStatus").GetString().ShouldBe("refunded");
        juniorView.GetProperty("variables").GetProperty("refundReviewed").GetBoolean().ShouldBeTrue();
        RefundCalls("O-7711").ShouldBe(1);
    }

    private int RefundCalls(string orderId) =>
        _remote.Requests.Count(r => r.PathAndQuery == "/refunds" && JsonNode.Parse(r.Body)!["orderId"]!.GetValue<string>() == orderId);

    /// <summary>Starts an order as the responsible; the group chat hears of it once the manual assignment is decided.</summary>
    private async Task<long> StartOrderAsync(string orderId, TestUser? responsibleUser = null)
    {
        var responsiblePerson = responsibleUser ?? _responsible;
        var client = Host.Bearer(responsiblePerson.ApiKey);
        var response = await client.PostAsJsonAsync("/v2/process-instances", new
        {
            processDefinitionId = "exception-order",
            variables = new
            {
                orderId,
                customer = new { id = "C-9", phone = "+86 135 0000 0009", tier = "regular", city = "Suzhou" },
                problemType = "payment-failure",
                problemDetail = "duplicate-charge",
                responsible = responsiblePerson.UserName,
            },
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return long.Parse(JsonDocument.Parse(text).RootElement.GetProperty("processInstanceKey").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The responsible records an update. The model's <c>assign</c> task runs in mode <c>manual</c> with the reported
    /// responsible as <c>requestedAssignee</c>, so the update task is already in the responsible's own list.
    /// </summary>
    private async Task RecordUpdateAsync(long order, object form, TestUser? responsibleUser = null)
    {
        var person = responsibleUser ?? _responsible;
        var responsible = Host.Bearer(person.ApiKey);
        var task = await OpenTaskAsync(order, "RecordUpdate", responsible);
        task.GetProperty("assignee").GetString().ShouldBe(person.UserName, "the order moves to the responsible person's list");
        var key = task.GetProperty("userTaskKey").GetString()!;
        var complete = await responsible.PostAsJsonAsync($"/v2/user-tasks/{key}/completion", new { variables = form });
        complete.StatusCode.ShouldBe(HttpStatusCode.NoContent, await complete.Content.ReadAsStringAsync());
    }

    /// <summary>The chat hears of the review; a finance user finds it in the finance group, claims and approves it.</summary>
    private async Task ApproveRefundAsync(long order)
    {
        var finance = Host.Bearer(_finance.ApiKey);
        var review = await OpenTaskAsync(order, "FinanceReview", finance);
        review.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["finance"]);
        var key = review.GetProperty("userTaskKey").GetString()!;
        var claim = await finance.PostAsJsonAsync($"/v2/user-tasks/{key}/assignment", new { assignee = _finance.UserName });
        claim.StatusCode.ShouldBe(HttpStatusCode.NoContent, await claim.Content.ReadAsStringAsync());
        var approve = await finance.PostAsJsonAsync($"/v2/user-tasks/{key}/completion", new { variables = new { refundApproved = true } });
        approve.StatusCode.ShouldBe(HttpStatusCode.NoContent, await approve.Content.ReadAsStringAsync());

        var chat = _remote.Requests.Where(r => r.PathAndQuery == "/hooks/exception-orders").ToList();
        chat.Count.ShouldBeGreaterThanOrEqualTo(2, "the assignment and the finance review were announced");
        chat.ShouldAllBe(r => r.Method == "POST");
    }

    private async Task<JsonElement> OpenTaskAsync(long order, string elementId, HttpClient client) =>
        await EventuallyAsync($"the task {elementId}", async () =>
        {
            var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search",
                new { filter = new { elementId, state = "CREATED", processInstanceKey = order.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            return found.GetProperty("items").EnumerateArray()
                .Where(t => t.GetProperty("processInstanceKey").GetString() == order.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(t => (JsonElement?)t).FirstOrDefault();
        }, order);

    /// <summary>The refund job's key, from the instance history (a finished job's row is gone).</summary>
    private async Task<long> RefundJobKeyAsync(long order) =>
        (await HistoryAsync(order)).Single(e => e.GetProperty("event").GetString() == "JOB_CREATED" && e.GetProperty("elementId").GetString() == "Refund")
            .GetProperty("details").GetProperty("jobKey").GetInt64();

    /// <summary>The order's whole history, page by page.</summary>
    private Task<List<JsonElement>> HistoryAsync(long order) =>
        ScenarioHttp.HistoryAsync(_admin, order.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task<long> CountAsync(string sql, long order)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, new { order });
    }

    /// <summary>Polls until <paramref name="probe"/> finds something; fails with the order's incidents if it never does.</summary>
    private Task<JsonElement> EventuallyAsync(string what, Func<Task<JsonElement?>> probe, long order) =>
        ScenarioHttp.EventuallyAsync(what, probe, _admin, order.ToString(System.Globalization.CultureInfo.InvariantCulture), Logs, Patience);
}
