using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Shipped;

/// <summary>
/// The POI check of the shipped service fulfilment through the API with the real handlers: the platform's order gives
/// the service address's coordinates, the technician's visit form reports where they were, and the <c>poi-check</c>
/// activity compares the two within the model's radius (500 m). Within it the order goes on to verification; outside
/// it the order lands in the location audit of the group <c>quality</c>, whose rejection freezes the fee.
/// </summary>
public sealed class ServiceFulfilmentPoiScenarioTests : ShippedHttpScenario
{
    /// <summary>Monday 23 Nov 2026, 09:00 UTC.</summary>
    protected override DateTimeOffset Start => new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The service address: West Lake, Hangzhou.</summary>
    private const double Lat = 30.2590;
    private const double Lon = 120.1388;

    [Test]
    public async Task A_visit_reported_within_the_radius_goes_on_to_verification()
    {
        var (order, tom, tomClient) = await VisitAsync("TM-POI-1");
        // About 220 m north of the address.
        var visit = await OpenTaskAsync(order, "Visit", tomClient);
        await ClaimAndCompleteAsync(tomClient, tom, visit, new { visitOutcome = "done", visitReport = "installed", visitLatitude = Lat + 0.002, visitLongitude = Lon });

        var view = await WaitAtAsync(order, "EnterCode");
        var check = view.GetProperty("variables").GetProperty("poiCheck");
        check.GetProperty("result").GetString().ShouldBe("within");
        check.GetProperty("distanceMeters").GetDouble().ShouldBeInRange(215, 230);
        check.GetProperty("radiusMeters").GetDouble().ShouldBe(500);
        view.GetProperty("variables").TryGetProperty("locationAccepted", out _).ShouldBeFalse("no audit within the radius");
    }

    [Test]
    public async Task A_visit_reported_outside_the_radius_lands_in_the_location_audit_and_a_rejection_freezes_the_fee()
    {
        var (order, tom, tomClient) = await VisitAsync("TM-POI-2");
        // About 5.6 km away; the radius in a variable would change nothing: it is the model's header.
        var visit = await OpenTaskAsync(order, "Visit", tomClient);
        await ClaimAndCompleteAsync(tomClient, tom, visit,
            new { visitOutcome = "done", visitReport = "installed", visitLatitude = Lat + 0.05, visitLongitude = Lon, radiusMeters = 100000 });

        var quality = await UserAsync([Roles.Agent], "quality");
        var qualityClient = Host.Bearer(quality.ApiKey);
        var audit = await OpenTaskAsync(order, "LocationAudit", qualityClient);
        audit.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["quality"]);
        var check = (await InstanceAsync(order)).GetProperty("variables").GetProperty("poiCheck");
        check.GetProperty("result").GetString().ShouldBe("outside");
        check.GetProperty("distanceMeters").GetDouble().ShouldBeInRange(5500, 5600);
        check.GetProperty("radiusMeters").GetDouble().ShouldBe(500);
        (await InstanceAsync(order)).GetProperty("activeElements").EnumerateArray().Select(e => e.GetProperty("elementId").GetString())
            .ShouldNotContain("SendCode", "no verification before the audit");

        await ClaimAndCompleteAsync(qualityClient, quality, audit, new { locationAccepted = "no", locationAuditNotes = "GPS shows another district" });
        var done = await CompletedAsync(order);
        var variables = done.GetProperty("variables");
        variables.GetProperty("fulfilmentStatus").GetString().ShouldBe("location-rejected");
        variables.GetProperty("feeStatus").GetString().ShouldBe("frozen");
        variables.GetProperty("locationAccepted").GetBoolean().ShouldBeFalse();
        Ledger.Requests.Where(r => r.PathAndQuery == "/api/fees/released").ShouldBeEmpty("a rejected visit releases no fee");
    }

    /// <summary>A tmall order with the address's coordinates, dispatched centrally to tom and accepted: the visit is open.</summary>
    private async Task<(long Order, TestUser Tom, HttpClient TomClient)> VisitAsync(string tid)
    {
        var tom = await UserAsync([Roles.Agent], "net-poi-technicians");
        var tomClient = Host.Bearer(tom.ApiKey);
        var supervisor = Host.Bearer((await UserAsync([Roles.Supervisor])).ApiKey);
        var profile = await supervisor.PutAsJsonAsync($"/api/agents/{tom.UserName}",
            new { skills = new[] { "install" }, regions = new[] { $"Hangzhou-{tid}" }, languages = new[] { "zh" }, tiers = new[] { "regular" }, capacity = 5, onDuty = true });
        profile.StatusCode.ShouldBe(HttpStatusCode.OK, await profile.Content.ReadAsStringAsync());
        Platform.Respond = _ => new Activities.FakeAnswer(200, "{}");

        using var adapter = Host.Bearer((await UserAsync([Roles.Agent])).ApiKey);
        var published = await adapter.PostAsJsonAsync("/v2/messages/publication", new
        {
            name = "service-order-received",
            correlationKey = tid,
            timeToLive = 0,
            variables = new
            {
                platform = "tmall",
                dispatchMode = "central",
                followUpSampled = false,
                order = new
                {
                    tid,
                    buyer = new { nick = $"buyer-{tid}", mobile = "+8613800000077", vip = false },
                    receiver = new { city = $"Hangzhou-{tid}", address = "1 West Lake Rd", lat = Lat, lng = Lon },
                    orders = new object[] { new { outer_sku_id = "AC-9", title = "Air conditioner", num = 1, needs_service = true } },
                    service_type = "INSTALL",
                    service_network = "net-poi",
                    service_fee = 120,
                    need_merchant_confirm = false,
                },
            },
        });
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var order = await InstanceOfAsync(tid);
        var serviceOrder = (await InstanceAsync(order)).GetProperty("variables").GetProperty("serviceOrder");
        serviceOrder.GetProperty("location").GetProperty("lat").GetDouble().ShouldBe(Lat);
        serviceOrder.GetProperty("location").GetProperty("lon").GetDouble().ShouldBe(Lon);

        var accept = await OpenTaskAsync(order, "Accept", tomClient);
        await ClaimAndCompleteAsync(tomClient, tom, accept, new { accepted = true, appointmentDate = "2026-11-25T10:00:00+08:00" });
        return (order, tom, tomClient);
    }

    private async Task<long> InstanceOfAsync(string tid)
    {
        var found = await EventuallyAsync($"the fulfilment of {tid}", async () =>
        {
            var result = await IdentityHost.PostAsync(Admin, "/v2/process-instances/search", new { filter = new { processDefinitionId = "service-fulfilment" } });
            foreach (var item in result.GetProperty("items").EnumerateArray())
            {
                var key = item.GetProperty("processInstanceKey").GetString()!;
                var variables = (await Admin.GetFromJsonAsync<JsonElement>($"/api/instances/{key}")).GetProperty("variables");
                if (variables.TryGetProperty("serviceOrderId", out var id) && id.GetString() == tid)
                {
                    return item;
                }
            }
            return null;
        }, null);
        return long.Parse(found.GetProperty("processInstanceKey").GetString()!, CultureInfo.InvariantCulture);
    }
}
