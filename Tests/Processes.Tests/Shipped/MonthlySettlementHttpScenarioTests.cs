using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped monthly settlement end to end over HTTP with the real http and refund handlers: the clock reaches
/// 01:00 on 1 Dec 2026, the cron start settles November, the ledger loopback server returns the released fees of three
/// networks, finance reconciles each network through /v2/user-tasks (approves one, corrects one, holds one), the
/// payment loopback server is paid once per approved network and the period is closed at the ledger.
/// </summary>
public sealed class MonthlySettlementHttpScenarioTests : ShippedHttpScenario
{
    private readonly IdempotentProvider _payments = new((request, n) => new FakeAnswer(200, $$"""{"refundId": "PAY-{{n}}", "status": "PAID"}"""));

    /// <summary>Monday 30 Nov 2026, 22:00 UTC: three hours before the first settlement.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 30, 22, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task On_the_first_finance_reconciles_three_networks_and_each_approved_one_is_paid_once_before_the_period_closes()
    {
        Payments.Respond = _payments.Respond;
        Ledger.Respond = request => request.PathAndQuery.StartsWith("/api/fees/released", StringComparison.Ordinal)
            ? new FakeAnswer(200, """
                {"period": "2026-11", "fees": [
                  {"serviceOrderId": "TM-3001", "network": "net-hz", "fee": 180},
                  {"serviceOrderId": "JD-4001", "network": "net-nb", "fee": 99.5},
                  {"serviceOrderId": "TM-3002", "network": "net-hz", "fee": 60},
                  {"serviceOrderId": "JD-4002", "network": "net-sh", "fee": 45}]}
                """)
            : new FakeAnswer(200, """{"closed": true}""");
        // The user-task API admits agents and supervisors: a finance reviewer needs the agent role too.
        var finance = await UserAsync([Roles.Finance], "finance");
        var financeClient = Host.Bearer(finance.ApiKey);
        var timers = await Admin.GetStringAsync("/api/operations/timers");
        timers.ShouldContain("FirstOfMonth");

        Clock.Set(new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero));
        var settlement = await SettlementAsync();

        var tasks = await OpenTasksAsync(settlement, "Reconcile", financeClient, 3);
        tasks.ShouldAllBe(t => t.GetProperty("candidateGroups")[0].GetString() == "finance");
        var gather = Ledger.Requests.Where(r => r.PathAndQuery.StartsWith("/api/fees/released", StringComparison.Ordinal)).ToList().ShouldHaveSingleItem();
        gather.Method.ShouldBe("GET");
        gather.PathAndQuery.ShouldBe("/api/fees/released?period=2026-11");

        // Each reconciliation task is for one network: finance reads it with the task's variables, as the form would.
        var history = await HistoryAsync(settlement);
        var networkOf = new Dictionary<string, JsonElement>();
        foreach (var task in tasks)
        {
            var visible = await IdentityHost.PostAsync(financeClient, $"/v2/user-tasks/{task.GetProperty("userTaskKey").GetString()}/variables/search",
                new { filter = new { name = "network" } });
            var network = JsonDocument.Parse(visible.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("value").GetString()!).RootElement;
            network.GetProperty("network").GetString().ShouldBe(NetworkOf(history, task.GetProperty("elementInstanceKey").GetString()!), "the task's own element");
            networkOf[network.GetProperty("network").GetString()!] = task;
        }
        var all = await IdentityHost.PostAsync(financeClient, $"/v2/user-tasks/{tasks[0].GetProperty("userTaskKey").GetString()}/variables/search", new { });
        all.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ShouldContain("period", "the instance's variables are visible too");
        var outsider = Host.Bearer((await UserAsync([Roles.Agent], "after-sales")).ApiKey);
        (await outsider.PostAsJsonAsync($"/v2/user-tasks/{tasks[0].GetProperty("userTaskKey").GetString()}/variables/search", new { }))
            .StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound, "an agent outside finance does not see the task, nor its variables");
        networkOf.Keys.ShouldBe(["net-hz", "net-nb", "net-sh"], ignoreOrder: true);
        await ClaimAndCompleteAsync(financeClient, finance, networkOf["net-nb"], new { approved = true, adjustedAmount = 89.5, reconcileNotes = "one visit refunded to the customer" });
        await ClaimAndCompleteAsync(financeClient, finance, networkOf["net-sh"], new { approved = false, reconcileNotes = "disputed, next month" });
        await ClaimAndCompleteAsync(financeClient, finance, networkOf["net-hz"], new { approved = true });

        var view = await CompletedAsync(settlement);

        var payouts = Payments.Requests.Where(r => r.PathAndQuery == "/refunds").ToList();
        payouts.Count.ShouldBe(2, "net-sh is held");
        _payments.Effects.ShouldBe(2);
        payouts.Select(p => p.Header("Idempotency-Key")).Distinct().Count().ShouldBe(2, "one job, one key per network");
        var paid = payouts.ToDictionary(p => JsonNode.Parse(p.Body)!["orderId"]!.GetValue<string>(), p => JsonNode.Parse(p.Body)!);
        paid.Keys.ShouldBe(["settlement-2026-11-net-hz", "settlement-2026-11-net-nb"], ignoreOrder: true);
        paid["settlement-2026-11-net-hz"]["amount"]!.GetValue<decimal>().ShouldBe(240m);
        paid["settlement-2026-11-net-nb"]["amount"]!.GetValue<decimal>().ShouldBe(89.5m, "finance's correction");
        paid.Values.ShouldAllBe(p => p["currency"]!.GetValue<string>() == "CNY");
        var jobKeys = history.Concat(await HistoryAsync(settlement))
            .Where(e => e.GetProperty("event").GetString() == "JOB_CREATED" && e.GetProperty("elementId").GetString() == "PayOut")
            .Select(e => e.GetProperty("details").GetProperty("jobKey").GetInt64().ToString(CultureInfo.InvariantCulture)).ToHashSet();
        payouts.Select(p => p.Header("Idempotency-Key")!).ShouldBeSubsetOf(jobKeys);

        var close = Ledger.Requests.Where(r => r.PathAndQuery == "/api/periods/close").ToList().ShouldHaveSingleItem("the period is closed once");
        close.Method.ShouldBe("POST");
        var closed = JsonNode.Parse(close.Body)!;
        closed["period"]!.GetValue<string>().ShouldBe("2026-11");
        closed["total"]!.GetValue<decimal>().ShouldBe(329.5m);
        closed["paid"]!.AsArray().Select(p => (p!["network"]!.GetValue<string>(), p["status"]!.GetValue<string>())).ShouldBe(
            [("net-hz", "PAID"), ("net-nb", "PAID")], ignoreOrder: true);
        closed["held"]!.AsArray().ShouldHaveSingleItem()!["network"]!.GetValue<string>().ShouldBe("net-sh");

        var variables = view.GetProperty("variables");
        variables.GetProperty("period").GetString().ShouldBe("2026-11");
        variables.GetProperty("feeCount").GetInt32().ShouldBe(4);
        variables.GetProperty("settlementStatus").GetString().ShouldBe("closed");
        variables.GetProperty("settledTotal").GetDecimal().ShouldBe(329.5m);
        variables.GetProperty("paidNetworks").EnumerateArray().Select(p => p.GetProperty("payoutId").GetString()).ShouldBe(["PAY-1", "PAY-2"], ignoreOrder: true);
        variables.GetProperty("heldNetworks")[0].GetProperty("notes").GetString().ShouldBe("disputed, next month");

        var completed = Completed(await HistoryAsync(settlement));
        completed.Count(e => e == "Reconcile").ShouldBe(4, "three networks and the multi-instance body");
        completed.Count(e => e == "PayOut").ShouldBe(3, "two payouts and the body");
        completed.ShouldContain("ClosePeriod");
        completed.TakeLast(2).ShouldBe(["Settled", "monthly-settlement"]);

        // The settlement report shows what was paid per network for November (the fees themselves came from the ledger,
        // not from fulfilments run here, so nothing released or frozen), to the cent.
        var report = await Admin.GetFromJsonAsync<JsonElement>("/api/reports/settlement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z");
        report.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("network").GetString(), r.GetProperty("period").GetString(),
            r.GetProperty("paid").GetDecimal(), r.GetProperty("released").GetDecimal())).ShouldBe([("net-hz", "2026-11", 240m, 0m), ("net-nb", "2026-11", 89.5m, 0m)]);
    }

    /// <summary>The multi-instance input element <c>network</c> of a task's element instance, from the VARIABLE_CREATED history entry.</summary>
    private static string NetworkOf(List<JsonElement> history, string elementInstanceKey) =>
        history.Single(e => e.GetProperty("event").GetString() == "VARIABLE_CREATED"
                && e.GetProperty("elementInstanceKey").GetString() == elementInstanceKey
                && e.GetProperty("details").GetProperty("name").GetString() == "network")
            .GetProperty("details").GetProperty("value").GetProperty("network").GetString()!;

    private async Task<long> SettlementAsync()
    {
        var found = await EventuallyAsync("the settlement to start on the 1st", async () =>
        {
            var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "monthly-settlement" } });
            return result.GetProperty("items").GetArrayLength() == 1 ? result.GetProperty("items")[0] : null;
        }, null);
        found.GetProperty("processDefinitionVersion").GetInt32().ShouldBe(1, "the shipped version, as the host deployed it at start-up");
        return long.Parse(found.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }
}
