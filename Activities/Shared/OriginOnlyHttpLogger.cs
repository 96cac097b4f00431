using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Processes.Activities.Shared;

/// <summary>
/// Logs the activities' outbound calls by method, host and outcome only. The framework's own HttpClient loggers print
/// the full URI at Information, and a webhook's path or query is often its credential (a connector secret such as
/// <c>https://chat/hook/&lt;token&gt;</c>); a host name tells operators where a call went without handing that out.
/// </summary>
internal sealed class OriginOnlyHttpLogger(ILogger logger) : IHttpClientLogger
{
    public const string Category = "Processes.Activities.OutboundHttp";

    public object? LogRequestStart(HttpRequestMessage request) => null;

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed) =>
        logger.LogInformation("{Method} to {Host} answered {Status} in {Elapsed} ms", request.Method, request.RequestUri?.Host, (int)response.StatusCode,
            (long)elapsed.TotalMilliseconds);

    // Not the exception: its message may name the whole URI; the activity reports the cause to its job, redacted.
    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        logger.LogInformation("{Method} to {Host} got no answer ({Error}) after {Elapsed} ms", request.Method, request.RequestUri?.Host,
            exception.GetType().Name, (long)elapsed.TotalMilliseconds);
}

internal static class OutboundLogging
{
    /// <summary>Replaces the default HttpClient loggers (full URIs) of an activity's client with <see cref="OriginOnlyHttpLogger"/>.</summary>
    public static IHttpClientBuilder WithOriginOnlyLogs(this IHttpClientBuilder builder) =>
        builder.RemoveAllLoggers().AddLogger(sp => new OriginOnlyHttpLogger(sp.GetRequiredService<ILoggerFactory>().CreateLogger(OriginOnlyHttpLogger.Category)));
}
