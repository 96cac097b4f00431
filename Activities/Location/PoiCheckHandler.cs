using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Jobs;

namespace Processes.Activities.Location;

/// <summary>
/// Job type <c>poi-check</c>: is the place the technician reported (<c>reportedLocation</c> <c>{lat, lon}</c>) within
/// <c>radiusMeters</c> of the service address (<c>serviceLocation</c> <c>{lat, lon}</c>)? Great-circle distance by the
/// haversine formula on the mean Earth radius. The radius is the task header <c>radiusMeters</c> only — set in the
/// model, never read from a variable, so nothing a customer or technician sends widens it. Answers <c>poiCheck</c>
/// <c>{result: within|outside|unchecked, distanceMeters, radiusMeters, reason}</c>: unchecked when either location is
/// missing (an order whose platform gives no coordinates); a malformed location or header is an incident naming it.
/// </summary>
internal sealed class PoiCheckHandler : IJobHandler
{
    /// <summary>The IUGG mean Earth radius, in metres.</summary>
    private const double EarthRadius = 6_371_008.8;

    public string Type => "poi-check";

    public Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.CustomHeaders["radiusMeters"] is not JsonValue header
            || !double.TryParse(header.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var radius) || radius is <= 0 or > 100_000)
        {
            return Task.FromResult(JobOutcome.Fail("The task header radiusMeters must be a number of metres between 0 and 100000.", retryable: false));
        }
        var (reported, reportedProblem) = Read(job.Variables["reportedLocation"], "reportedLocation");
        var (service, serviceProblem) = Read(job.Variables["serviceLocation"], "serviceLocation");
        if ((reportedProblem ?? serviceProblem) is { } problem)
        {
            return Task.FromResult(JobOutcome.Fail(problem, retryable: false));
        }
        if (reported is not { } from || service is not { } to)
        {
            var missing = reported is null ? "reportedLocation" : "serviceLocation";
            return Task.FromResult(JobOutcome.Complete(new JsonObject
            {
                ["poiCheck"] = new JsonObject { ["result"] = "unchecked", ["radiusMeters"] = radius, ["reason"] = $"no {missing}" },
            }));
        }
        var distance = Math.Round(Distance(from, to), 1);
        return Task.FromResult(JobOutcome.Complete(new JsonObject
        {
            ["poiCheck"] = new JsonObject { ["result"] = distance <= radius ? "within" : "outside", ["distanceMeters"] = distance, ["radiusMeters"] = radius },
        }));
    }

    /// <summary>The haversine distance in metres between two points given in degrees.</summary>
    internal static double Distance((double Lat, double Lon) from, (double Lat, double Lon) to)
    {
        var lat1 = double.DegreesToRadians(from.Lat);
        var lat2 = double.DegreesToRadians(to.Lat);
        var dLat = lat2 - lat1;
        var dLon = double.DegreesToRadians(to.Lon - from.Lon);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(lat1) * Math.Cos(lat2) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadius * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static ((double Lat, double Lon)? Point, string? Problem) Read(JsonNode? node, string name)
    {
        if (node is null)
        {
            return (null, null);
        }
        if (node is not JsonObject point)
        {
            return (null, $"{name} must be an object {{lat, lon}} in degrees.");
        }
        var lat = Coordinate(point["lat"]);
        var lon = Coordinate(point["lon"]);
        if (lat is null && lon is null)
        {
            return (null, null);
        }
        if (lat is not { } la || la is < -90 or > 90)
        {
            return (null, $"{name}.lat must be a number of degrees between -90 and 90.");
        }
        if (lon is not { } lo || lo is < -180 or > 180)
        {
            return (null, $"{name}.lon must be a number of degrees between -180 and 180.");
        }
        return ((la, lo), null);
    }

    private static double? Coordinate(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.Number => value.GetValue<double>(),
            JsonValueKind.String when double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        }
        : null;
}
