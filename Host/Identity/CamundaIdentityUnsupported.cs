namespace Processes.Host.Identity;

/// <summary>One Camunda 8.8 identity operation our model cannot hold, and why.</summary>
internal sealed record UnsupportedOperation(string Operation, string Method, string Path, string Why);

/// <summary>
/// Camunda 8.8's identity operations that have nothing to act on here answer 501 with a problem naming the operation and
/// why — never a 404 (the client would think the resource is missing) nor a 500. The list is the README's "not
/// supported" column of the identity table (Tests/Processes.Conformance/operations.mjs says the same). Admins only, as
/// every identity endpoint: anyone else gets 403 before learning what is not supported.
/// </summary>
internal static class CamundaIdentityUnsupported
{
    private const string Authorizations = "Processes has no per-resource authorizations: what a caller may do follows its fixed roles, groups and tenants.";
    private const string MappingRules = "Processes signs people in itself (passwords, API keys): there is no identity provider token whose claims a mapping rule could match.";
    private const string Clients = "Processes has no OIDC clients: programs use an API key of a user (POST /api/users/{id}/api-keys) and are members as that user.";
    private const string FixedRoles = "the roles are fixed (designer, agent, supervisor, finance, admin, operator): what each may is part of the product.";
    private const string GroupRoles = "roles are held by users only (PUT /v2/roles/{roleId}/users/{username}); a group carries no roles.";
    private const string TenantRoles = "a tenant's members are users and groups, not roles.";

    public static IReadOnlyList<UnsupportedOperation> Operations { get; } =
    [
        new("createAuthorization", "POST", "/v2/authorizations", Authorizations),
        new("searchAuthorizations", "POST", "/v2/authorizations/search", Authorizations),
        new("getAuthorization", "GET", "/v2/authorizations/{authorizationKey}", Authorizations),
        new("updateAuthorization", "PUT", "/v2/authorizations/{authorizationKey}", Authorizations),
        new("deleteAuthorization", "DELETE", "/v2/authorizations/{authorizationKey}", Authorizations),
        new("createMappingRule", "POST", "/v2/mapping-rules", MappingRules),
        new("searchMappingRule", "POST", "/v2/mapping-rules/search", MappingRules),
        new("getMappingRule", "GET", "/v2/mapping-rules/{mappingRuleId}", MappingRules),
        new("updateMappingRule", "PUT", "/v2/mapping-rules/{mappingRuleId}", MappingRules),
        new("deleteMappingRule", "DELETE", "/v2/mapping-rules/{mappingRuleId}", MappingRules),
        new("createAdminUser", "POST", "/v2/setup/user",
            "the first admin is created at the first start (Processes:Admin:Password, else a one-time password written to the log)."),
        new("searchClientsForGroup", "POST", "/v2/groups/{groupId}/clients/search", Clients),
        new("assignClientToGroup", "PUT", "/v2/groups/{groupId}/clients/{clientId}", Clients),
        new("unassignClientFromGroup", "DELETE", "/v2/groups/{groupId}/clients/{clientId}", Clients),
        new("searchMappingRulesForGroup", "POST", "/v2/groups/{groupId}/mapping-rules/search", MappingRules),
        new("assignMappingRuleToGroup", "PUT", "/v2/groups/{groupId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("unassignMappingRuleFromGroup", "DELETE", "/v2/groups/{groupId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("searchRolesForGroup", "POST", "/v2/groups/{groupId}/roles/search", GroupRoles),
        new("createRole", "POST", "/v2/roles", FixedRoles),
        new("updateRole", "PUT", "/v2/roles/{roleId}", FixedRoles),
        new("deleteRole", "DELETE", "/v2/roles/{roleId}", FixedRoles),
        new("searchClientsForRole", "POST", "/v2/roles/{roleId}/clients/search", Clients),
        new("assignRoleToClient", "PUT", "/v2/roles/{roleId}/clients/{clientId}", Clients),
        new("unassignRoleFromClient", "DELETE", "/v2/roles/{roleId}/clients/{clientId}", Clients),
        new("searchGroupsForRole", "POST", "/v2/roles/{roleId}/groups/search", GroupRoles),
        new("assignRoleToGroup", "PUT", "/v2/roles/{roleId}/groups/{groupId}", GroupRoles),
        new("unassignRoleFromGroup", "DELETE", "/v2/roles/{roleId}/groups/{groupId}", GroupRoles),
        new("searchMappingRulesForRole", "POST", "/v2/roles/{roleId}/mapping-rules/search", MappingRules),
        new("assignRoleToMappingRule", "PUT", "/v2/roles/{roleId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("unassignRoleFromMappingRule", "DELETE", "/v2/roles/{roleId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("searchClientsForTenant", "POST", "/v2/tenants/{tenantId}/clients/search", Clients),
        new("assignClientToTenant", "PUT", "/v2/tenants/{tenantId}/clients/{clientId}", Clients),
        new("unassignClientFromTenant", "DELETE", "/v2/tenants/{tenantId}/clients/{clientId}", Clients),
        new("searchMappingRulesForTenant", "POST", "/v2/tenants/{tenantId}/mapping-rules/search", MappingRules),
        new("assignMappingRuleToTenant", "PUT", "/v2/tenants/{tenantId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("unassignMappingRuleFromTenant", "DELETE", "/v2/tenants/{tenantId}/mapping-rules/{mappingRuleId}", MappingRules),
        new("searchRolesForTenant", "POST", "/v2/tenants/{tenantId}/roles/search", TenantRoles),
        new("assignRoleToTenant", "PUT", "/v2/tenants/{tenantId}/roles/{roleId}", TenantRoles),
        new("unassignRoleFromTenant", "DELETE", "/v2/tenants/{tenantId}/roles/{roleId}", TenantRoles),
    ];

    public static IEndpointRouteBuilder MapCamundaIdentityUnsupported(this IEndpointRouteBuilder app)
    {
        foreach (var operation in Operations)
        {
            app.MapMethods(operation.Path, [operation.Method], () => TypedResults.Problem(statusCode: StatusCodes.Status501NotImplemented,
                    title: "NOT_IMPLEMENTED", detail: $"{operation.Operation} ({operation.Method} {operation.Path}) is not supported: {operation.Why}"))
                .WithTags("Identity (not supported)")
                .RequireAuthorization(Policies.Admin);
        }
        return app;
    }
}
