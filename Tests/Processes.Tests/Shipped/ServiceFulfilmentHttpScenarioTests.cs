using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped service fulfilment end to end over HTTP with the real assign, sms, verification-code and http handlers:
/// a tmall order published by the platform adapter is offered for grabbing, nobody grabs it before the grab timeout
/// (the clock is moved), a dispatcher assigns it by hand, the technician accepts, the customer gets the appointment
/// and the verification code by SMS, the technician enters a wrong code and then the right one, the survey goes out, the audit period
/// passes (the clock is moved a week) and the fee is released to the ledger once.
/// </summary>
public sealed partial class ServiceFulfilmentHttpScenarioTests : ShippedHttpScenario
{
    [GeneratedRegex(@"verification code is (?<code>\d{6})\.")]
    private static partial Regex CodeInSms();

    /// <summary>Monday 23 Nov 2026, 09:00 UTC.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_platform_order_falls_back_from_grab_to_manual_dispatch_is_verified_by_sms_code_and_its_fee_released_after_the_audit_period()
    {
        var adapter = Host.Bearer((await UserAsync([Roles.Agent])).ApiKey);
        var tom = await UserAsync([Roles.Agent], "net-hz-technicians");
        var tomClient = Host.Bearer(tom.ApiKey);
        var dispatcher = await UserAsync([Roles.Agent], "dispatchers");
        var dispatcherClient = Host.Bearer(dispatcher.ApiKey);
        var supervisor = Host.Bearer((await UserAsync([Roles.Supervisor])).ApiKey);
        var profile = await supervisor.PutAsJsonAsync($"/api/agents/{tom.UserName}",
            new { skills = new[] { "install" }, regions = new[] { "Hangzhou" }, languages = new[] { "zh" }, tiers = new[] { "regular" }, capacity = 5, onDuty = true });
        profile.StatusCode.ShouldBe(HttpStatusCode.OK, await profile.Content.ReadAsStringAsync());

        // The platform's status endpoint fails the first "visited" call: the http activity retries it with the same key.
        var failedOnce = 0;
        Platform.Respond = r => r.Body.Contains("\"VISITED\"", StringComparison.Ordinal) && Interlocked.Exchange(ref failedOnce, 1) == 0
            ? new FakeAnswer(503, "{}") : new FakeAnswer(200, "{}");

        // The tmall adapter publishes the platform's own order shape.
        var published = await adapter.PostAsJsonAsync("/v2/messages/publication", new
        {
            name = "service-order-received",
            correlationKey = "TM-3001",
            timeToLive = 0,
            variables = new
            {
                platform = "tmall",
                dispatchMode = "grab",
                followUpSampled = false,
                order = new
                {
                    tid = "TM-3001",
                    buyer = new { nick = "buyer-31", mobile = "+8613800000031", vip = false },
                    receiver = new { city = "Hangzhou", address = "31 West Lake Rd" },
                    orders = new object[]
                    {
                        new { outer_sku_id = "AC-9", title = "Air conditioner", num = 1, needs_service = true },
                        new { outer_sku_id = "BAT-2", title = "Remote batteries", num = 2, needs_service = false },
                    },
                    service_type = "INSTALL",
                    service_network = "net-hz",
                    service_fee = 180,
                    need_merchant_confirm = false,
                },
            },
        });
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var order = await InstanceOfAsync("service-fulfilment");

        // Grab: offered to the network's technicians, nobody takes it within the default 30 minutes.
        var grab = await OpenTaskAsync(order, "GrabOrder", tomClient);
        grab.TryGetProperty("assignee", out _).ShouldBeFalse("an unassigned task has no assignee field");
        grab.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["net-hz-technicians"]);
        var view = await InstanceAsync(order);
        view.GetProperty("variables").GetProperty("proposedTechnician").GetString().ShouldBe(tom.UserName, "the region has capacity");
        Clock.Advance(TimeSpan.FromMinutes(31));

        var manual = await OpenTaskAsync(order, "ManualDispatch", dispatcherClient);
        await ClaimAndCompleteAsync(dispatcherClient, dispatcher, manual, new { technician = tom.UserName });

        var accept = await OpenTaskAsync(order, "Accept", tomClient);
        accept.GetProperty("assignee").GetString().ShouldBe(tom.UserName);
        await ClaimAndCompleteAsync(tomClient, tom, accept, new { accepted = true, appointmentDate = "2026-11-25T10:00:00+08:00" });

        var visit = await OpenTaskAsync(order, "Visit", tomClient);
        visit.GetProperty("dueDate").GetString().ShouldStartWith("2026-11-25T02:00:00");
        await ClaimAndCompleteAsync(tomClient, tom, visit, new { visitReport = "installed, tested" });

        // The code reaches the customer by SMS only; the technician first mistypes it.
        var enter = await OpenTaskAsync(order, "EnterCode", tomClient);
        var codeSms = SmsTo("+8613800000031").Single(r => CodeInSms().IsMatch(r.Text));
        var code = CodeInSms().Match(codeSms.Text).Groups["code"].Value;
        var wrong = code == "999999" ? "999998" : "999999";
        await ClaimAndCompleteAsync(tomClient, tom, enter, new { enteredCode = wrong, photoUrl = "https://photos.example/TM-3001-a.jpg" });
        await EventuallyAsync("the wrong code to be checked", async () =>
        {
            var variables = (await InstanceAsync(order)).GetProperty("variables");
            return variables.TryGetProperty("verificationAttempts", out var attempts) && attempts.GetInt32() == 1 ? variables : null;
        }, order);
        enter = await OpenTaskAsync(order, "EnterCode", tomClient);
        await ClaimAndCompleteAsync(tomClient, tom, enter, new { enteredCode = code, photoUrl = "https://photos.example/TM-3001-b.jpg" });

        // The audit period (P7D) passes on the moved clock; the fee goes to the ledger.
        view = await WaitAtAsync(order, "AuditPeriod");
        Ledger.Requests.Where(r => r.PathAndQuery == "/api/fees/released").ShouldBeEmpty("not before the audit period is over");
        Clock.Advance(TimeSpan.FromDays(7));
        view = await CompletedAsync(order);

        var release = Ledger.Requests.Where(r => r.PathAndQuery == "/api/fees/released").ToList().ShouldHaveSingleItem("the fee is released once");
        release.Method.ShouldBe("POST");
        release.Header("Idempotency-Key").ShouldNotBeNullOrEmpty();
        JsonNode.DeepEquals(JsonNode.Parse(release.Body), JsonNode.Parse("""{"serviceOrderId": "TM-3001", "network": "net-hz", "fee": 180, "period": "2026-11"}"""))
            .ShouldBeTrue(release.Body);

        var sms = SmsTo("+8613800000031");
        sms.Select(s => s.Text).ShouldBe([
            $"Service order TM-3001: {tom.UserName} will visit you on 2026-11-25T10:00:00+08:00.",
            $"Service order TM-3001: your verification code is {code}. Give it to the technician only once the work is done.",
            $"How was the visit of {tom.UserName} for service order TM-3001? Reply 1-5.",
        ], "the appointment, the code and the survey, once each");
        Sms.Requests.Count.ShouldBe(3, "no acceptance reminder: accepted within the SLA");
        Sms.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Count().ShouldBe(3);

        // Status back-sync: tmall heard each change exactly once (distinct Idempotency-Keys), in order, with its details.
        var calls = Platform.Requests.Where(r => r.PathAndQuery == "/tmall/status").ToList();
        calls.ShouldAllBe(r => r.Method == "POST" && !string.IsNullOrEmpty(r.Header("Idempotency-Key")));
        var changes = calls.GroupBy(r => r.Header("Idempotency-Key")).Select(g => JsonNode.Parse(g.First().Body)!).ToList();
        changes.Select(c => c["status"]!.GetValue<string>()).ShouldBe(["ACCEPTED", "VISITED", "VERIFIED", "COMPLETED"]);
        changes.ShouldAllBe(c => c["tid"]!.GetValue<string>() == "TM-3001");
        changes[0]["detail"]!["technician"]!.GetValue<string>().ShouldBe(tom.UserName);
        changes[0]["detail"]!["appointmentDate"]!.GetValue<string>().ShouldBe("2026-11-25T10:00:00+08:00");
        changes[2]["detail"]!["photo"]!.GetValue<string>().ShouldBe("https://photos.example/TM-3001-b.jpg");
        calls.Count.ShouldBe(5, "VISITED answered 503 once and was sent again under the same key");

        var final = view.GetProperty("variables");
        final.GetProperty("feeStatus").GetString().ShouldBe("released");
        final.GetProperty("fulfilmentStatus").GetString().ShouldBe("fulfilled");
        final.GetProperty("technician").GetString().ShouldBe(tom.UserName);
        final.GetProperty("verificationAttempts").GetInt32().ShouldBe(2);
        final.GetProperty("codeVerified").GetBoolean().ShouldBeTrue();
        final.GetProperty("photoUrl").GetString().ShouldBe("https://photos.example/TM-3001-b.jpg");
        final.GetProperty("serviceOrder").GetProperty("items").GetArrayLength().ShouldBe(1, "the batteries need no service");
        final.GetProperty("enteredCode").ValueKind.ShouldBe(JsonValueKind.Null, "cleared once checked");
        final.ToString().ShouldNotContain($"\"{code}\"", customMessage: "the code is not a variable");
        final.TryGetProperty("verificationCodeHash", out var hash).ShouldBeTrue();
        hash.GetString()!.ShouldStartWith("v1:");

        var history = await HistoryAsync(order);
        var completed = Completed(history);
        completed.ShouldContain("GrabTimedOut");
        completed.ShouldContain("ManualDispatch");
        completed.Count(e => e == "CheckCode").ShouldBe(2);
        completed.ShouldContain("AuditPeriod");
        completed.ShouldContain("FeeReleased");
        completed.ShouldNotContain("GrabOrder", "the grab timeout interrupted it");
        history.ShouldContain(e => e.GetProperty("event").GetString() == "ELEMENT_TERMINATED" && e.GetProperty("elementId").GetString() == "GrabOrder");
        completed.IndexOf("GrabTimedOut").ShouldBeLessThan(completed.IndexOf("ManualDispatch"));

        // The supervisors' reports count this order: one acceptance offer, accepted; one verification, passed (after a
        // wrong code: the order's result counts); 180 released to net-hz for November, nothing frozen or paid yet.
        const string range = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";
        var fulfilment = (await Admin.GetFromJsonAsync<JsonElement>($"/api/reports/fulfilment?{range}")).GetProperty("rows").EnumerateArray().ToList();
        var network = fulfilment.ShouldHaveSingleItem();
        network.GetProperty("network").GetString().ShouldBe("net-hz");
        (network.GetProperty("orders").GetInt64(), network.GetProperty("offers").GetInt64(), network.GetProperty("accepted").GetInt64(),
            network.GetProperty("verifications").GetInt64(), network.GetProperty("verified").GetInt64()).ShouldBe((1L, 1L, 1L, 1L, 1L));
        network.GetProperty("acceptanceRatePercent").GetDouble().ShouldBe(100.0);
        (await Admin.GetStringAsync(new Uri($"/api/reports/settlement?{range}&format=csv", UriKind.Relative)))
            .ShouldBe("network,period,releasedOrders,released,frozenOrders,frozen,paid\r\nnet-hz,2026-11,1,180,0,0,0\r\n");

        // Per-order settlement: the fee is in net-hz's pool once. Finance cannot withdraw more than the pool holds;
        // a withdrawal within it is reserved, a retried request is the same one, a rejection returns it.
        var finance = Host.Bearer((await UserAsync([Roles.Finance])).ApiKey);
        var pools = await finance.GetFromJsonAsync<JsonElement>("/api/settlement/pools?network=net-hz");
        pools.GetProperty("items")[0].GetProperty("available").GetDecimal().ShouldBe(180m);
        var above = await finance.PostAsJsonAsync("/api/settlement/withdrawals", new { network = "net-hz", amount = 180.01m, requestId = "W-1" });
        above.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await above.Content.ReadAsStringAsync()).ShouldContain("has 180.00 available");
        var within = await finance.PostAsJsonAsync("/api/settlement/withdrawals", new { network = "net-hz", amount = 150.5m, requestId = "W-2" });
        within.StatusCode.ShouldBe(HttpStatusCode.OK, await within.Content.ReadAsStringAsync());
        var withdrawal = await within.Content.ReadFromJsonAsync<JsonElement>();
        withdrawal.GetProperty("state").GetString().ShouldBe("requested");
        var again = await (await finance.PostAsJsonAsync("/api/settlement/withdrawals", new { network = "net-hz", amount = 150.5m, requestId = "W-2" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        again.GetProperty("id").GetString().ShouldBe(withdrawal.GetProperty("id").GetString());
        (await finance.GetFromJsonAsync<JsonElement>("/api/settlement/pools?network=net-hz")).GetProperty("items")[0].GetProperty("available").GetDecimal().ShouldBe(29.5m);
        var reject = await finance.PostAsJsonAsync($"/api/settlement/withdrawals/{withdrawal.GetProperty("id").GetString()}/review", new { approved = false, note = "wrong account" });
        reject.StatusCode.ShouldBe(HttpStatusCode.OK, await reject.Content.ReadAsStringAsync());
        (await finance.GetFromJsonAsync<JsonElement>("/api/settlement/pools?network=net-hz")).GetProperty("items")[0].GetProperty("available").GetDecimal().ShouldBe(180m);
        var trail = await Admin.GetStringAsync(new Uri("/api/audit?action=settlement.withdrawal_rejected", UriKind.Relative));
        trail.ShouldContain("wrong account");
    }

    private List<(string To, string Text)> SmsTo(string phone) =>
        [.. Sms.Requests.Select(r => JsonNode.Parse(r.Body)!).Where(b => b["to"]!.GetValue<string>() == phone)
            .Select(b => (b["to"]!.GetValue<string>(), b["text"]!.GetValue<string>()))];

    private async Task<long> InstanceOfAsync(string processDefinitionId)
    {
        var found = await EventuallyAsync($"an instance of {processDefinitionId}", async () =>
        {
            var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId } });
            return result.GetProperty("items").GetArrayLength() == 1 ? result.GetProperty("items")[0] : null;
        }, null);
        return long.Parse(found.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }
}
