using Microsoft.AspNetCore.Diagnostics;

namespace Processes.Host.Postgres;

/// <summary>
/// A request that met the database restarting or failing over (unreachable, no host writable yet, a write refused by
/// a standby still held read-only) is answered 503 problem+json with Retry-After, not 500: nothing of the command was
/// committed (one command, one transaction), so the client may send it again — with its Idempotency-Key, a retry that
/// crosses a commit whose answer was lost still returns the first answer.
/// </summary>
internal sealed class DatabaseUnavailableHandler : IExceptionHandler
{
    /// <summary>About one failover: health checks, promotion and Npgsql's host recheck take seconds, not minutes.</summary>
    internal const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ProcessesDatabase.IsTransient(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "UNAVAILABLE",
            detail: "The database is not reachable or not writable right now (a restart or failover in progress); retry the request.")
            .ExecuteAsync(httpContext);
        return true;
    }
}
