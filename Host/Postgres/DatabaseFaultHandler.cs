using Microsoft.AspNetCore.Diagnostics;
using Processes.Engine.Storage;

namespace Processes.Host.Postgres;

/// <summary>
/// A request that failed because the database went away (restarted, stopped, unreachable) or is failing over (no host
/// writable yet, a write refused by a standby still held read-only) is answered 503 problem+json with Retry-After, not
/// 500: nothing of the command was committed (one command, one transaction), so the client may send it again — with its
/// Idempotency-Key, a retry that crosses a commit whose answer was lost still returns the first answer. When the server
/// itself went away the pool is cleared, so the next request opens a connection to the server that came back instead of
/// meeting another dead pooled one.
/// </summary>
internal sealed class DatabaseFaultHandler(ProcessesDatabase database, ILogger<DatabaseFaultHandler> logger) : IExceptionHandler
{
    /// <summary>A server that went away is tried again by every loop within a second (<c>FailurePause</c>).</summary>
    internal const int RetryAfterRestartSeconds = 1;

    /// <summary>About one failover: health checks, promotion and Npgsql's host recheck take seconds, not minutes.</summary>
    internal const int RetryAfterFailoverSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var broken = ConnectionFaults.IsBroken(exception);
        if (!broken && !ProcessesDatabase.IsTransient(exception))
        {
            return false;
        }
        if (broken && database.CurrentStart is { IsCompletedSuccessfully: true } start)
        {
            start.Result.Clear();
        }
        logger.LogWarning("{Method} {Path}: the database is away ({Reason}); answered 503", httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        if (httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.Headers.RetryAfter = (broken ? RetryAfterRestartSeconds : RetryAfterFailoverSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "UNAVAILABLE",
            detail: "The database is not reachable or not writable right now (a restart or failover in progress); retry the request.")
            .ExecuteAsync(httpContext);
        return true;
    }
}
