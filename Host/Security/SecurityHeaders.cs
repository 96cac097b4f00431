
namespace Processes.Host.Security;

/// <summary>
/// One header policy for every answer of the host — pages, API, documents, problem+json, status-code pages, static
/// assets — set just before the answer starts, when its final content type is known. Registered first, so answers
/// written by the exception handler, the status-code pages and the authorization middleware get it too.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// The pages (HTML): scripts only from this host; bpmn-js and form-js set inline styles and draw with data: and
    /// blob: URLs; data comes from the same host's API; no plugins, no framing, no foreign base or form targets.
    /// </summary>
    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>Everything that is not a page (JSON, XML, problems, scripts, styles): a browser must not act on anything inside it.</summary>
    public const string DataPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>One year, as browsers' preload lists expect; sent only over https (browsers ignore it over http).</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state => Apply((HttpContext)state), context);
            return next(context);
        });

    private static Task Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        // An endpoint that set its own policy (a document download's sandbox) knows better than the default.
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = IsHtml(context.Response.ContentType) ? PagePolicy : DataPolicy;
        }
        // Whatever a signed-in user sees is theirs: no shared or private cache keeps it. Anonymous answers keep a
        // policy they chose (the bundle's revalidation); everything else is not stored either.
        if (context.User.Identity?.IsAuthenticated == true || string.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = StrictTransportSecurity;
        }
        return Task.CompletedTask;
    }

    private static bool IsHtml(string? contentType) =>
        contentType is not null && contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase);
}
