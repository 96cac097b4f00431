using Microsoft.AspNetCore.Diagnostics;
using Processes.Engine.Storage;

namespace Processes.Host.Postgres;

/// <summary>
/// A request that failed because the database went away (restarted, stopped, unreachable): the pool is cleared, so
/// the next request opens a connection to the server that came back instead of meeting another dead pooled one,
/// and the caller gets 503 with Retry-After (try again) rather than a 500 (a bug).
/// </summary>
internal sealed class DatabaseFaultHandler(ProcessesDatabase database, ILogger<DatabaseFaultHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ConnectionFaults.IsBroken(exception))
        {
            return false;
        }
        if (database.CurrentStart is { IsCompletedSuccessfully: true } start)
        {
            start.Result.Clear();
        }
        logger.LogWarning("{Method} {Path}: the database is away ({Reason}); answered 503", httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        if (httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.Headers.RetryAfter = "1";
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "UNAVAILABLE",
            detail: "The database is not reachable at the moment; try again shortly.").ExecuteAsync(httpContext);
        return true;
    }
}
