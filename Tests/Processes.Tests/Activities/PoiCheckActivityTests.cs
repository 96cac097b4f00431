namespace Processes.Tests.Activities;

/// <summary>
/// The poi-check activity: haversine distance against the model's radius (the task header, never a variable), an
/// unchecked answer when a location is missing, and an incident naming a malformed header or coordinate.
/// </summary>
public sealed class PoiCheckActivityTests : ActivityTest
{
    private const string Radius = """{"radiusMeters": "500"}""";

    [Test]
    public async Task Within_and_outside_the_radius_by_great_circle_distance()
    {
        var check = Handler("poi-check", []);
        // One degree of longitude on the equator: 111.195 km on the mean Earth radius.
        var degree = Completed(await check.HandleAsync(Job("poi-check",
            """{"reportedLocation": {"lat": 0, "lon": 1}, "serviceLocation": {"lat": 0, "lon": 0}}""", """{"radiusMeters": "100000"}"""), CancellationToken.None));
        degree["poiCheck"]!["distanceMeters"]!.GetValue<double>().ShouldBe(111_195.1, 0.2);
        degree["poiCheck"]!["result"]!.GetValue<string>().ShouldBe("outside");

        var near = Completed(await check.HandleAsync(Job("poi-check",
            """{"reportedLocation": {"lat": "30.2610", "lon": 120.1388}, "serviceLocation": {"lat": 30.2590, "lon": 120.1388}, "radiusMeters": 1}""", Radius),
            CancellationToken.None));
        near["poiCheck"]!["result"]!.GetValue<string>().ShouldBe("within", "a radiusMeters variable changes nothing");
        near["poiCheck"]!["radiusMeters"]!.GetValue<double>().ShouldBe(500);
    }

    [Test]
    public async Task A_missing_location_is_unchecked_and_a_bad_one_or_no_radius_is_an_incident_naming_it()
    {
        var check = Handler("poi-check", []);
        var missing = Completed(await check.HandleAsync(Job("poi-check", """{"serviceLocation": {"lat": 1, "lon": 1}}""", Radius), CancellationToken.None));
        missing["poiCheck"]!["result"]!.GetValue<string>().ShouldBe("unchecked");
        missing["poiCheck"]!["reason"]!.GetValue<string>().ShouldBe("no reportedLocation");

        var badLat = Failed(await check.HandleAsync(Job("poi-check",
            """{"reportedLocation": {"lat": 91, "lon": 0}, "serviceLocation": {"lat": 0, "lon": 0}}""", Radius), CancellationToken.None));
        badLat.Retryable.ShouldBeFalse();
        badLat.Message.ShouldContain("reportedLocation.lat");
        var noRadius = Failed(await check.HandleAsync(Job("poi-check", "{}", "{}"), CancellationToken.None));
        noRadius.Message.ShouldContain("radiusMeters");
    }
}
