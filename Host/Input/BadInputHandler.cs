using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Processes.Host.Input;

/// <summary>
/// What the binder or the database refuses, answered as Camunda's problem+json in every environment: the binder's
/// BadHttpRequestException (malformed, empty, wrongly typed JSON; a body over the limit) with its own status and a
/// detail that says where, and — as a backstop behind <see cref="InputPolicy"/> — PostgreSQL refusing a character
/// (22P05, 22021) as 400 rather than 500.
/// </summary>
internal sealed class BadInputHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                InputProblems.TooLarge("The request body is larger than this endpoint's limit."),
            BadHttpRequestException bad => Status(bad.StatusCode, Detail(bad)),
            InvalidDataException data when data.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) =>
                InputProblems.TooLarge($"The multipart body is over a limit: {data.Message}"),
            DbException { SqlState: "22P05" or "22021" } db => InputProblems.BadRequest($"The request holds text the database cannot store: {db.Message}"),
            _ => null,
        };
        if (problem is null || httpContext.Response.HasStarted)
        {
            return false;
        }
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    private static IResult Status(int status, string detail) => status switch
    {
        StatusCodes.Status415UnsupportedMediaType => TypedResults.Problem(statusCode: status, title: "UNSUPPORTED_MEDIA_TYPE", detail: detail),
        _ => InputProblems.BadRequest(detail),
    };

    /// <summary>The binder's message names the parameter; the JSON reader's (inner) names the path, line and position.</summary>
    private static string Detail(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"{bad.Message} {json.Message}",
        { } inner => $"{bad.Message} {inner.Message}",
        null => bad.Message,
    };
}

internal static class InputRegistration
{
    public static WebApplicationBuilder AddProcessesInputPolicy(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<InputLimits>(builder.Configuration.GetSection(InputLimits.Section));
        builder.Services.AddSingleton<Processes.Host.Inbox.EventStreamLimiter>();
        // Production answered a bare 400 and Development a 500: throwing lets BadInputHandler say what is wrong in both.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadInputHandler>();
        return builder;
    }

    public static IApplicationBuilder UseProcessesInputPolicy(this IApplicationBuilder app) => app.UseMiddleware<InputPolicy>();
}
