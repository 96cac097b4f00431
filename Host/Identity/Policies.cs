using Microsoft.AspNetCore.Authorization;

namespace Processes.Host.Identity;

/// <summary>The seven roles a user can hold. Stored as these exact strings (see 0005_identity.sql).</summary>
public static class Roles
{
    public const string Designer = "designer";
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Finance = "finance";
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Integration = "integration";

    public static IReadOnlyList<string> All { get; } = [Designer, Agent, Supervisor, Finance, Admin, Operator, Integration];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// Every authorization policy of the product, in one place. Each endpoint declares one with
/// <c>.RequireAuthorization(Policies.X)</c>, or is anonymous and listed in <see cref="AnonymousRoutes"/>;
/// the role-matrix test fails the build for an endpoint that does neither. Admin passes every policy.
/// </summary>
public static class Policies
{
    /// <summary>Any signed-in user or API key, whatever the roles (own profile, sign-out).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>Deploy and manage process definitions, forms, decisions.</summary>
    public const string Designer = "designer";

    /// <summary>Work own and group tasks. Supervisors work tasks too.</summary>
    public const string Agent = "agent";

    /// <summary>
    /// The task inbox and the user-task API: whoever works tasks — agents, supervisors, and finance reviewers, whose
    /// refund and settlement reviews are user tasks too. Which tasks one sees still follows the groups.
    /// </summary>
    public const string Tasks = "tasks";

    /// <summary>
    /// Reading cases — process instances, the case view and its history, the case page: whoever works tasks, and
    /// operators, who watch every case without working its tasks (their writes stay behind <see cref="Operator"/>).
    /// Which cases one sees still follows the visibility rule.
    /// </summary>
    public const string Cases = "cases";

    /// <summary>Group tasks of others, reassignment, escalations.</summary>
    public const string Supervisor = "supervisor";

    /// <summary>Refund reviews.</summary>
    public const string Finance = "finance";

    /// <summary>Jobs, incidents, servers.</summary>
    public const string Operator = "operator";

    /// <summary>Users, groups, API keys, audit log, versions — and, through the other policies, everything.</summary>
    public const string Admin = "admin";

    /// <summary>The roles each policy admits (admin is added to every one).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RolesOf { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [Authenticated] = [],
        [Designer] = [Roles.Designer],
        [Agent] = [Roles.Agent, Roles.Supervisor],
        [Tasks] = [Roles.Agent, Roles.Supervisor, Roles.Finance, Roles.Integration],
        [Cases] = [Roles.Agent, Roles.Supervisor, Roles.Finance, Roles.Operator, Roles.Integration],
        [Supervisor] = [Roles.Supervisor],
        [Finance] = [Roles.Finance],
        [Operator] = [Roles.Operator],
        [Admin] = [],
    };

    public static IReadOnlyCollection<string> All => (IReadOnlyCollection<string>)RolesOf.Keys;

    /// <summary>
    /// Route patterns that need no sign-in, deliberately. An anonymous endpoint must also be listed
    /// here, so making one public is a visible change to this file; the role-matrix test checks both.
    /// </summary>
    public static IReadOnlySet<string> AnonymousRoutes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "/health/live",
        "/health/ready",
        "/api/auth/login",
        "/openapi/{documentName}.json",
        "/login", // the sign-in page (HTML that posts to /api/auth/login)
        "/webhooks/{**path}", // platforms' inbound webhooks: no user, but every call signed (HMAC or API key over a connector secret)
        "/documents/links/{token}", // a document's link: no user, but the token is the server's signature and expires
        "/", // home: redirects to sign-in, or to the signed-in user's start page
    };

    internal static void Configure(AuthorizationOptions options)
    {
        foreach (var (policy, roles) in RolesOf)
        {
            options.AddPolicy(policy, builder =>
            {
                builder.RequireAuthenticatedUser();
                if (policy == Admin)
                {
                    builder.RequireRole(Roles.Admin);
                }
                else if (roles.Count > 0)
                {
                    builder.RequireRole([.. roles, Roles.Admin]);
                }
            });
        }
        // An endpoint that forgot its policy still needs a signed-in user; the role-matrix test catches it before that.
        options.FallbackPolicy = options.GetPolicy(Authenticated);
    }
}
