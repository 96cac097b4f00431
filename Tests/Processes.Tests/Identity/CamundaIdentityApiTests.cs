using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// Camunda 8.8's identity endpoints over our stores: /v2/users, /v2/groups (and their users), /v2/roles (our fixed
/// roles and who holds them). Searches return exactly the rows their filter describes among rows that do not match;
/// every change reaches what the changed user may do at once (the identity cache is cleared); non-admins get 403; bad
/// input a 400 naming the field; what our model cannot hold a 501 naming the operation.
/// </summary>
public sealed class CamundaIdentityApiTests : DatabaseTest
{
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString);
        _admin = await _host.AdminAsync();
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, body);
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<string?> Items(JsonElement result, string field) =>
        [.. result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(field).GetString())];

    private const string Password = "a long enough passphrase";

    [Test]
    public async Task Users_are_created_searched_updated_and_deleted_through_v2_users()
    {
        foreach (var (username, name, email) in new[] { ("cu-anna", "Anna Ames", "anna@cu.test"), ("cu-anton", "Anton Berg", "anton@cu.test"), ("cu-bert", "Bert Ames", (string?)null) })
        {
            var created = await JsonAsync(await _admin.PostAsJsonAsync("/v2/users", new { username, password = Password, name, email }), HttpStatusCode.Created);
            created.GetProperty("username").GetString().ShouldBe(username);
            created.GetProperty("name").GetString().ShouldBe(name);
            created.TryGetProperty("email", out _).ShouldBe(email is not null, "no e-mail is no field, never null");
        }
        await _host.CreateUserAsync("cu-other");

        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { filter = new { username = new Dictionary<string, string> { ["$like"] = "cu-an*" } } }),
            HttpStatusCode.OK), "username").ShouldBe(["cu-anna", "cu-anton"]);
        var byEmail = await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { filter = new { email = "anton@cu.test" } }), HttpStatusCode.OK);
        Items(byEmail, "username").ShouldBe(["cu-anton"]);
        byEmail.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);
        var noEmail = new { username = new Dictionary<string, object> { ["$in"] = new[] { "cu-anna", "cu-bert", "cu-other" } }, email = new Dictionary<string, object> { ["$exists"] = false } };
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { filter = noEmail }), HttpStatusCode.OK), "username").ShouldBe(["cu-bert"]);
        var ames = new { filter = new { name = new Dictionary<string, string> { ["$like"] = "* Ames" } }, sort = new[] { new { field = "name", order = "DESC" } }, page = new { limit = 1 } };
        var first = await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", ames), HttpStatusCode.OK);
        Items(first, "username").ShouldBe(["cu-bert"]);
        first.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(2);
        var after = first.GetProperty("page").GetProperty("endCursor").GetString();
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { ames.filter, ames.sort, page = new { after, limit = 1 } }), HttpStatusCode.OK), "username")
            .ShouldBe(["cu-anna"]);

        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { filter = new { displayName = "Anna" } }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("filter.displayName");
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/users/search", new { sort = new[] { new { field = "password" } } }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("sort[0].field");
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/users", new { username = "no spaces", password = Password }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("username:");
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/users", new { username = "cu-weak", password = "short" }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("password:");
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/users", new { username = "CU-ANNA", password = Password }), HttpStatusCode.Conflict))
            .GetProperty("detail").GetString()!.ShouldContain("username:");

        var updated = await JsonAsync(await _admin.PutAsJsonAsync("/v2/users/cu-anna", new { name = "Anna Lind", email = "lind@cu.test" }), HttpStatusCode.OK);
        updated.GetProperty("name").GetString().ShouldBe("Anna Lind");
        (await JsonAsync(await _admin.GetAsync("/v2/users/cu-anna"), HttpStatusCode.OK)).GetProperty("email").GetString().ShouldBe("lind@cu.test");
        (await JsonAsync(await _admin.PutAsJsonAsync("/v2/users/cu-anna", new { email = "not-an-address" }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("email:");
        (await _admin.PutAsJsonAsync("/v2/users/cu-nobody", new { name = "X" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Deleting a user ends its API keys at once, on this host and (through NOTIFY) every other.
        var doomed = await _host.CreateUserAsync("cu-doomed", roles: [Roles.Agent]);
        var client = _host.Bearer(doomed.ApiKey);
        (await client.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _admin.DeleteAsync("/v2/users/cu-doomed")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _admin.GetAsync("/v2/users/cu-doomed")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.DeleteAsync("/v2/users/cu-doomed")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var audit = await JsonAsync(await _admin.GetAsync("/api/audit?action=user.deleted"), HttpStatusCode.OK);
        audit.GetRawText().ShouldContain("cu-doomed");

        (await JsonAsync(await _admin.DeleteAsync($"/v2/users/{IdentityHost.AdminBootstrapName}"), HttpStatusCode.Conflict))
            .GetProperty("detail").GetString()!.ShouldContain("admin role");
    }

    [Test]
    public async Task Groups_and_their_members_are_managed_through_v2_groups()
    {
        var created = await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "cg-north", name = "North desk", description = "Calls from the north" }),
            HttpStatusCode.Created);
        created.GetProperty("description").GetString().ShouldBe("Calls from the north");
        await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "cg-south", name = "South desk" }), HttpStatusCode.Created);
        await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "cx-west", name = "North desk" }), HttpStatusCode.Created);
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "CG-NORTH", name = "Again" }), HttpStatusCode.Conflict))
            .GetProperty("detail").GetString()!.ShouldContain("groupId:");
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "cg-nameless" }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("name:");

        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/search", new { filter = new { name = "North desk", groupId = new Dictionary<string, string> { ["$like"] = "cg-*" } } }),
            HttpStatusCode.OK), "groupId").ShouldBe(["cg-north"]);
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/search", new
        {
            filter = new { groupId = new Dictionary<string, object> { ["$in"] = new[] { "cg-north", "cg-south", "cg-none" } } },
            sort = new[] { new { field = "groupId", order = "DESC" } },
        }), HttpStatusCode.OK), "groupId").ShouldBe(["cg-south", "cg-north"]);
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/search", new { filter = new { description = "x" } }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("filter.description");

        var updated = await JsonAsync(await _admin.PutAsJsonAsync("/v2/groups/cg-south", new { name = "South desk (nights)", description = "After 18:00" }), HttpStatusCode.OK);
        updated.GetProperty("groupId").GetString().ShouldBe("cg-south");
        (await JsonAsync(await _admin.GetAsync("/v2/groups/cg-south"), HttpStatusCode.OK)).GetProperty("description").GetString().ShouldBe("After 18:00");

        var agent = await _host.CreateUserAsync("cg-agent", roles: [Roles.Agent]);
        await _host.CreateUserAsync("cg-colleague", roles: [Roles.Agent], groups: ["cg-south"]);
        var client = _host.Bearer(agent.ApiKey);
        (await JsonAsync(await client.GetAsync("/api/auth/me"), HttpStatusCode.OK)).GetProperty("groups").GetArrayLength().ShouldBe(0);
        (await _admin.PutAsync("/v2/groups/cg-north/users/cg-agent", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.PutAsync("/v2/groups/cg-north/users/cg-agent", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent, "adding a member twice changes nothing");
        (await _admin.PutAsync("/v2/groups/cg-north/users/cg-colleague", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await JsonAsync(await client.GetAsync("/api/auth/me"), HttpStatusCode.OK)).GetProperty("groups").EnumerateArray().Select(g => g.GetString())
            .ShouldBe(["cg-north"]);
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/cg-north/users/search", new { sort = new[] { new { field = "username", order = "DESC" } } }),
            HttpStatusCode.OK), "username").ShouldBe(["cg-colleague", "cg-agent"]);
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/cg-south/users/search", new { }), HttpStatusCode.OK), "username").ShouldBe(["cg-colleague"]);
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups/cg-north/users/search", new { filter = new { username = "cg-agent" } }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("filter");
        (await _admin.PostAsJsonAsync("/v2/groups/cg-none/users/search", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await JsonAsync(await _admin.PutAsync("/v2/groups/cg-north/users/cg-nobody", null), HttpStatusCode.NotFound))
            .GetProperty("detail").GetString()!.ShouldContain("cg-nobody");
        (await JsonAsync(await _admin.PutAsync("/v2/groups/cg-none/users/cg-agent", null), HttpStatusCode.NotFound))
            .GetProperty("detail").GetString()!.ShouldContain("cg-none");

        (await _admin.DeleteAsync("/v2/groups/cg-north/users/cg-agent")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.DeleteAsync("/v2/groups/cg-north/users/cg-agent")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no longer a member");
        (await JsonAsync(await client.GetAsync("/api/auth/me"), HttpStatusCode.OK)).GetProperty("groups").GetArrayLength().ShouldBe(0);

        (await _admin.DeleteAsync("/v2/groups/cg-north")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.GetAsync("/v2/groups/cg-north")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await JsonAsync(await _admin.GetAsync("/api/audit?action=group.member-added"), HttpStatusCode.OK)).GetRawText().ShouldContain("cg-colleague");
    }

    [Test]
    public async Task Roles_are_our_fixed_roles_and_who_holds_them_changes_at_once()
    {
        var roles = await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles/search", new { }), HttpStatusCode.OK);
        Items(roles, "roleId").ShouldBe(["admin", "agent", "designer", "finance", "integration", "operator", "supervisor"]);
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles/search", new { filter = new { name = "Operator" } }), HttpStatusCode.OK), "roleId")
            .ShouldBe(["operator"]);
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles/search", new { filter = new { permission = "x" } }), HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString()!.ShouldContain("filter.permission");
        (await JsonAsync(await _admin.GetAsync("/v2/roles/finance"), HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("Finance");
        (await _admin.GetAsync("/v2/roles/auditor")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var user = await _host.CreateUserAsync("cr-user", roles: [Roles.Agent]);
        await _host.CreateUserAsync("cr-other", roles: [Roles.Agent]);
        var client = _host.Bearer(user.ApiKey);
        (await client.PostAsJsonAsync("/v2/users/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _admin.PutAsync("/v2/roles/admin/users/cr-user", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.PostAsJsonAsync("/v2/users/search", new { })).StatusCode.ShouldBe(HttpStatusCode.OK, "the role counts at the next request");
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles/admin/users/search", new { }), HttpStatusCode.OK), "username")
            .ShouldBe(new string?[] { IdentityHost.AdminBootstrapName, "cr-user" }.Order(StringComparer.Ordinal).ToList());
        Items(await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles/agent/users/search", new { }), HttpStatusCode.OK), "username").ShouldContain("cr-other");
        (await _admin.DeleteAsync("/v2/roles/admin/users/cr-user")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.PostAsJsonAsync("/v2/users/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _admin.DeleteAsync("/v2/roles/admin/users/cr-user")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no longer held");
        (await _admin.PutAsync("/v2/roles/auditor/users/cr-user", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await JsonAsync(await _admin.DeleteAsync($"/v2/roles/admin/users/{IdentityHost.AdminBootstrapName}"), HttpStatusCode.Conflict))
            .GetProperty("detail").GetString()!.ShouldContain("admin role");
    }

    [Test]
    public async Task Authentication_me_names_the_caller_its_roles_groups_and_tenants()
    {
        await JsonAsync(await _admin.PostAsJsonAsync("/v2/groups", new { groupId = "ca-desk", name = "Desk" }), HttpStatusCode.Created);
        await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants", new { tenantId = "ca-east", name = "East" }), HttpStatusCode.Created);
        await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants", new { tenantId = "ca-west", name = "West" }), HttpStatusCode.Created);
        var agent = await _host.CreateUserAsync("ca-agent", roles: [Roles.Agent], groups: ["ca-desk"]);
        (await _admin.PutAsync("/v2/tenants/ca-east/users/ca-agent", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var me = await JsonAsync(await _host.Bearer(agent.ApiKey).GetAsync("/v2/authentication/me"), HttpStatusCode.OK);
        me.GetProperty("username").GetString().ShouldBe("ca-agent");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["agent"]);
        me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["ca-desk"]);
        me.GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()).ShouldBe(["ca-east"], "only the tenants it belongs to");
        me.GetProperty("authorizedComponents").EnumerateArray().Select(c => c.GetString()).ShouldBe(["tasklist", "operate"]);
        me.GetProperty("canLogout").GetBoolean().ShouldBeFalse("an API key is revoked, not logged out");
        var admin = await JsonAsync(await _admin.GetAsync("/v2/authentication/me"), HttpStatusCode.OK);
        admin.GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()).ShouldContain("ca-west");
        (await _host.Anonymous().GetAsync("/v2/authentication/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Only_admins_reach_the_identity_endpoints()
    {
        var supervisor = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Supervisor, Roles.Operator, Roles.Designer])).ApiKey);
        (await supervisor.PostAsJsonAsync("/v2/users", new { username = "ci-sneaky", password = Password })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await supervisor.PostAsJsonAsync("/v2/groups/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await supervisor.PutAsync("/v2/roles/admin/users/ci-sneaky", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await supervisor.PostAsJsonAsync("/v2/authorizations/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task What_our_model_cannot_hold_answers_501_naming_the_operation()
    {
        foreach (var operation in CamundaIdentityUnsupported.Operations)
        {
            var path = operation.Path.Replace("{authorizationKey}", "1", StringComparison.Ordinal);
            path = System.Text.RegularExpressions.Regex.Replace(path, "\\{[A-Za-z]+\\}", "x");
            using var request = new HttpRequestMessage(new HttpMethod(operation.Method), path);
            if (operation.Method is "POST" or "PUT")
            {
                request.Content = JsonContent.Create(new { });
            }
            var response = await _admin.SendAsync(request);
            var problem = await JsonAsync(response, HttpStatusCode.NotImplemented);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            problem.GetProperty("title").GetString().ShouldBe("NOT_IMPLEMENTED");
            problem.GetProperty("detail").GetString()!.ShouldContain(operation.Operation);
        }
        (await JsonAsync(await _admin.PostAsJsonAsync("/v2/roles", new { roleId = "auditor", name = "Auditor" }), HttpStatusCode.NotImplemented))
            .GetProperty("detail").GetString()!.ShouldContain("roles are fixed");
    }
}
