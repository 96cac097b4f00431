using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// After-sales opens a demand in this product: a tmall order whose only allowed verification attempt fails freezes its fee,
/// and the fulfilment's <c>start-process</c> step starts one <c>demand-ticket</c> for it (business key and demand id
/// <c>AS-&lt;order&gt;</c>) with what the demand needs — the customer, the order as its scenario, the reason — which
/// then runs like any demand (Triage, routing). A second start under the same key is refused: once per order.
/// </summary>
public sealed class AfterSalesDemandScenarioTests : ShippedHttpScenario
{
    /// <summary>Monday 23 Nov 2026, 09:00 UTC.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_frozen_fee_starts_one_after_sales_demand_with_the_order_and_its_customer()
    {
        var adapter = Host.Bearer((await UserAsync([Roles.Agent])).ApiKey);
        var tech = await UserAsync([Roles.Agent]);
        var techClient = Host.Bearer(tech.ApiKey);
        var dispatcher = await UserAsync([Roles.Agent], "dispatchers");
        var dispatcherClient = Host.Bearer(dispatcher.ApiKey);
        Platform.Respond = _ => new FakeAnswer(200, "{}");

        var published = await adapter.PostAsJsonAsync("/v2/messages/publication", new
        {
            name = "service-order-received",
            correlationKey = "TM-4001",
            timeToLive = 0,
            variables = new
            {
                platform = "tmall",
                dispatchMode = "manual",
                followUpSampled = false,
                maxVerificationAttempts = 1,
                order = new
                {
                    tid = "TM-4001",
                    buyer = new { nick = "buyer-41", mobile = "+8613800000041", vip = true },
                    receiver = new { city = "Hangzhou", address = "41 West Lake Rd" },
                    orders = new object[] { new { outer_sku_id = "WH-1", title = "Water heater", num = 1, needs_service = true } },
                    service_type = "INSTALL",
                    service_network = "net-hz",
                    service_fee = 120,
                    need_merchant_confirm = false,
                },
            },
        });
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var order = await SingleInstanceAsync("service-fulfilment");

        await ClaimAndCompleteAsync(dispatcherClient, dispatcher, await OpenTaskAsync(order, "ManualDispatch", dispatcherClient), new { technician = tech.UserName });
        await ClaimAndCompleteAsync(techClient, tech, await OpenTaskAsync(order, "Accept", techClient),
            new { accepted = true, appointmentDate = "2026-11-25T10:00:00+08:00" });
        await ClaimAndCompleteAsync(techClient, tech, await OpenTaskAsync(order, "Visit", techClient), new { visitReport = "leaking valve" });
        // The one allowed attempt is wrong (a code is six digits): the fee freezes.
        await ClaimAndCompleteAsync(techClient, tech, await OpenTaskAsync(order, "EnterCode", techClient), new { enteredCode = "000000x", photoUrl = "ref-41" });

        var final = (await CompletedAsync(order)).GetProperty("variables");
        final.GetProperty("feeStatus").GetString().ShouldBe("frozen");
        final.GetProperty("fulfilmentStatus").GetString().ShouldBe("after-sales");
        final.GetProperty("afterSalesDemandId").GetString().ShouldBe("AS-TM-4001");
        final.GetProperty("afterSalesStarted").GetBoolean().ShouldBeTrue();
        Ledger.Requests.ShouldNotContain(r => r.PathAndQuery.Contains("demands", StringComparison.Ordinal), "no HTTP intake any more");

        var demand = await SingleInstanceAsync("demand-ticket");
        var variables = (await InstanceAsync(demand)).GetProperty("variables");
        variables.GetProperty("demandId").GetString().ShouldBe("AS-TM-4001");
        variables.GetProperty("entrance").GetString().ShouldBe("defect-tracking");
        variables.GetProperty("appeal").GetString().ShouldBe("repair");
        variables.GetProperty("customer").GetProperty("phone").GetString().ShouldBe("+8613800000041");
        variables.GetProperty("customer").GetProperty("tier").GetString().ShouldBe("VIP", "a vip buyer is a VIP demand (its SLA targets)");
        variables.GetProperty("customer").GetProperty("city").GetString().ShouldBe("Hangzhou");
        variables.GetProperty("scenario").GetProperty("orderId").GetString().ShouldBe("TM-4001");
        variables.GetProperty("scenario").GetProperty("defectType").GetString().ShouldBe("verification failed after 1 attempts");
        variables.GetProperty("afterSales").GetProperty("technician").GetString().ShouldBe(tech.UserName);
        // The demand runs as any demand: Triage gave it the VIP targets.
        await EventuallyAsync("the demand's triage", async () =>
        {
            var now = (await InstanceAsync(demand)).GetProperty("variables");
            return now.TryGetProperty("slaTarget", out var target) ? target : null;
        }, demand);
        (await InstanceAsync(demand)).GetProperty("variables").GetProperty("slaTarget").GetString().ShouldBe("PT4H");

        // The business key is the order's: another start for it (a re-run, a retried job) starts nothing.
        var again = await Admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "demand-ticket", businessKey = "AS-TM-4001", variables = new { demandId = "AS-TM-4001" } });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict, await again.Content.ReadAsStringAsync());
        (await InstancesAsync("demand-ticket")).ShouldBe(1);
    }

    private async Task<int> InstancesAsync(string processDefinitionId) =>
        (await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId } })).GetProperty("items").GetArrayLength();

    private async Task<long> SingleInstanceAsync(string processDefinitionId)
    {
        var found = await EventuallyAsync($"an instance of {processDefinitionId}", async () =>
        {
            var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId } });
            return result.GetProperty("items").GetArrayLength() == 1 ? result.GetProperty("items")[0] : null;
        }, null);
        return long.Parse(found.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }
}
