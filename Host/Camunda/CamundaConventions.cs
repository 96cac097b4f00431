using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;

namespace Processes.Host.Camunda;

/// <summary>
/// What every v2 answer shares, wired once instead of per endpoint: optional fields left out rather than sent as
/// <c>null</c> (Camunda 8.8's client schemas declare them optional, not nullable, and refuse a null), and errors as
/// Camunda sends them — RFC 9457 problem details with <c>type</c> <c>about:blank</c>, an UPPER_SNAKE <c>title</c>
/// naming the kind of failure, <c>status</c>, a <c>detail</c> that says what was wrong, and the request path as
/// <c>instance</c>.
/// </summary>
internal static class CamundaConventions
{
    private static readonly string ApiNamespace = typeof(CamundaConventions).Namespace!;

    public static IHostApplicationBuilder AddCamundaApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // The engine's clock (registered last, so it is the TimeProvider everyone gets): controllable only where configured.
        var clock = new EngineClock(builder.Configuration.GetValue("Processes:Clock:Controllable", false));
        services.AddSingleton(clock);
        services.AddSingleton<TimeProvider>(clock);
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolver = (options.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(OmitNulls));
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var earlier = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                if (context.HttpContext.Request.Path.StartsWithSegments("/v2"))
                {
                    AsCamunda(context);
                }
            };
        });
        return builder;
    }

    /// <summary>The v2 records (this namespace) never write a null property: absent is how 8.8 says "not set".</summary>
    private static void OmitNulls(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type.Namespace != ApiNamespace)
        {
            return;
        }
        foreach (var property in info.Properties)
        {
            var earlier = property.ShouldSerialize;
            property.ShouldSerialize = (owner, value) => value is not null && (earlier is null || earlier(owner, value));
        }
    }

    private static void AsCamunda(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status = status;
        problem.Type = "about:blank";
        problem.Instance = context.HttpContext.Request.Path.Value;
        if (!IsCamundaTitle(problem.Title))
        {
            // Our own wording (or the framework's "Bad Request") moves into the detail; the title is the kind.
            problem.Detail ??= problem.Title;
            problem.Title = TitleFor(status);
        }
        problem.Detail ??= status switch
        {
            StatusCodes.Status401Unauthorized => "Send credentials: an API key as Bearer token or Basic auth (user name and API key).",
            StatusCodes.Status403Forbidden => "Your roles do not allow this operation.",
            StatusCodes.Status404NotFound => $"Nothing at {context.HttpContext.Request.Path.Value}.",
            StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not supported on {context.HttpContext.Request.Path.Value}.",
            _ => TitleFor(status),
        };
        problem.Extensions.Remove("traceId");
    }

    private static bool IsCamundaTitle(string? title) =>
        !string.IsNullOrEmpty(title) && title.All(c => c is (>= 'A' and <= 'Z') or '_');

    public static string TitleFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "INVALID_ARGUMENT",
        StatusCodes.Status401Unauthorized => "UNAUTHORIZED",
        StatusCodes.Status403Forbidden => "FORBIDDEN",
        StatusCodes.Status404NotFound => "NOT_FOUND",
        StatusCodes.Status405MethodNotAllowed => "METHOD_NOT_ALLOWED",
        StatusCodes.Status409Conflict => "INVALID_STATE",
        StatusCodes.Status412PreconditionFailed => "FAILED_PRECONDITION",
        StatusCodes.Status413PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        StatusCodes.Status415UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
        StatusCodes.Status422UnprocessableEntity => "INVALID_ARGUMENT",
        StatusCodes.Status429TooManyRequests => "RESOURCE_EXHAUSTED",
        StatusCodes.Status501NotImplemented => "NOT_IMPLEMENTED",
        StatusCodes.Status503ServiceUnavailable => "UNAVAILABLE",
        >= 500 => "INTERNAL_ERROR",
        _ => "INVALID_ARGUMENT",
    };
}
