using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

public sealed record LicenseResponse(bool ValidLicense, string LicenseType, bool IsCommercial);

public sealed record PinClockRequest(long? Timestamp);

/// <summary>
/// The engine's clock: the system clock, or — where <c>Processes:Clock:Controllable</c> is true (tests, demos) —
/// a time an admin pinned with <c>PUT /v2/clock</c>, as Camunda's controlled clock. A pinned clock stands still
/// until reset. It is this host's clock: hosts sharing a database each keep their own.
/// </summary>
public sealed class EngineClock(bool controllable) : TimeProvider
{
    private DateTimeOffset? _pinned;

    public bool Controllable { get; } = controllable;

    public override DateTimeOffset GetUtcNow() => _pinned ?? System.GetUtcNow();

    public void Pin(DateTimeOffset at) => _pinned = at;

    public void Reset() => _pinned = null;
}

/// <summary>/v2/status (the database reachable and migrated: 204, else 503), /v2/license, and the clock (pin, reset).</summary>
internal static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/status", StatusAsync).RequireAuthorization(Policies.Authenticated).WithTags("Cluster");
        // Processes needs no Camunda licence: it is its own product speaking Camunda's API.
        app.MapGet("/v2/license", () => TypedResults.Ok(new LicenseResponse(true, "processes", false))).RequireAuthorization(Policies.Authenticated).WithTags("License");
        app.MapPut("/v2/clock", Pin).RequireAuthorization(Policies.Admin).WithTags("Clock");
        app.MapPost("/v2/clock/reset", Reset).RequireAuthorization(Policies.Admin).WithTags("Clock");
        return app;
    }

    private static async Task<IResult> StatusAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        return report.Status == HealthStatus.Healthy ? TypedResults.NoContent() : TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    private static Results<NoContent, ProblemHttpResult> Pin(PinClockRequest? request, EngineClock clock)
    {
        if (!clock.Controllable)
        {
            return NotControllable();
        }
        if (request?.Timestamp is not { } millis || millis < 0)
        {
            return CamundaResults.BadRequest("timestamp is required: the time to pin the clock to, in milliseconds since the epoch.");
        }
        clock.Pin(DateTimeOffset.FromUnixTimeMilliseconds(millis));
        return TypedResults.NoContent();
    }

    private static Results<NoContent, ProblemHttpResult> Reset(EngineClock clock)
    {
        if (!clock.Controllable)
        {
            return NotControllable();
        }
        clock.Reset();
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotControllable() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "INVALID_STATE",
        detail: "The engine clock is not controllable on this host; set Processes:Clock:Controllable=true (for tests) to pin it.");
}
