using Microsoft.AspNetCore.Diagnostics;
using Processes.Engine.Storage;

namespace Processes.Host.Postgres;

/// <summary>
/// A request that failed because the database went away (restarted, stopped, unreachable) or is failing over (no host
/// writable yet, a write refused by a standby still held read-only) is answered 503 problem+json with Retry-After, not
/// 500: nothing of the command was committed (one command, one transaction), so the client may send it again — with its
/// Idempotency-Key, a retry that crosses a commit whose answer was lost still returns the first answer. When the server
/// itself went away the pool is cleared, so the next request opens a connection to the server that came back instead of
/// meeting another dead pooled one. A pool whose connections were all busy for the connect timeout is a 503 too (a
/// retry storm meets the host's pool bound, <see cref="PoolBounds"/>), without clearing the pool.
/// </summary>
internal sealed class DatabaseFaultHandler(ProcessesDatabase database, ILogger<DatabaseFaultHandler> logger) : IExceptionHandler
{
    /// <summary>A server that went away is tried again by every loop within a second (<c>FailurePause</c>).</summary>
    internal const int RetryAfterRestartSeconds = 1;

    /// <summary>About one failover: health checks, promotion and Npgsql's host recheck take seconds, not minutes.</summary>
    internal const int RetryAfterFailoverSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ConnectionFaults.IsBroken(exception) && !ConnectionFaults.IsPoolExhausted(exception))
        {
            return false;
        }
        if (database.CurrentStart is { IsCompletedSuccessfully: true } start)
        {
            ConnectionFaults.ClearPoolIfBroken(start.Result, exception);
        }
        logger.LogWarning("{Method} {Path}: the database is away or busy ({Reason}); answered 503", httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        if (httpContext.Response.HasStarted)
        {
            return false;
        }
        var retryAfter = ConnectionFaults.IsFailingOver(exception) ? RetryAfterFailoverSeconds : RetryAfterRestartSeconds;
        httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "UNAVAILABLE",
            detail: "The database is not reachable, not writable or fully busy right now (a restart, a failover or a burst in progress); retry the request.")
            .ExecuteAsync(httpContext);
        return true;
    }
}
