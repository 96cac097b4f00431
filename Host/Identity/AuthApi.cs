using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

public sealed record LoginRequest(string? UserName, string? Password);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record SignedIn(MeView User, string AntiforgeryToken, string AntiforgeryHeader);

public sealed record AntiforgeryView(string Token, string HeaderName);

/// <summary>Who is calling: the user, roles and groups, and whether by session cookie or API key.</summary>
public sealed record MeView(long Id, string UserName, string DisplayName, string? Email, IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups, string AuthenticatedWith, bool PasswordChangeRequired);

/// <summary>Sign-in throttle: after this many wrong passwords in a row the account refuses sign-in for a while.</summary>
public sealed class LoginThrottleOptions
{
    public int Threshold { get; set; } = 5;
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(5);
}

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
        IAuditLog audit, IOptions<LoginThrottleOptions> throttle, CancellationToken cancellationToken)
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var user = await UserStore.FindByNameAsync(connection, userName, cancellationToken);
        // The hash is checked in every case (a decoy for unknown names) so the time taken does not tell which part was wrong.
        var matches = passwords.Verify(user, request.Password!, out var rehashed);
        var locked = user?.LockedUntil is { } until && until > DateTime.UtcNow;
        if (user is null || !matches || locked || !user.Enabled)
        {
            var reason = user is null ? "unknown user" : locked ? "locked" : !user.Enabled ? "disabled" : "wrong password";
            DateTime? lockedUntil = null;
            if (user is not null && !matches && !locked)
            {
                lockedUntil = await UserStore.RecordFailedLoginAsync(connection, user.Id, throttle.Value.Threshold, throttle.Value.Lockout, cancellationToken);
            }
            await audit.RecordAsync(new AuditEntry(userName.Length > 200 ? userName[..200] : userName, "auth.login_failed", "user",
                user?.Id.ToString(CultureInfo.InvariantCulture),
                new { reason, lockedUntil }, http.Connection.RemoteIpAddress?.ToString()), cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.", detail: SignInFailed);
        }

        await UserStore.RecordSuccessfulLoginAsync(connection, user.Id, rehashed, cancellationToken);
        var principal = IdentitySchemes.PrincipalOf(user, IdentitySchemes.Cookie);
        await http.SignInAsync(IdentitySchemes.Cookie, principal);
        // The antiforgery token is bound to the user, so it is issued for the principal just signed in.
        http.User = principal;
        var tokens = antiforgery.GetAndStoreTokens(http);
        await audit.RecordAsync(new AuditEntry(user.UserName, "auth.login", "user", user.Id.ToString(CultureInfo.InvariantCulture),
            rehashed is null ? null : new { passwordRehashed = true }, http.Connection.RemoteIpAddress?.ToString()), cancellationToken);
        return TypedResults.Ok(new SignedIn(MeOf(user, principal), tokens.RequestToken!, tokens.HeaderName!));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext http, IAuditLog audit, CancellationToken cancellationToken)
    {
        await http.SignOutAsync(IdentitySchemes.Cookie);
        await audit.RecordAsync(AuditEntry.For(http, "auth.logout", "user", http.User.FindFirstValue(IdentitySchemes.UserIdClaim)), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Own password change; the session continues (a new cookie carries the new stamp), others end.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, HttpContext http, NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit,
        CancellationToken cancellationToken)
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
        var user = await UserStore.FindAsync(connection, id, cancellationToken);
        if (!passwords.Verify(user, request.CurrentPassword!, out _))
        {
            return Problems.Invalid("currentPassword", "The current password is wrong.");
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await UserStore.SetPasswordAsync(transaction, id, passwords.Hash(request.NewPassword!), changeRequired: false, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "user.password_changed", "user", user!.Id.ToString(CultureInfo.InvariantCulture)),
            transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (IdentitySchemes.IsCookieAuthenticated(http.User))
        {
            var fresh = await UserStore.FindAsync(connection, id, cancellationToken);
            await http.SignInAsync(IdentitySchemes.Cookie, IdentitySchemes.PrincipalOf(fresh!, IdentitySchemes.Cookie));
        }
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
