using System.Security.Claims;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Tenants;

/// <summary>
/// Per request, after authorization: a page session's tenant switcher choice (the <see cref="CookieName"/> cookie,
/// honoured only when the user may see that tenant) narrows the caller to that tenant, and the caller's tenants become
/// the engine's <see cref="TenantScope"/> for the request, so every command checks the rows it touches against them.
/// API keys ignore the cookie: a program acts within all its user's tenants and names the one it means.
/// </summary>
internal sealed class TenantSelection(RequestDelegate next)
{
    public const string CookieName = "processes-tenant";

    public async Task InvokeAsync(HttpContext context)
    {
        var user = context.User;
        if (user.Identity is not { IsAuthenticated: true })
        {
            await next(context);
            return;
        }
        if (IdentitySchemes.IsCookieAuthenticated(user) && context.Request.Cookies[CookieName] is { Length: > 0 } chosen &&
            TenantIds.IsValid(chosen) && (user.MemberTenants() is not { } mine || mine.Contains(chosen, StringComparer.Ordinal)))
        {
            // An admin's choice of a tenant that no longer exists just shows nothing; the switcher offers existing ones only.
            ((ClaimsIdentity)user.Identity).AddClaim(new Claim(IdentitySchemes.SelectedTenantClaim, chosen));
        }
        using (TenantScope.Enter(user.Tenants()))
        {
            await next(context);
        }
    }
}
