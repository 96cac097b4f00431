using System.Net;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Processes.Host.Identity;

namespace Processes.Host.Pages;

/// <summary>
/// The browser pages: <c>/login</c> (anyone), <c>/designer</c> (role designer or admin), <c>/inbox</c> (policy
/// tasks: agent, supervisor, finance or admin), <c>/cases/{key}</c> (the same policy; the case API decides which cases), <c>/operations</c> (operator or admin) and <c>/admin</c> (admin: users, groups, API keys, audit log), <c>/admin/versions</c> (admin: versions, diff, migration), <c>/admin/settings</c> (admin: agent profiles, SMS texts, calendars), <c>/admin/tenants</c> (admin: tenants and their members), <c>/admin/catalogues</c> (admin: managed catalogues). All are HTML shells
/// from the designer bundle (Designer/, built by npm into wwwroot/designer); they fetch everything else from the
/// API with the session cookie, so the pages hold no data of their own and the API's policies stay the only gate.
/// </summary>
internal static class DesignerPages
{
    public const string HomePath = "/";
    public const string LoginPath = "/login";
    public const string DesignerPath = "/designer";
    public const string InboxPath = "/inbox";
    public const string OperationsPath = "/operations";
    public const string AdminPath = "/admin";
    public const string CasePath = "/cases/{key}";
    public const string VersionsPath = "/admin/versions";
    public const string SettingsPath = "/admin/settings";
    public const string TenantsPath = "/admin/tenants";
    public const string CataloguesPath = "/admin/catalogues";
    public const string ReportsPath = "/reports";

    /// <summary>The bundle's scripts, styles and fonts (public: the sign-in page needs them before anyone is signed in).</summary>
    private const string BundleFolder = "designer";

    /// <summary>
    /// Serves the bundle from wwwroot. Registered before authentication: scripts, styles and fonts are the same for
    /// everyone. HTML is left out of the content types, so the page shells are only reachable through the endpoints
    /// below, which check the role first.
    /// </summary>
    public static IApplicationBuilder UseDesignerAssets(this IApplicationBuilder app)
    {
        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings.Remove(".html");
        contentTypes.Mappings.Remove(".htm");
        contentTypes.Mappings[".map"] = "application/json";
        return app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = contentTypes,
            // Asset names are stable (designer.js), so a browser must revalidate to pick up a new build; the other
            // headers come from the host's policy (SecurityHeaders).
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
    }

    public static IEndpointRouteBuilder MapDesignerPages(this IEndpointRouteBuilder app)
    {
        // A return URL leading off the site is dropped here already (the page's script checks again), so a crafted
        // link to the sign-in page cannot send the user elsewhere afterwards.
        app.MapGet(LoginPath, (HttpContext http, IWebHostEnvironment environment) =>
                http.Request.Query.TryGetValue("returnUrl", out var returnUrl) && (returnUrl.Count != 1 || !ReturnUrls.IsLocal(returnUrl[0]))
                    ? Results.Redirect(LoginPath)
                    : Page(environment, "login.html"))
            .AllowAnonymous()
            .WithMetadata(new PageEndpoint(null))
            .ExcludeFromDescription();
        // The home address: a signed-out browser goes to sign-in, a signed-in user to the page of their roles — never a bare 401/404.
        app.MapGet(HomePath, (HttpContext http) => Results.Redirect(http.User.Identity?.IsAuthenticated == true
                ? AuthApi.StartPageOf([.. Roles.All.Where(http.User.IsInRole)])
                : LoginPath))
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.MapGet(DesignerPath, (IWebHostEnvironment environment) => Page(environment, "designer.html"))
            .RequireAuthorization(Policies.Designer)
            .WithMetadata(new PageEndpoint(Policies.Designer))
            .ExcludeFromDescription();
        app.MapGet(InboxPath, (IWebHostEnvironment environment) => Page(environment, "inbox.html"))
            .RequireAuthorization(Policies.Tasks)
            .WithMetadata(new PageEndpoint(Policies.Tasks))
            .ExcludeFromDescription();
        app.MapGet(OperationsPath, (IWebHostEnvironment environment) => Page(environment, "operations.html"))
            .RequireAuthorization(Policies.Operator)
            .WithMetadata(new PageEndpoint(Policies.Operator))
            .ExcludeFromDescription();
        app.MapGet(AdminPath, (IWebHostEnvironment environment) => Page(environment, "admin.html"))
            .RequireAuthorization(Policies.Admin)
            .WithMetadata(new PageEndpoint(Policies.Admin))
            .ExcludeFromDescription();
        app.MapGet(VersionsPath, (IWebHostEnvironment environment) => Page(environment, "versions.html"))
            .RequireAuthorization(Policies.Admin)
            .WithMetadata(new PageEndpoint(Policies.Admin))
            .ExcludeFromDescription();
        app.MapGet(SettingsPath, (IWebHostEnvironment environment) => Page(environment, "settings.html"))
            .RequireAuthorization(Policies.Admin)
            .WithMetadata(new PageEndpoint(Policies.Admin))
            .ExcludeFromDescription();
        app.MapGet(TenantsPath, (IWebHostEnvironment environment) => Page(environment, "tenants.html"))
            .RequireAuthorization(Policies.Admin)
            .WithMetadata(new PageEndpoint(Policies.Admin))
            .ExcludeFromDescription();
        app.MapGet(CataloguesPath, (IWebHostEnvironment environment) => Page(environment, "catalogues.html"))
            .RequireAuthorization(Policies.Admin)
            .WithMetadata(new PageEndpoint(Policies.Admin))
            .ExcludeFromDescription();
        // The case page has the policy of the case API it reads (whoever works tasks, and operators); which cases stay the API's 404s.
        app.MapGet(CasePath, (IWebHostEnvironment environment) => Page(environment, "case.html"))
            .RequireAuthorization(Policies.Cases)
            .WithMetadata(new PageEndpoint(Policies.Cases))
            .ExcludeFromDescription();
        // Reports: the supervisors' policy of /api/reports, which counts only what the user may see.
        app.MapGet(ReportsPath, (IWebHostEnvironment environment) => Page(environment, "reports.html"))
            .RequireAuthorization(Policies.Supervisor)
            .WithMetadata(new PageEndpoint(Policies.Supervisor))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// A browser opening a page without a session is sent to the sign-in page and comes back afterwards; API clients
    /// (no text/html in Accept) keep getting 401, as everywhere else.
    /// </summary>
    public static bool TryRedirectToLogin(HttpContext context)
    {
        if (!IsPageNavigation(context))
        {
            return false;
        }
        var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        return true;
    }

    /// <summary>A signed-in browser user without the page's role gets a readable 403 page instead of problem+json.</summary>
    public static async Task<bool> TryWriteForbiddenPageAsync(HttpContext context)
    {
        if (!IsPageNavigation(context))
        {
            return false;
        }
        var user = WebUtility.HtmlEncode(context.User.Identity?.Name ?? "this user");
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<PageEndpoint>()?.Policy;
        var roles = policy is null ? [] : Policies.RolesOf[policy].Append(Roles.Admin).Select(role => $"<code>{WebUtility.HtmlEncode(role)}</code>").ToList();
        var needs = roles.Count switch
        {
            0 => "another role",
            1 => $"the role {roles[0]}",
            _ => $"one of the roles {string.Join(", ", roles)}",
        };
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Forbidden — Processes</title>
            <link rel="stylesheet" href="/designer/designer.css"></head>
            <body class="message-page"><main class="login-box"><h1>Forbidden</h1>
            <p>You are signed in as <strong>{user}</strong>, who may not open this page: it needs {needs}.</p>
            <p><a href="{LoginPath}?returnUrl={Uri.EscapeDataString(context.Request.Path)}">Sign in as someone else</a></p>
            </main></body></html>
            """);
        return true;
    }

    private static bool IsPageNavigation(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<PageEndpoint>() is not null &&
        context.Request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static IResult Page(IWebHostEnvironment environment, string name)
    {
        var file = environment.WebRootFileProvider.GetFileInfo($"{BundleFolder}/pages/{name}");
        if (!file.Exists || file.PhysicalPath is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The pages are not built.",
                detail: "wwwroot/designer is missing: build the host with npm available (the build runs npm in Designer/), " +
                        "or run `npm ci && npm run build` in Designer/.");
        }
        return new HtmlPage(file);
    }

    /// <summary>Marks the page endpoints, whose challenges and denials are answered for a browser; the policy names the roles on the 403 page.</summary>
    private sealed record PageEndpoint(string? Policy);

    /// <summary>The page shell, never cached (a new build must show at once); its content security policy is the host's page policy.</summary>
    private sealed class HtmlPage(IFileInfo file) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            return TypedResults.PhysicalFile(file.PhysicalPath!, "text/html; charset=utf-8").ExecuteAsync(httpContext);
        }
    }
}
