using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Processes.Host.Pages;
using Processes.Host.Postgres;

namespace Processes.Host.Identity;

/// <summary>
/// The authentication schemes. <see cref="Default"/> forwards: a request with an Authorization header (Basic or
/// Bearer, as Camunda clients send) goes to <see cref="ApiKey"/>, every other request to the session cookie.
/// </summary>
public static class IdentitySchemes
{
    public const string Default = "processes";
    public const string Cookie = "processes.cookie";
    public const string ApiKey = "processes.apikey";

    public const string UserIdClaim = ClaimTypes.NameIdentifier;
    public const string GroupClaim = "processes:group";
    public const string TenantClaim = "processes:tenant";

    /// <summary>The one tenant a page session chose in the tenant switcher (see <see cref="Tenants.TenantSelection"/>).</summary>
    public const string SelectedTenantClaim = "processes:tenant-selected";
    public const string StampClaim = "processes:stamp";
    public const string ApiKeyIdClaim = "processes:apikey";
    public const string SessionClaim = "processes:session";
    public const string PasswordChangeRequiredClaim = "processes:password-change-required";

    /// <summary>The principal of a user as loaded from the database, for the given scheme.</summary>
    internal static ClaimsPrincipal PrincipalOf(UserRecord user, string scheme, long? apiKeyId = null, string? sessionId = null)
    {
        var claims = new List<Claim>
        {
            new(UserIdClaim, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.UserName),
            new(StampClaim, user.SecurityStamp.ToString()),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(user.Groups.Select(g => new Claim(GroupClaim, g)));
        claims.AddRange((user.Tenants.Length == 0 ? [Processes.Engine.Visibility.TenantIds.Default] : user.Tenants).Select(t => new Claim(TenantClaim, t)));
        if (user.PasswordChangeRequired && apiKeyId is null)
        {
            claims.Add(new Claim(PasswordChangeRequiredClaim, "true"));
        }
        if (apiKeyId is not null)
        {
            claims.Add(new Claim(ApiKeyIdClaim, apiKeyId.Value.ToString(CultureInfo.InvariantCulture)));
        }
        if (sessionId is not null)
        {
            claims.Add(new Claim(SessionClaim, sessionId));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The signed-in user's id, or null when anonymous.</summary>
    public static long? UserIdOf(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(UserIdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>True when the request carried a session cookie (an ambient credential a browser sends by itself).</summary>
    public static bool IsCookieAuthenticated(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, AuthenticationType: Cookie };

    internal static string? SelectScheme(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? ApiKey
            : Cookie;
    }
}

/// <summary>
/// Authorization: Basic (user name, API key as the password) or Bearer (API key). Passwords are not accepted here:
/// people sign in once through the login endpoint, and a password check per request would cost a slow hash each.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ProcessesDatabase database, IdentityCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Refused = "The API key is unknown, revoked, or does not belong to this user.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }
        string? userName = null;
        var token = header.Parameter;
        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            }
            catch (FormatException)
            {
                return AuthenticateResult.Fail("The Basic credentials are not valid Base64.");
            }
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return AuthenticateResult.Fail("The Basic credentials have no user name.");
            }
            (userName, token) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        else if (!header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var found = cache.Find(token);
        if (found is null)
        {
            var generation = cache.Generation;
            var dataSource = await database.EnsureStartedAsync();
            await using var connection = await dataSource.OpenConnectionAsync(Context.RequestAborted);
            found = await ApiKeys.AuthenticateAsync(connection, token, Context.RequestAborted);
            if (found is var (foundUser, foundKey))
            {
                cache.Store(token, foundUser, foundKey, generation);
            }
        }
        if (found is not var (user, keyId) || (userName is not null && !userName.Equals(user.UserName, StringComparison.OrdinalIgnoreCase)))
        {
            return AuthenticateResult.Fail(Refused);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(IdentitySchemes.PrincipalOf(user, Scheme.Name, keyId), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer, Basic realm=\"Processes\", charset=\"UTF-8\"";
        var result = await HandleAuthenticateOnceSafeAsync();
        var problem = TypedResults.Problem(
            title: "Unauthorized",
            detail: result.Failure?.Message ?? "Send an API key: Authorization: Bearer <key>, or Basic with the user name and the key.",
            statusCode: StatusCodes.Status401Unauthorized);
        await problem.ExecuteAsync(Context);
    }
}

/// <summary>The session cookie: 401/403 instead of redirects, and a current look at the user on every request.</summary>
/// <remarks>
/// Takes the database, not the data source: this runs for every request, also /health/live while the database is
/// unreachable, and resolving the data source waits for (and fails with) the database start.
/// </remarks>
internal sealed class SessionCookie(ProcessesDatabase database, IdentityCache cache) : CookieAuthenticationEvents
{
    public const string Name = ".processes.session";

    public static void Configure(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = Name;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = SessionStore.IdleTimeout;
        options.SlidingExpiration = true;
        options.EventsType = typeof(SessionCookie);
    }

    // The empty bodies are turned into problem+json by the status-code pages. Only a browser opening one of the
    // pages (/designer) is redirected to the sign-in page or shown a readable 403.
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (DesignerPages.TryRedirectToLogin(context.HttpContext))
        {
            return Task.CompletedTask;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    public override async Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (!await DesignerPages.TryWriteForbiddenPageAsync(context.HttpContext))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }

    /// <summary>
    /// Checks the session record and the user, so roles and groups are current and a session ended anywhere (logout,
    /// disable, password change, on any host) is refused at its next request. A check is remembered for a few seconds
    /// (<see cref="IdentityCache"/>): every such change clears it at once on this host and, through NOTIFY, on the
    /// others, so a page's requests do not each read the database.
    /// </summary>
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var id = context.Principal is null ? null : IdentitySchemes.UserIdOf(context.Principal);
        var sessionId = context.Principal?.FindFirstValue(IdentitySchemes.SessionClaim);
        UserRecord? user = null;
        if (id is not null && sessionId is not null)
        {
            user = cache.FindSession(sessionId);
            if (user is null)
            {
                var generation = cache.Generation;
                var cancellationToken = context.HttpContext.RequestAborted;
                var dataSource = await database.EnsureStartedAsync();
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                if (await SessionStore.FindLiveAsync(connection, sessionId, cancellationToken) == id)
                {
                    user = await UserStore.FindAsync(connection, id.Value, cancellationToken);
                }
                if (user is { Enabled: true })
                {
                    cache.StoreSession(sessionId, user, generation);
                }
            }
            else if (user.Id != id)
            {
                user = null;
            }
        }
        if (user is not { Enabled: true })
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentitySchemes.Cookie);
            return;
        }
        context.ReplacePrincipal(IdentitySchemes.PrincipalOf(user, IdentitySchemes.Cookie, sessionId: sessionId));
    }
}
