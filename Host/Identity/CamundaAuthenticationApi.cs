using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Camunda;
using Processes.Host.Tenants;

namespace Processes.Host.Identity;

/// <summary>Camunda's "who am I": the caller's user, roles, groups and tenants (names included), and what of ours it may open.</summary>
public sealed record CamundaAuthenticationResult(
    string Username,
    string DisplayName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email,
    IReadOnlyList<string> AuthorizedComponents,
    IReadOnlyList<TenantResult> Tenants,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Roles,
    string SalesPlanType,
    IReadOnlyDictionary<string, string> C8Links,
    bool CanLogout);

/// <summary>
/// Camunda 8.8's <c>GET /v2/authentication/me</c> for any signed-in caller. Components use Camunda's names for what we
/// have: <c>tasklist</c> (the inbox) for those who work tasks, <c>operate</c> (the operations console and cases) for those
/// who read cases, <c>*</c> for admins. Tenants are those the caller works in (every tenant for an admin; the default
/// one for a user of none). Only a session can log out; an API key is revoked instead.
/// </summary>
internal static class CamundaAuthenticationApi
{
    public static IEndpointRouteBuilder MapCamundaAuthenticationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/authentication/me", MeAsync).WithTags("Authentication").RequireAuthorization(Policies.Authenticated);
        return app;
    }

    private static async Task<Results<Ok<CamundaAuthenticationResult>, ProblemHttpResult>> MeAsync(ClaimsPrincipal principal, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        var id = IdentitySchemes.UserIdOf(principal);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if ((id is null ? null : await UserStore.FindAsync(connection, id.Value, cancellationToken)) is not { } user)
        {
            return CamundaResults.NotFound("The signed-in user no longer exists.");
        }
        var admin = user.Roles.Contains(Identity.Roles.Admin, StringComparer.Ordinal);
        IReadOnlyList<string>? tenantIds = admin ? null : user.Tenants.Length > 0 ? user.Tenants : [Processes.Engine.Visibility.TenantIds.Default];
        var tenants = await TenantStore.EntriesAsync(connection, tenantIds, cancellationToken);
        List<string> components = admin ? ["*"] : [];
        if (!admin && Policies.RolesOf[Policies.Tasks].Any(user.Roles.Contains))
        {
            components.Add("tasklist");
        }
        if (!admin && Policies.RolesOf[Policies.Cases].Any(user.Roles.Contains))
        {
            components.Add("operate");
        }
        return TypedResults.Ok(new CamundaAuthenticationResult(user.UserName, user.DisplayName, user.Email, components,
            [.. tenants.Select(t => new TenantResult(t.Id, t.Name, null))], user.Groups, user.Roles, "", new Dictionary<string, string>(),
            CanLogout: IdentitySchemes.IsCookieAuthenticated(principal)));
    }
}
