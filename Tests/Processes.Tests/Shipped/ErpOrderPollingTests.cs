using System.Globalization;
using System.Net;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The optional ERP poller (Definitions/optional/erp-order-polling.bpmn) against a loopback ERP that returns every open
/// order on every poll, as ERPs without a "since" cursor do: each tick pulls, and each order starts one service
/// fulfilment however often it is pulled (its business key erp:&lt;orderNo&gt;).
/// </summary>
public sealed class ErpOrderPollingTests : ShippedHttpScenario
{
    /// <summary>Monday 23 Nov 2026, 09:00 UTC.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Each_polled_order_starts_one_fulfilment_however_often_it_is_polled()
    {
        var open = new List<string> { Order("E-1"), Order("E-2") };
        Platform.Respond = r => r.PathAndQuery == "/erp/orders"
            ? new FakeAnswer(200, $$"""{"orders": [{{string.Join(",", open)}}]}""")
            : new FakeAnswer(200, "{}");
        (await Fulfilments()).ShouldBeEmpty("nothing is polled before the poller is deployed");
        var designer = Host.Bearer((await UserAsync([Roles.Designer])).ApiKey);
        var deployed = await IdentityHost.DeployAsync(designer, "erp-order-polling.bpmn", ShippedDefinitions.Text("optional/erp-order-polling.bpmn"));
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());

        Clock.Advance(TimeSpan.FromMinutes(5));
        await EventuallyAsync("the first poll's two fulfilments", async () => (await Fulfilments()).Count == 2 ? default(JsonElement) : null, null);

        open.Add(Order("E-3"));
        Clock.Advance(TimeSpan.FromMinutes(5));
        await EventuallyAsync("the second poll", async () => (await Polls("COMPLETED")).Count == 2 ? default(JsonElement) : null, null);
        Clock.Advance(TimeSpan.FromMinutes(5));
        await EventuallyAsync("the third poll", async () => (await Polls("COMPLETED")).Count == 3 ? default(JsonElement) : null, null);

        var fulfilments = await Fulfilments();
        string.Join(",", fulfilments.Order(StringComparer.Ordinal)).ShouldBe("erp:E-1,erp:E-2,erp:E-3", "one per order, though E-1 and E-2 were pulled three times");
        Platform.Requests.Count(r => r.PathAndQuery == "/erp/orders").ShouldBe(3);

        var second = await InstanceAsync(long.Parse((await Polls("COMPLETED"))[1], CultureInfo.InvariantCulture));
        var started = second.GetProperty("variables").GetProperty("startedOrders").EnumerateArray()
            .Select(o => (o.GetProperty("orderNo").GetString(), o.GetProperty("started").GetBoolean())).ToList();
        started.ShouldBe([("E-1", false), ("E-2", false), ("E-3", true)]);

        // The polled order runs as any other: normalised from the ERP's shape.
        var all = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "service-fulfilment" } });
        var e3 = all.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("businessKey").GetString() == "erp:E-3");
        var view = await InstanceAsync(long.Parse(e3.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture));
        var serviceOrder = view.GetProperty("variables").GetProperty("serviceOrder");
        serviceOrder.GetProperty("id").GetString().ShouldBe("E-3");
        serviceOrder.GetProperty("platform").GetString().ShouldBe("erp");
        serviceOrder.GetProperty("customer").GetProperty("city").GetString().ShouldBe("Suzhou");
    }

    private async Task<List<string>> Fulfilments()
    {
        var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "service-fulfilment" } });
        return [.. result.GetProperty("items").EnumerateArray().Select(i => i.TryGetProperty("businessKey", out var b) ? b.GetString()! : "(none)")];
    }

    private async Task<List<string>> Polls(string state)
    {
        var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search",
            new { filter = new { processDefinitionId = "erp-order-polling", state }, sort = new[] { new { field = "startDate" } } });
        return [.. result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("processInstanceKey").GetString()!)];
    }

    private static string Order(string orderNo) => $$"""
        {"orderNo": "{{orderNo}}", "customer": {"id": "c-{{orderNo}}", "phone": "+8613700000001", "vip": false},
         "site": {"city": "Suzhou", "address": "9 Canal St"},
         "lines": [{"sku": "WM-1", "name": "Washing machine", "qty": 1, "needsService": true}],
         "serviceType": "INSTALL", "network": "net-sz", "fee": 120}
        """;
}
