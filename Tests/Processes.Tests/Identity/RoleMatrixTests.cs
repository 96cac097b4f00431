using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>One endpoint of the matrix: how to call it, and the policy it must declare (null: anonymous by design).</summary>
public sealed record MatrixRow(string Method, string Pattern, string Path, string? Body, string? Policy)
{
    public override string ToString() => $"{Method} {Pattern}";
}

/// <summary>
/// The role matrix. First, every endpoint of the app must declare a policy from <see cref="Policies"/> or be anonymous
/// and listed in <see cref="Policies.AnonymousRoutes"/>, and must have a row below. Then each row is called with an API
/// key of a user holding each role (and of a user without roles), and without credentials: outside the policy the
/// answer is 403, without credentials 401, inside the policy anything but 401/403 (a 404 or 422 for a made-up id or
/// an empty body still proves the caller got past authorization).
/// </summary>
public sealed class RoleMatrixTests : DatabaseTest
{
    private const string NoRoles = "(no roles)";
    private const string Missing = "/999999";

    /// <summary>
    /// HOW TO ADD A ROW for a new endpoint: its method; its route pattern exactly as the endpoint list prints it
    /// (the coverage test names the missing ones); a concrete path (an id that does not exist is fine and avoids side
    /// effects); a JSON body or null (an empty "{}" that fails validation is fine); and the policy it declares, or
    /// null for an anonymous endpoint.
    /// </summary>
    public static readonly MatrixRow[] Rows =
    [
        new("GET", "/health/live", "/health/live", null, null),
        new("GET", "/health/ready", "/health/ready", null, null),
        new("POST", "/api/auth/login", "/api/auth/login", "{}", null),
        new("GET", "/openapi/{documentName}.json", "/openapi/v1.json", null, null),
        new("POST", "/api/auth/logout", "/api/auth/logout", null, Policies.Authenticated),
        new("GET", "/api/auth/me", "/api/auth/me", null, Policies.Authenticated),
        new("GET", "/api/auth/antiforgery", "/api/auth/antiforgery", null, Policies.Authenticated),
        new("POST", "/api/auth/password", "/api/auth/password", "{}", Policies.Authenticated),
        new("GET", "/api/users/", "/api/users", null, Policies.Admin),
        new("GET", "/api/users/{id:long}", "/api/users" + Missing, null, Policies.Admin),
        new("POST", "/api/users/", "/api/users", "{}", Policies.Admin),
        new("PUT", "/api/users/{id:long}", "/api/users" + Missing, "{}", Policies.Admin),
        new("POST", "/api/users/{id:long}/disable", "/api/users" + Missing + "/disable", null, Policies.Admin),
        new("POST", "/api/users/{id:long}/enable", "/api/users" + Missing + "/enable", null, Policies.Admin),
        new("PUT", "/api/users/{id:long}/roles", "/api/users" + Missing + "/roles", "{}", Policies.Admin),
        new("PUT", "/api/users/{id:long}/groups", "/api/users" + Missing + "/groups", "{}", Policies.Admin),
        new("POST", "/api/users/{id:long}/password", "/api/users" + Missing + "/password", "{}", Policies.Admin),
        new("POST", "/api/users/{id:long}/unlock", "/api/users" + Missing + "/unlock", null, Policies.Admin),
        new("GET", "/api/users/{userId:long}/api-keys/", "/api/users" + Missing + "/api-keys", null, Policies.Admin),
        new("POST", "/api/users/{userId:long}/api-keys/", "/api/users" + Missing + "/api-keys", "{}", Policies.Admin),
        new("DELETE", "/api/users/{userId:long}/api-keys/{keyId:long}", "/api/users" + Missing + "/api-keys/1", null, Policies.Admin),
        new("GET", "/api/groups/", "/api/groups", null, Policies.Admin),
        new("GET", "/api/groups/{id:long}", "/api/groups" + Missing, null, Policies.Admin),
        new("POST", "/api/groups/", "/api/groups", "{}", Policies.Admin),
        new("PUT", "/api/groups/{id:long}", "/api/groups" + Missing, "{}", Policies.Admin),
        new("DELETE", "/api/groups/{id:long}", "/api/groups" + Missing, null, Policies.Admin),
        new("GET", "/api/audit", "/api/audit", null, Policies.Admin),
        new("GET", "/api/tenants/mine", "/api/tenants/mine", null, Policies.Authenticated),
        new("PUT", "/api/tenants/selection", "/api/tenants/selection", "{}", Policies.Authenticated),
        new("GET", "/api/tenants/", "/api/tenants", null, Policies.Admin),
        new("GET", "/api/tenants/{id}", "/api/tenants/missing", null, Policies.Admin),
        new("POST", "/api/tenants/", "/api/tenants", "{}", Policies.Admin),
        new("PUT", "/api/tenants/{id}", "/api/tenants/missing", "{}", Policies.Admin),
        new("DELETE", "/api/tenants/{id}", "/api/tenants/missing", null, Policies.Admin),
        new("PUT", "/api/tenants/{id}/users/{userName}", "/api/tenants/missing/users/missing", null, Policies.Admin),
        new("DELETE", "/api/tenants/{id}/users/{userName}", "/api/tenants/missing/users/missing", null, Policies.Admin),
        new("PUT", "/api/tenants/{id}/groups/{groupName}", "/api/tenants/missing/groups/missing", null, Policies.Admin),
        new("DELETE", "/api/tenants/{id}/groups/{groupName}", "/api/tenants/missing/groups/missing", null, Policies.Admin),
        new("POST", "/v2/tenants/", "/v2/tenants", "{}", Policies.Admin),
        new("POST", "/v2/tenants/search", "/v2/tenants/search", "{}", Policies.Admin),
        new("GET", "/v2/tenants/{tenantId}", "/v2/tenants/missing", null, Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}", "/v2/tenants/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}", "/v2/tenants/missing", null, Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}/users/{username}", "/v2/tenants/missing/users/missing", null, Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}/users/{username}", "/v2/tenants/missing/users/missing", null, Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}/groups/{groupId}", "/v2/tenants/missing/groups/missing", null, Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}/groups/{groupId}", "/v2/tenants/missing/groups/missing", null, Policies.Admin),
        new("POST", "/v2/tenants/{tenantId}/users/search", "/v2/tenants/missing/users/search", "{}", Policies.Admin),
        new("POST", "/v2/tenants/{tenantId}/groups/search", "/v2/tenants/missing/groups/search", "{}", Policies.Admin),
        new("GET", "/v2/authentication/me", "/v2/authentication/me", null, Policies.Authenticated),
        new("POST", "/v2/users/", "/v2/users", "{}", Policies.Admin),
        new("POST", "/v2/users/search", "/v2/users/search", "{}", Policies.Admin),
        new("GET", "/v2/users/{username}", "/v2/users/missing", null, Policies.Admin),
        new("PUT", "/v2/users/{username}", "/v2/users/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/users/{username}", "/v2/users/missing", null, Policies.Admin),
        new("POST", "/v2/groups/", "/v2/groups", "{}", Policies.Admin),
        new("POST", "/v2/groups/search", "/v2/groups/search", "{}", Policies.Admin),
        new("GET", "/v2/groups/{groupId}", "/v2/groups/missing", null, Policies.Admin),
        new("PUT", "/v2/groups/{groupId}", "/v2/groups/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/groups/{groupId}", "/v2/groups/missing", null, Policies.Admin),
        new("PUT", "/v2/groups/{groupId}/users/{username}", "/v2/groups/missing/users/missing", null, Policies.Admin),
        new("DELETE", "/v2/groups/{groupId}/users/{username}", "/v2/groups/missing/users/missing", null, Policies.Admin),
        new("POST", "/v2/groups/{groupId}/users/search", "/v2/groups/missing/users/search", "{}", Policies.Admin),
        new("POST", "/v2/roles/search", "/v2/roles/search", "{}", Policies.Admin),
        new("GET", "/v2/roles/{roleId}", "/v2/roles/missing", null, Policies.Admin),
        new("PUT", "/v2/roles/{roleId}/users/{username}", "/v2/roles/missing/users/missing", null, Policies.Admin),
        new("DELETE", "/v2/roles/{roleId}/users/{username}", "/v2/roles/missing/users/missing", null, Policies.Admin),
        new("POST", "/v2/roles/{roleId}/users/search", "/v2/roles/missing/users/search", "{}", Policies.Admin),
        new("POST", "/v2/authorizations", "/v2/authorizations", "{}", Policies.Admin),
        new("POST", "/v2/authorizations/search", "/v2/authorizations/search", "{}", Policies.Admin),
        new("GET", "/v2/authorizations/{authorizationKey}", "/v2/authorizations/missing", null, Policies.Admin),
        new("PUT", "/v2/authorizations/{authorizationKey}", "/v2/authorizations/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/authorizations/{authorizationKey}", "/v2/authorizations/missing", null, Policies.Admin),
        new("POST", "/v2/mapping-rules", "/v2/mapping-rules", "{}", Policies.Admin),
        new("POST", "/v2/mapping-rules/search", "/v2/mapping-rules/search", "{}", Policies.Admin),
        new("GET", "/v2/mapping-rules/{mappingRuleId}", "/v2/mapping-rules/missing", null, Policies.Admin),
        new("PUT", "/v2/mapping-rules/{mappingRuleId}", "/v2/mapping-rules/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/mapping-rules/{mappingRuleId}", "/v2/mapping-rules/missing", null, Policies.Admin),
        new("POST", "/v2/setup/user", "/v2/setup/user", "{}", Policies.Admin),
        new("POST", "/v2/groups/{groupId}/clients/search", "/v2/groups/missing/clients/search", "{}", Policies.Admin),
        new("PUT", "/v2/groups/{groupId}/clients/{clientId}", "/v2/groups/missing/clients/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/groups/{groupId}/clients/{clientId}", "/v2/groups/missing/clients/missing", null, Policies.Admin),
        new("POST", "/v2/groups/{groupId}/mapping-rules/search", "/v2/groups/missing/mapping-rules/search", "{}", Policies.Admin),
        new("PUT", "/v2/groups/{groupId}/mapping-rules/{mappingRuleId}", "/v2/groups/missing/mapping-rules/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/groups/{groupId}/mapping-rules/{mappingRuleId}", "/v2/groups/missing/mapping-rules/missing", null, Policies.Admin),
        new("POST", "/v2/groups/{groupId}/roles/search", "/v2/groups/missing/roles/search", "{}", Policies.Admin),
        new("POST", "/v2/roles", "/v2/roles", "{}", Policies.Admin),
        new("PUT", "/v2/roles/{roleId}", "/v2/roles/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/roles/{roleId}", "/v2/roles/missing", null, Policies.Admin),
        new("POST", "/v2/roles/{roleId}/clients/search", "/v2/roles/missing/clients/search", "{}", Policies.Admin),
        new("PUT", "/v2/roles/{roleId}/clients/{clientId}", "/v2/roles/missing/clients/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/roles/{roleId}/clients/{clientId}", "/v2/roles/missing/clients/missing", null, Policies.Admin),
        new("POST", "/v2/roles/{roleId}/groups/search", "/v2/roles/missing/groups/search", "{}", Policies.Admin),
        new("PUT", "/v2/roles/{roleId}/groups/{groupId}", "/v2/roles/missing/groups/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/roles/{roleId}/groups/{groupId}", "/v2/roles/missing/groups/missing", null, Policies.Admin),
        new("POST", "/v2/roles/{roleId}/mapping-rules/search", "/v2/roles/missing/mapping-rules/search", "{}", Policies.Admin),
        new("PUT", "/v2/roles/{roleId}/mapping-rules/{mappingRuleId}", "/v2/roles/missing/mapping-rules/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/roles/{roleId}/mapping-rules/{mappingRuleId}", "/v2/roles/missing/mapping-rules/missing", null, Policies.Admin),
        new("POST", "/v2/tenants/{tenantId}/clients/search", "/v2/tenants/missing/clients/search", "{}", Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}/clients/{clientId}", "/v2/tenants/missing/clients/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}/clients/{clientId}", "/v2/tenants/missing/clients/missing", null, Policies.Admin),
        new("POST", "/v2/tenants/{tenantId}/mapping-rules/search", "/v2/tenants/missing/mapping-rules/search", "{}", Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}/mapping-rules/{mappingRuleId}", "/v2/tenants/missing/mapping-rules/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}/mapping-rules/{mappingRuleId}", "/v2/tenants/missing/mapping-rules/missing", null, Policies.Admin),
        new("POST", "/v2/tenants/{tenantId}/roles/search", "/v2/tenants/missing/roles/search", "{}", Policies.Admin),
        new("PUT", "/v2/tenants/{tenantId}/roles/{roleId}", "/v2/tenants/missing/roles/missing", "{}", Policies.Admin),
        new("DELETE", "/v2/tenants/{tenantId}/roles/{roleId}", "/v2/tenants/missing/roles/missing", null, Policies.Admin),
        new("GET", "/v2/topology", "/v2/topology", null, Policies.Authenticated),
        new("POST", "/v2/process-definitions/search", "/v2/process-definitions/search", "{}", Policies.Authenticated),
        new("GET", "/v2/process-definitions/{key}", "/v2/process-definitions" + Missing, null, Policies.Authenticated),
        new("GET", "/v2/process-definitions/{key}/xml", "/v2/process-definitions" + Missing + "/xml", null, Policies.Authenticated),
        new("GET", "/v2/process-definitions/{key}/form", "/v2/process-definitions" + Missing + "/form", null, Policies.Authenticated),
        new("POST", "/v2/deployments", "/v2/deployments", "{}", Policies.Designer),
        new("POST", "/v2/decision-definitions/evaluation", "/v2/decision-definitions/evaluation", "{}", Policies.Agent),
        new("POST", "/v2/decision-definitions/search", "/v2/decision-definitions/search", "{}", Policies.Authenticated),
        new("GET", "/v2/decision-definitions/{key}", "/v2/decision-definitions" + Missing, null, Policies.Authenticated),
        new("GET", "/v2/decision-definitions/{key}/xml", "/v2/decision-definitions" + Missing + "/xml", null, Policies.Authenticated),
        new("POST", "/v2/process-instances/", "/v2/process-instances", "{}", Policies.Agent),
        new("POST", "/v2/process-instances/{key}/cancellation", "/v2/process-instances" + Missing + "/cancellation", null, Policies.Operator),
        new("POST", "/v2/process-instances/{key}/modification", "/v2/process-instances" + Missing + "/modification",
            """{"terminateInstructions":[{"elementInstanceKey":"1"}]}""", Policies.Operator),
        new("POST", "/v2/process-instances/search", "/v2/process-instances/search", "{}", Policies.Cases),
        new("GET", "/v2/process-instances/{key}", "/v2/process-instances" + Missing, null, Policies.Cases),
        new("POST", "/v2/messages/publication", "/v2/messages/publication", "{}", Policies.Agent),
        new("POST", "/v2/messages/correlation", "/v2/messages/correlation", "{}", Policies.Agent),
        new("POST", "/v2/signals/broadcast", "/v2/signals/broadcast", "{}", Policies.Agent),
        new("POST", "/v2/jobs/activation", "/v2/jobs/activation", "{}", Policies.Operator),
        new("POST", "/v2/jobs/{key}/completion", "/v2/jobs" + Missing + "/completion", "{}", Policies.Operator),
        new("POST", "/v2/jobs/{key}/failure", "/v2/jobs" + Missing + "/failure", "{}", Policies.Operator),
        new("POST", "/v2/jobs/{key}/error", "/v2/jobs" + Missing + "/error", "{}", Policies.Operator),
        new("POST", "/v2/user-tasks/search", "/v2/user-tasks/search", "{}", Policies.Tasks),
        new("GET", "/v2/user-tasks/{key}", "/v2/user-tasks" + Missing, null, Policies.Tasks),
        new("GET", "/v2/user-tasks/{key}/form", "/v2/user-tasks" + Missing + "/form", null, Policies.Tasks),
        new("POST", "/v2/user-tasks/{key}/assignment", "/v2/user-tasks" + Missing + "/assignment", "{}", Policies.Tasks),
        new("DELETE", "/v2/user-tasks/{key}/assignee", "/v2/user-tasks" + Missing + "/assignee", null, Policies.Tasks),
        new("POST", "/v2/user-tasks/{key}/completion", "/v2/user-tasks" + Missing + "/completion", "{}", Policies.Tasks),
        new("PATCH", "/v2/user-tasks/{key}", "/v2/user-tasks" + Missing, "{}", Policies.Supervisor),
        new("POST", "/v2/user-tasks/{key}/variables/search", "/v2/user-tasks" + Missing + "/variables/search", "{}", Policies.Tasks),
        new("POST", "/v2/incidents/search", "/v2/incidents/search", "{}", Policies.Operator),
        new("GET", "/v2/incidents/{key}", "/v2/incidents" + Missing, null, Policies.Operator),
        new("POST", "/v2/incidents/{key}/resolution", "/v2/incidents" + Missing + "/resolution", null, Policies.Operator),
        new("PUT", "/v2/element-instances/{key}/variables", "/v2/element-instances" + Missing + "/variables", "{}", Policies.Operator),
        new("POST", "/v2/element-instances/search", "/v2/element-instances/search", "{}", Policies.Agent),
        new("GET", "/v2/element-instances/{key}", "/v2/element-instances" + Missing, null, Policies.Agent),
        new("POST", "/v2/variables/search", "/v2/variables/search", "{}", Policies.Agent),
        new("GET", "/v2/variables/{key}", "/v2/variables" + Missing, null, Policies.Agent),
        new("POST", "/v2/jobs/search", "/v2/jobs/search", "{}", Policies.Operator),
        new("POST", "/v2/message-subscriptions/search", "/v2/message-subscriptions/search", "{}", Policies.Operator),
        new("POST", "/v2/correlated-message-subscriptions/search", "/v2/correlated-message-subscriptions/search", "{}", Policies.Operator),
        new("POST", "/v2/decision-instances/search", "/v2/decision-instances/search", "{}", Policies.Agent),
        new("GET", "/v2/decision-instances/{key}", "/v2/decision-instances" + Missing, null, Policies.Agent),
        new("GET", "/v2/system/usage-metrics", "/v2/system/usage-metrics?startTime=2020-01-01T00:00:00Z&endTime=2030-01-01T00:00:00Z", null, Policies.Operator),
        new("POST", "/v2/element-instances/ad-hoc-activities/{key}/activation", "/v2/element-instances/ad-hoc-activities" + Missing + "/activation", "{}", Policies.Operator),
        new("POST", "/v2/decision-requirements/search", "/v2/decision-requirements/search", "{}", Policies.Authenticated),
        new("GET", "/v2/decision-requirements/{key}", "/v2/decision-requirements" + Missing, null, Policies.Authenticated),
        new("GET", "/v2/decision-requirements/{key}/xml", "/v2/decision-requirements" + Missing + "/xml", null, Policies.Authenticated),
        new("GET", "/v2/process-instances/{key}/call-hierarchy", "/v2/process-instances" + Missing + "/call-hierarchy", null, Policies.Agent),
        new("GET", "/v2/process-instances/{key}/sequence-flows", "/v2/process-instances" + Missing + "/sequence-flows", null, Policies.Agent),
        new("GET", "/v2/process-instances/{key}/statistics/element-instances", "/v2/process-instances" + Missing + "/statistics/element-instances", null, Policies.Agent),
        new("POST", "/v2/process-instances/{key}/incidents/search", "/v2/process-instances" + Missing + "/incidents/search", "{}", Policies.Operator),
        new("POST", "/v2/process-definitions/{key}/statistics/element-instances", "/v2/process-definitions" + Missing + "/statistics/element-instances", "{}", Policies.Agent),
        new("GET", "/v2/process-definitions/{key}/form", "/v2/process-definitions" + Missing + "/form", null, Policies.Authenticated),
        new("GET", "/v2/status", "/v2/status", null, Policies.Authenticated),
        new("GET", "/v2/license", "/v2/license", null, Policies.Authenticated),
        new("PATCH", "/v2/jobs/{key}", "/v2/jobs" + Missing, "{}", Policies.Operator),
        new("GET", "/v2/resources/{key}", "/v2/resources" + Missing, null, Policies.Authenticated),
        new("GET", "/v2/resources/{key}/content", "/v2/resources" + Missing + "/content", null, Policies.Authenticated),
        new("POST", "/v2/resources/{key}/deletion", "/v2/resources" + Missing + "/deletion", "{}", Policies.Admin),
        new("POST", "/v2/documents", "/v2/documents", "{}", Policies.Authenticated),
        new("POST", "/v2/documents/batch", "/v2/documents/batch", "{}", Policies.Authenticated),
        new("GET", "/v2/documents/{documentId}", "/v2/documents/missing-doc", null, Policies.Authenticated),
        new("DELETE", "/v2/documents/{documentId}", "/v2/documents/missing-doc", null, Policies.Authenticated),
        new("POST", "/v2/documents/{documentId}/links", "/v2/documents/missing-doc/links?contentHash=00", "{}", Policies.Authenticated),
        new("GET", "/documents/links/{token}", "/documents/links/not-a-token", null, null),
        new("PUT", "/v2/clock", "/v2/clock", "{}", Policies.Admin),
        new("POST", "/v2/clock/reset", "/v2/clock/reset", null, Policies.Admin),
        new("GET", "/api/tasks/", "/api/tasks", null, Policies.Tasks),
        new("GET", "/api/tasks/events", "/api/tasks/events", null, Policies.Tasks),
        new("POST", "/api/tasks/{key}/reassign", "/api/tasks" + Missing + "/reassign", "{}", Policies.Tasks),
        new("GET", "/api/tasks/{key}/eligible", "/api/tasks" + Missing + "/eligible", null, Policies.Tasks),
        new("POST", "/api/tasks/{key}/take-over", "/api/tasks" + Missing + "/take-over", "{}", Policies.Supervisor),
        new("GET", "/api/tasks/{key}/comments", "/api/tasks" + Missing + "/comments", null, Policies.Tasks),
        new("POST", "/api/tasks/{key}/comments", "/api/tasks" + Missing + "/comments", "{}", Policies.Tasks),
        new("GET", "/api/instances/{key}", "/api/instances" + Missing, null, Policies.Cases),
        new("GET", "/api/instances/{key}/history", "/api/instances" + Missing + "/history", null, Policies.Cases),
        new("GET", "/api/instances/{key}/actions", "/api/instances" + Missing + "/actions", null, Policies.Tasks),
        new("POST", "/api/instances/{key}/actions/{id}", "/api/instances" + Missing + "/actions/missing", "{}", Policies.Tasks),
        new("PUT", "/api/instances/{key}/variables/{name}", "/api/instances" + Missing + "/variables/missing", "{}", Policies.Supervisor),
        new("GET", "/api/instances/{key}/comments", "/api/instances" + Missing + "/comments", null, Policies.Cases),
        new("POST", "/api/instances/{key}/comments", "/api/instances" + Missing + "/comments", "{}", Policies.Cases),
        new("GET", "/api/instances/{key}/sla", "/api/instances" + Missing + "/sla", null, Policies.Cases),
        new("POST", "/api/instances/{key}/sla/pause", "/api/instances" + Missing + "/sla/pause", "{\"reason\":\"waiting on the customer\"}", Policies.Agent),
        new("POST", "/api/instances/{key}/sla/resume", "/api/instances" + Missing + "/sla/resume", "{}", Policies.Agent),
        new("GET", "/api/processes/startable", "/api/processes/startable", null, Policies.Agent),
        new("GET", "/api/calendars/", "/api/calendars", null, Policies.Authenticated),
        new("GET", "/api/calendars/{name}", "/api/calendars/missing", null, Policies.Authenticated),
        new("GET", "/api/calendars/{name}/preview", "/api/calendars/missing/preview", null, Policies.Authenticated),
        new("PUT", "/api/calendars/{name}", "/api/calendars/missing", "{}", Policies.Admin),
        new("DELETE", "/api/calendars/{name}", "/api/calendars/missing", null, Policies.Admin),
        new("GET", "/api/operations/jobs", "/api/operations/jobs?state=failed", null, Policies.Operator),
        new("GET", "/api/operations/timers", "/api/operations/timers", null, Policies.Operator),
        new("GET", "/api/operations/job-types", "/api/operations/job-types", null, Policies.Operator),
        new("GET", "/api/operations/throughput", "/api/operations/throughput", null, Policies.Operator),
        new("GET", "/api/operations/servers", "/api/operations/servers", null, Policies.Operator),
        new("POST", "/api/operations/jobs/{key}/retry", "/api/operations/jobs" + Missing + "/retry", "{}", Policies.Operator),
        new("DELETE", "/api/operations/jobs/{key}", "/api/operations/jobs" + Missing, null, Policies.Operator),
        new("POST", "/api/operations/timers/{key}/trigger", "/api/operations/timers" + Missing + "/trigger", null, Policies.Operator),
        new("GET", "/operations/hangfire/{**path}", "/operations/hangfire", null, Policies.Operator),
        new("GET", "/api/agents/", "/api/agents", null, Policies.Supervisor),
        new("PUT", "/api/agents/{userName}", "/api/agents/missing", "{}", Policies.Supervisor),
        new("DELETE", "/api/agents/{userName}", "/api/agents/missing", null, Policies.Supervisor),
        new("GET", "/api/positions/", "/api/positions", null, Policies.Supervisor),
        new("PUT", "/api/positions/{name}", "/api/positions/missing", "{}", Policies.Admin),
        new("DELETE", "/api/positions/{name}", "/api/positions/missing", null, Policies.Admin),
        new("GET", "/api/catalogues/", "/api/catalogues", null, Policies.Authenticated),
        new("GET", "/api/catalogues/{name}", "/api/catalogues/missing", null, Policies.Authenticated),
        new("GET", "/api/catalogues/{name}/versions", "/api/catalogues/missing/versions", null, Policies.Authenticated),
        new("GET", "/api/catalogues/{name}/versions/{version:int}", "/api/catalogues/missing/versions/1", null, Policies.Authenticated),
        new("PUT", "/api/catalogues/{name}", "/api/catalogues/missing", "{}", Policies.Admin),
        new("GET", "/api/sms-templates/", "/api/sms-templates", null, Policies.Designer),
        new("GET", "/api/sms-templates/{id}", "/api/sms-templates/missing", null, Policies.Designer),
        new("PUT", "/api/sms-templates/{id}", "/api/sms-templates/missing", "{}", Policies.Designer),
        new("GET", "/api/secrets/", "/api/secrets", null, Policies.Admin),
        new("PUT", "/api/secrets/{name}", "/api/secrets/missing", "{}", Policies.Admin),
        new("DELETE", "/api/secrets/{name}", "/api/secrets/missing", null, Policies.Admin),
        new("POST", "/api/designer/validation", "/api/designer/validation", "{}", Policies.Designer),
        new("GET", "/api/designer/engine-support", "/api/designer/engine-support", null, Policies.Designer),
        new("GET", "/api/designer/models", "/api/designer/models", null, Policies.Designer),
        new("GET", "/api/designer/forms/{key}", "/api/designer/forms/999999", null, Policies.Designer),
        new("GET", "/api/designer/element-templates", "/api/designer/element-templates", null, Policies.Designer),
        new("GET", "/login", "/login", null, null),
        new("GET", "/", "/", null, null),
        new("GET", "/designer", "/designer", null, Policies.Designer),
        new("GET", "/inbox", "/inbox", null, Policies.Tasks),
        new("GET", "/operations", "/operations", null, Policies.Operator),
        new("GET", "/admin", "/admin", null, Policies.Admin),
        new("GET", "/admin/versions", "/admin/versions", null, Policies.Admin),
        new("GET", "/admin/settings", "/admin/settings", null, Policies.Admin),
        new("GET", "/admin/catalogues", "/admin/catalogues", null, Policies.Admin),
        new("GET", "/admin/tenants", "/admin/tenants", null, Policies.Admin),
        new("GET", "/api/versions", "/api/versions", null, Policies.Admin),
        new("POST", "/api/migrations", "/api/migrations", "{}", Policies.Admin),
        new("POST", "/api/versions/{key}/suspend", "/api/versions" + Missing + "/suspend", null, Policies.Admin),
        new("POST", "/api/versions/{key}/resume", "/api/versions" + Missing + "/resume", null, Policies.Admin),
        new("POST", "/v2/process-instances/{key}/migration", "/v2/process-instances" + Missing + "/migration", "{}", Policies.Admin),
        new("POST", "/v2/process-instances/cancellation", "/v2/process-instances/cancellation", "{}", Policies.Operator),
        new("POST", "/v2/process-instances/incident-resolution", "/v2/process-instances/incident-resolution", "{}", Policies.Operator),
        new("POST", "/v2/process-instances/migration", "/v2/process-instances/migration", "{}", Policies.Admin),
        new("POST", "/v2/process-instances/modification", "/v2/process-instances/modification", "{}", Policies.Operator),
        new("POST", "/v2/batch-operations/search", "/v2/batch-operations/search", "{}", Policies.Operator),
        new("GET", "/v2/batch-operations/{key}", "/v2/batch-operations" + Missing, null, Policies.Operator),
        new("POST", "/v2/batch-operations/{key}/cancellation", "/v2/batch-operations" + Missing + "/cancellation", null, Policies.Operator),
        new("POST", "/v2/batch-operations/{key}/suspension", "/v2/batch-operations" + Missing + "/suspension", null, Policies.Operator),
        new("POST", "/v2/batch-operations/{key}/resumption", "/v2/batch-operations" + Missing + "/resumption", null, Policies.Operator),
        new("POST", "/v2/batch-operation-items/search", "/v2/batch-operation-items/search", "{}", Policies.Operator),
        new("GET", "/cases/{key}", "/cases/999999", null, Policies.Cases),
        new("GET", "/reports", "/reports", null, Policies.Supervisor),
        new("GET", "/api/reports/sla", "/api/reports/sla", null, Policies.Supervisor),
        new("GET", "/api/reports/durations", "/api/reports/durations", null, Policies.Supervisor),
        new("GET", "/api/reports/workload", "/api/reports/workload", null, Policies.Supervisor),
        new("GET", "/api/reports/handovers", "/api/reports/handovers", null, Policies.Supervisor),
        new("GET", "/api/reports/exception-orders", "/api/reports/exception-orders", null, Policies.Supervisor),
        new("GET", "/api/reports/surveys", "/api/reports/surveys", null, Policies.Supervisor),
        new("GET", "/api/reports/completions", "/api/reports/completions", null, Policies.Supervisor),
        new("GET", "/api/reports/fulfilment", "/api/reports/fulfilment", null, Policies.Supervisor),
        new("GET", "/api/reports/settlement", "/api/reports/settlement", null, Policies.Supervisor),
        // Anonymous but signed: an unknown path is a 404, a declared one refuses an unsigned call with 401 (WebhookTests).
        new("POST", "/webhooks/{**path}", "/webhooks/missing", "{}", null),
        new("POST", "/api/demands/{demandId}/survey-answer", "/api/demands/missing/survey-answer", "{}", Policies.Agent),
        new("GET", "/api/settlement/pools", "/api/settlement/pools", null, Policies.Finance),
        new("GET", "/api/settlement/withdrawals", "/api/settlement/withdrawals", null, Policies.Finance),
        new("POST", "/api/settlement/withdrawals", "/api/settlement/withdrawals", "{}", Policies.Finance),
        new("POST", "/api/settlement/withdrawals/{id:long}/review", "/api/settlement/withdrawals/999999/review", "{}", Policies.Finance),
        new("GET", "/api/settlement/statements", "/api/settlement/statements", null, Policies.Finance),
        new("POST", "/api/settlement/statements/generate", "/api/settlement/statements/generate", "{\"period\":\"x\"}", Policies.Finance),
        new("GET", "/api/settlement/statements/{network}/{period}", "/api/settlement/statements/none/2020-01", null, Policies.Finance),
        new("GET", "/api/settlement/statements/{network}/{period}/csv", "/api/settlement/statements/none/2020-01/csv", null, Policies.Finance),
        new("GET", "/api/reports/heatmap", "/api/reports/heatmap?processDefinitionKey=999999", null, Policies.Authenticated),
        new("GET", "/metrics", "/metrics", null, Policies.Operator),
    ];

    private IdentityHost _host = null!;
    private readonly Dictionary<string, HttpClient> _clients = [];

    [OneTimeSetUp]
    public async Task CreateOneUserPerRole()
    {
        _host = IdentityHost.Start(ConnectionString);
        foreach (var role in Roles.All)
        {
            var user = await _host.CreateUserAsync(roles: [role]);
            _clients[role] = _host.Bearer(user.ApiKey);
        }
        _clients[NoRoles] = _host.Bearer((await _host.CreateUserAsync()).ApiKey);
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Every_endpoint_declares_a_known_policy_or_is_a_listed_anonymous_route()
    {
        var policies = _host.Service<IAuthorizationPolicyProvider>();
        var problems = new List<string>();
        foreach (var (key, endpoint) in Endpoints())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                if (!Policies.AnonymousRoutes.Contains(pattern))
                {
                    problems.Add($"{key} is anonymous but not listed in Policies.AnonymousRoutes");
                }
                continue;
            }
            var declared = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
            if (declared.Count == 0)
            {
                problems.Add($"{key} declares no policy: add .RequireAuthorization(Policies.X) or, deliberately, .AllowAnonymous()");
            }
            foreach (var data in declared)
            {
                if (data.Policy is null || !Policies.All.Contains(data.Policy) || await policies.GetPolicyAsync(data.Policy) is null)
                {
                    problems.Add($"{key} declares '{data.Policy ?? "(no policy name)"}', which is not one of Policies.All");
                }
            }
        }
        problems.ShouldBeEmpty();
    }

    [Test]
    public void Every_endpoint_has_a_row_in_the_matrix_with_the_policy_it_declares()
    {
        var problems = new List<string>();
        foreach (var (key, endpoint) in Endpoints())
        {
            var row = Rows.FirstOrDefault(r => r.ToString() == key);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var declared = anonymous ? null : endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(d => d.Policy).LastOrDefault();
            var shown = declared ?? (anonymous ? "anonymous" : "no policy");
            if (row is null)
            {
                problems.Add($"no row for {key} (declares {shown}): add one to RoleMatrixTests.Rows");
            }
            else if (row.Policy != declared)
            {
                problems.Add($"{key} declares {shown} but its row says {row.Policy ?? "anonymous"}");
            }
        }
        problems.ShouldBeEmpty();
    }

    [TestCaseSource(nameof(Rows))]
    public async Task Each_role_is_let_through_or_refused_as_the_policy_says(MatrixRow row)
    {
        var mismatches = new List<string>();
        var anonymous = await SendAsync(_host.Anonymous(), row);
        if (row.Policy is null ? IsAuthFailure(anonymous) : anonymous != HttpStatusCode.Unauthorized)
        {
            mismatches.Add($"anonymous: {(int)anonymous}, expected {(row.Policy is null ? "neither 401 nor 403" : "401")}");
        }
        foreach (var (role, client) in _clients)
        {
            var status = await SendAsync(client, row);
            var allowed = row.Policy is null || Admits(row.Policy, role);
            if (allowed ? IsAuthFailure(status) : status != HttpStatusCode.Forbidden)
            {
                mismatches.Add($"{role}: {(int)status}, expected {(allowed ? "neither 401 nor 403" : "403")}");
            }
        }
        mismatches.ShouldBeEmpty();
    }

    private static bool Admits(string policy, string role) =>
        role == Roles.Admin || policy == Policies.Authenticated || Policies.RolesOf[policy].Contains(role);

    private static bool IsAuthFailure(HttpStatusCode status) => status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, MatrixRow row)
    {
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
        if (row.Body is not null)
        {
            request.Content = new StringContent(row.Body, Encoding.UTF8, "application/json");
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead); // headers decide; streams (SSE) never end
        return response.StatusCode;
    }

    private IEnumerable<(string Key, RouteEndpoint Endpoint)> Endpoints()
    {
        var endpoints = _host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        endpoints.ShouldNotBeEmpty();
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                yield return ($"{method} {endpoint.RoutePattern.RawText}", endpoint);
            }
        }
    }
}
