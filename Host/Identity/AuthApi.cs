using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

/// <summary>Sign-in; <c>returnUrl</c> (optional) is where the page wants to go next, answered back as <c>landing</c> when local.</summary>
public sealed record LoginRequest(string? UserName, string? Password, string? ReturnUrl = null);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary><c>landing</c>: the requested return URL when it stays on this site, else the user's start page.</summary>
public sealed record SignedIn(MeView User, string AntiforgeryToken, string AntiforgeryHeader, string Landing);

public sealed record AntiforgeryView(string Token, string HeaderName);

/// <summary>Who is calling: the user, roles and groups, and whether by session cookie or API key.</summary>
public sealed record MeView(long Id, string UserName, string DisplayName, string? Email, IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups, string AuthenticatedWith, bool PasswordChangeRequired);

/// <summary>/api/auth: session sign-in for the pages (cookie), sign-out, the current user, antiforgery tokens.</summary>
internal static class AuthApi
{
    private const string SignInFailed = "The user name or password is wrong, or this account cannot sign in now.";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed);
        auth.MapGet("/me", MeAsync).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed);
        auth.MapGet("/antiforgery", Antiforgery).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed);
        auth.MapPost("/password", ChangePasswordAsync).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed);
        return app;
    }

    private static async Task<Results<Ok<SignedIn>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, NpgsqlDataSource dataSource, Passwords passwords, IAntiforgery antiforgery,
        IAuditLog audit, IOptions<LoginThrottleOptions> throttleOptions, SignInThrottle throttle, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors["userName"] = ["A user name is required."];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var userName = request.UserName!.Trim();
        var actor = userName.Length > 200 ? userName[..200] : userName;
        var remote = http.Connection.RemoteIpAddress?.ToString();
        var address = SignInThrottle.AddressOf(http);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await throttle.BlockedUntilAsync(connection, address, cancellationToken) is { } blockedUntil)
        {
            await audit.RecordAsync(new AuditEntry(actor, "auth.login_failed", "user", null, new { reason = "address blocked", blockedUntil }, remote), cancellationToken);
            return Blocked(http, blockedUntil);
        }
        var user = await UserStore.FindByNameAsync(connection, userName, cancellationToken);
        // The hash is checked in every case (a decoy for unknown names) so the time taken does not tell which part was wrong.
        var matches = passwords.Verify(user, request.Password!, out var rehashed);
        var locked = user?.LockedUntil is { } until && until > DateTime.UtcNow && !await throttle.IsKnownAsync(connection, user.Id, address, cancellationToken);
        if (user is null || !matches || locked || !user.Enabled)
        {
            var reason = user is null ? "unknown user" : locked ? "locked" : !user.Enabled ? "disabled" : "wrong password";
            DateTime? lockedUntil = null;
            DateTime? addressBlockedUntil = null;
            if (!matches)
            {
                addressBlockedUntil = await throttle.RecordFailureAsync(connection, address, cancellationToken);
                if (user is not null && !locked)
                {
                    lockedUntil = await UserStore.RecordFailedLoginAsync(connection, user.Id, throttleOptions.Value.Threshold, throttleOptions.Value.Lockout, cancellationToken);
                }
            }
            await audit.RecordAsync(new AuditEntry(actor, "auth.login_failed", "user", user?.Id.ToString(CultureInfo.InvariantCulture),
                new { reason, lockedUntil, addressBlockedUntil }, remote), cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.", detail: SignInFailed);
        }

        await UserStore.RecordSuccessfulLoginAsync(connection, user.Id, rehashed, cancellationToken);
        await throttle.RememberAsync(connection, user.Id, address, cancellationToken);
        var sessionId = SessionStore.NewId();
        await SessionStore.CreateAsync(connection, sessionId, user.Id, remote, cancellationToken);
        var principal = IdentitySchemes.PrincipalOf(user, IdentitySchemes.Cookie, sessionId: sessionId);
        await http.SignInAsync(IdentitySchemes.Cookie, principal);
        // The antiforgery token is bound to the user, so it is issued for the principal just signed in.
        http.User = principal;
        var tokens = antiforgery.GetAndStoreTokens(http);
        await audit.RecordAsync(new AuditEntry(user.UserName, "auth.login", "user", user.Id.ToString(CultureInfo.InvariantCulture),
            rehashed is null ? null : new { passwordRehashed = true }, remote), cancellationToken);
        var landing = ReturnUrls.LocalOr(request.ReturnUrl, StartPageOf(user.Roles));
        return TypedResults.Ok(new SignedIn(MeOf(user, principal), tokens.RequestToken!, tokens.HeaderName!, landing));
    }

    /// <summary>The page to open after sign-in without a return URL: what the roles can use.</summary>
    internal static string StartPageOf(IReadOnlyCollection<string> roles)
    {
        var worksTasks = Policies.RolesOf[Policies.Tasks].Any(roles.Contains);
        return roles.Contains(Roles.Designer) || roles.Contains(Roles.Admin) ? Pages.DesignerPages.DesignerPath
            : roles.Contains(Roles.Operator) && !worksTasks ? Pages.DesignerPages.OperationsPath
            : Pages.DesignerPages.InboxPath;
    }

    private static ProblemHttpResult Blocked(HttpContext http, DateTime blockedUntil)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((DateTime.SpecifyKind(blockedUntil, DateTimeKind.Utc) - DateTime.UtcNow).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins.",
            detail: $"Too many failed sign-ins from this address; try again in {seconds} seconds.");
    }

    private static ProblemHttpResult Locked(HttpContext http, DateTime lockedUntil)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((DateTime.SpecifyKind(lockedUntil, DateTimeKind.Utc) - DateTime.UtcNow).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many wrong passwords.",
            detail: $"This account is locked after too many wrong passwords from addresses it does not sign in from; try again in {seconds} seconds.");
    }

    /// <summary>Ends this session on the server too, so a copy of the cookie is worthless afterwards.</summary>
    private static async Task<NoContent> LogoutAsync(HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (http.User.FindFirstValue(IdentitySchemes.SessionClaim) is { } sessionId)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await SessionStore.RevokeAsync(connection, sessionId, cancellationToken);
            IdentityChanges.Committed(http);
        }
        await http.SignOutAsync(IdentitySchemes.Cookie);
        await audit.RecordAsync(AuditEntry.For(http, "auth.logout", "user", http.User.FindFirstValue(IdentitySchemes.UserIdClaim)), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Own password change; this session continues (its record is kept), the user's other sessions end. The current
    /// password is guessed here as at sign-in (by whoever holds a stolen session or key), so the same throttle counts
    /// and refuses: a wrong one is a failure of the address and of the account, a blocked address or (away from the
    /// account's known addresses) a locked account is 429 even with the right one.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, HttpContext http, NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit,
        IOptions<LoginThrottleOptions> throttleOptions, SignInThrottle throttle, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["The current password is required."];
        }
        if (Passwords.Weakness(request.NewPassword) is { } weakness)
        {
            errors["newPassword"] = [weakness];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var id = IdentitySchemes.UserIdOf(http.User)!.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var address = SignInThrottle.AddressOf(http);
        if (await throttle.BlockedUntilAsync(connection, address, cancellationToken) is { } blockedUntil)
        {
            return Blocked(http, blockedUntil);
        }
        var user = await UserStore.FindAsync(connection, id, cancellationToken);
        if (user?.LockedUntil is { } lockedUntil && lockedUntil > DateTime.UtcNow && !await throttle.IsKnownAsync(connection, user.Id, address, cancellationToken))
        {
            return Locked(http, lockedUntil);
        }
        if (!passwords.Verify(user, request.CurrentPassword!, out _))
        {
            var addressBlockedUntil = await throttle.RecordFailureAsync(connection, address, cancellationToken);
            var accountLockedUntil = user is null ? null
                : await UserStore.RecordFailedLoginAsync(connection, user.Id, throttleOptions.Value.Threshold, throttleOptions.Value.Lockout, cancellationToken);
            await audit.RecordAsync(AuditEntry.For(http, "user.password_change_failed", "user", id.ToString(CultureInfo.InvariantCulture),
                new { lockedUntil = accountLockedUntil, addressBlockedUntil }), cancellationToken);
            return Problems.Invalid("currentPassword", "The current password is wrong.");
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await UserStore.SetPasswordAsync(transaction, id, passwords.Hash(request.NewPassword!), changeRequired: false,
            keepSessionId: http.User.FindFirstValue(IdentitySchemes.SessionClaim), cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "user.password_changed", "user", user!.Id.ToString(CultureInfo.InvariantCulture)),
            transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeView>, ProblemHttpResult>> MeAsync(
        ClaimsPrincipal principal, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var id = IdentitySchemes.UserIdOf(principal);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var user = id is null ? null : await UserStore.FindAsync(connection, id.Value, cancellationToken);
        return user is null ? Problems.NotFound("user", id ?? 0) : TypedResults.Ok(MeOf(user, principal));
    }

    private static Ok<AntiforgeryView> Antiforgery(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return TypedResults.Ok(new AntiforgeryView(tokens.RequestToken!, tokens.HeaderName!));
    }

    private static MeView MeOf(UserRecord user, ClaimsPrincipal principal) =>
        new(user.Id, user.UserName, user.DisplayName, user.Email, user.Roles, user.Groups,
            IdentitySchemes.IsCookieAuthenticated(principal) ? "cookie" : "apiKey", user.PasswordChangeRequired);
}
