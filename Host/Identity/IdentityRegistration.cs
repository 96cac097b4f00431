using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace Processes.Host.Identity;

public static class IdentityRegistration
{
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>Users, password hashing, the three authentication schemes, the policies and the first admin.</summary>
    public static IHostApplicationBuilder AddProcessesIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();
        services.AddSingleton<Passwords>();
        services.Configure<LoginThrottleOptions>(builder.Configuration.GetSection("Processes:Identity:Throttle"));
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<SessionCookie>();
        services.AddSingleton<CallerRecheck>();
        services.AddSingleton<IdentityCache>();
        // Heard on the engine node's one LISTEN connection (EngineNodeService subscribes every such subscriber).
        services.AddSingleton<Processes.Engine.Cluster.INotificationSubscriber, IdentityChangeListener>();
        // SameAsRequest marks the cookies Secure on HTTPS, also behind a TLS-terminating proxy once its forwarded
        // headers are trusted; Always (Processes:Identity:SecureCookie) for sites that are only ever reached over HTTPS.
        var secure = builder.Configuration.GetValue("Processes:Identity:SecureCookie", CookieSecurePolicy.SameAsRequest);
        services.AddAuthentication(IdentitySchemes.Default)
            .AddPolicyScheme(IdentitySchemes.Default, "Cookie or API key", options => options.ForwardDefaultSelector = IdentitySchemes.SelectScheme)
            .AddCookie(IdentitySchemes.Cookie, options =>
            {
                SessionCookie.Configure(options);
                options.Cookie.SecurePolicy = secure;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(IdentitySchemes.ApiKey, null);
        services.AddAuthorization(Policies.Configure);
        services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = ".processes.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = secure;
        });
        // After the database start-up (registered earlier), so the admin is created once the schema exists.
        services.AddHostedService<AdminBootstrap>();
        services.AddSingleton<ShippedGroups>();
        services.AddSingleton<TaskPeople>();
        return builder;
    }

    /// <summary>Authentication, antiforgery for cookie sessions, authorization — in that order.</summary>
    public static IApplicationBuilder UseProcessesIdentity(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseMiddleware<SessionAntiforgery>();
        app.UseMiddleware<PasswordChangeGate>();
        app.UseAuthorization();
        return app;
    }

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapApiKeysApi();
        app.MapGroupsApi();
        app.MapCamundaUsersApi();
        app.MapCamundaGroupsApi();
        app.MapCamundaRolesApi();
        app.MapCamundaIdentityUnsupported();
        app.MapCamundaAuthenticationApi();
        return app;
    }
}

/// <summary>
/// A browser sends the session cookie by itself, also on requests another site makes it send (CSRF), so a
/// state-changing request authenticated by the cookie must also carry the antiforgery token in the header.
/// Requests authenticated by an API key (Basic or Bearer) are exempt: the Authorization header is never added
/// by the browser on its own, so its presence already proves the caller chose to send it. Sign-in is exempt too:
/// it uses no credential yet, it creates one.
/// </summary>
internal sealed class SessionAntiforgery(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && IdentitySchemes.IsCookieAuthenticated(context.User) &&
            !context.Request.Path.Equals("/api/auth/login", StringComparison.OrdinalIgnoreCase) &&
            !await antiforgery.IsRequestValidAsync(context))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Antiforgery token missing or invalid.",
                detail: $"A request signed in by the session cookie must send the token from GET /api/auth/antiforgery in the {IdentityRegistration.AntiforgeryHeader} header.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}

/// <summary>
/// A session whose password someone else chose (the generated first admin, an admin's reset) may only change it,
/// read who it is and sign out; every other endpoint answers 403 until the password is changed.
/// </summary>
internal sealed class PasswordChangeGate(RequestDelegate next)
{
    /// <summary>Endpoint metadata: reachable before the password is changed.</summary>
    public static readonly object Allowed = new AllowedBeforePasswordChange();

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && context.User.HasClaim(IdentitySchemes.PasswordChangeRequiredClaim, "true") &&
            endpoint.Metadata.GetMetadata<AllowedBeforePasswordChange>() is null &&
            endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Password change required.",
                detail: "Choose a new password first: POST /api/auth/password with currentPassword and newPassword.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private sealed class AllowedBeforePasswordChange;
}
