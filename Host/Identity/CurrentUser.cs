using System.Security.Claims;
using Processes.Engine.Visibility;

namespace Processes.Host.Identity;

/// <summary>
/// What other features need to know about the caller, read from the principal the authentication built from the
/// database on this request (so roles and groups are current, for sessions and API keys alike).
/// </summary>
public static class CurrentUser
{
    /// <summary>The user's id (app_user.id); null when anonymous.</summary>
    public static long? UserId(this ClaimsPrincipal principal) => IdentitySchemes.UserIdOf(principal);

    /// <summary>The user name, as audit rows and task assignees use it; null when anonymous.</summary>
    public static string? UserName(this ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true } identity ? identity.Name : null;

    /// <summary>The names of the user's groups (candidate groups of tasks match these).</summary>
    public static IReadOnlyList<string> Groups(this ClaimsPrincipal principal) =>
        [.. principal.FindAll(IdentitySchemes.GroupClaim).Select(c => c.Value)];

    /// <summary>
    /// The tenants the user works in: every tenant for admins (null), else their memberships (direct and through
    /// groups; the default tenant for a user with none). A page session that chose one tenant in the switcher sees that one.
    /// </summary>
    public static IReadOnlyList<string>? Tenants(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.FindFirst(IdentitySchemes.SelectedTenantClaim) is { } selected)
        {
            return [selected.Value];
        }
        return principal.IsInRole(Roles.Admin) ? null : [.. principal.FindAll(IdentitySchemes.TenantClaim).Select(c => c.Value)];
    }

    /// <summary>The tenants the user belongs to, ignoring a switcher choice (null for admins: all).</summary>
    public static IReadOnlyList<string>? MemberTenants(this ClaimsPrincipal principal) =>
        principal.IsInRole(Roles.Admin) ? null : [.. principal.FindAll(IdentitySchemes.TenantClaim).Select(c => c.Value)];

    /// <summary>True for the role itself and for admin, as the policies treat them.</summary>
    public static bool Has(this ClaimsPrincipal principal, string role) =>
        principal.IsInRole(role) || principal.IsInRole(Roles.Admin);

    /// <summary>
    /// The caller as the engine's read models and task commands take it: name, roles and groups from this request's
    /// principal, and the tenants (<see cref="Tenants"/>).
    /// </summary>
    public static Caller Caller(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var roles = new HashSet<CallerRole>();
        foreach (var (name, role) in RoleMap)
        {
            if (principal.IsInRole(name))
            {
                roles.Add(role);
            }
        }
        return new Caller(principal.UserName() ?? "", roles, principal.Groups()) { Tenants = principal.Tenants() };
    }

    private static readonly (string Name, CallerRole Role)[] RoleMap =
    [
        (Roles.Designer, CallerRole.Designer), (Roles.Agent, CallerRole.Agent), (Roles.Supervisor, CallerRole.Supervisor),
        (Roles.Finance, CallerRole.Finance), (Roles.Operator, CallerRole.Operator), (Roles.Admin, CallerRole.Admin), (Roles.Integration, CallerRole.Integration),
    ];
}
