using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Tenants;

/// <summary>
/// Camunda 8.8's /v2/tenants over our tenants: admins create, read, update, search and delete tenants and assign users
/// and groups, in Camunda's shapes; members of other roles are refused. The settings APIs (calendars, SMS templates,
/// agents) work within the named tenant and refuse one the caller does not belong to, naming it.
/// </summary>
public sealed class CamundaTenantsApiTests : DatabaseTest
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

    [Test]
    public async Task An_admin_manages_a_tenant_and_its_members_through_v2_tenants()
    {
        var created = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants", new { tenantId = "ct-west", name = "West", description = "Western merchants" }),
            HttpStatusCode.Created);
        created.GetProperty("tenantId").GetString().ShouldBe("ct-west");
        created.GetProperty("description").GetString().ShouldBe("Western merchants");
        (await _admin.PostAsJsonAsync("/v2/tenants", new { tenantId = "ct-west", name = "Again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var malformed = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants", new { tenantId = "no spaces", name = "X" }), HttpStatusCode.BadRequest);
        malformed.GetProperty("detail").GetString()!.ShouldContain("'no spaces'");

        var updated = await JsonAsync(await _admin.PutAsJsonAsync("/v2/tenants/ct-west", new { name = "West Coast" }), HttpStatusCode.OK);
        updated.GetProperty("name").GetString().ShouldBe("West Coast");
        updated.TryGetProperty("description", out _).ShouldBeFalse("no description is no field: Camunda 8.8's client schema refuses a null");
        (await JsonAsync(await _admin.GetAsync("/v2/tenants/ct-west"), HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("West Coast");

        var found = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/search", new { filter = new { name = "West Coast" } }), HttpStatusCode.OK);
        found.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()).ShouldBe(["ct-west"]);
        found.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);
        var sorted = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/search", new { sort = new[] { new { field = "tenantId", order = "DESC" } } }),
            HttpStatusCode.OK);
        sorted.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()).ShouldContain("<default>");

        var unknown = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/search", new { filter = new { colour = "red" } }), HttpStatusCode.BadRequest);
        unknown.GetProperty("detail").GetString()!.ShouldContain("filter.colour");
        unknown.GetProperty("title").GetString().ShouldBe("INVALID_ARGUMENT");
        var wrongType = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/search", new { filter = new { name = 7 } }), HttpStatusCode.BadRequest);
        wrongType.GetProperty("detail").GetString()!.ShouldContain("filter.name");

        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        await IdentityHost.EnsureGroupAsync(_admin, "ct-team", "CT team");
        (await _admin.PutAsync($"/v2/tenants/ct-west/users/{user.UserName}", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.PutAsync("/v2/tenants/ct-west/groups/ct-team", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.PutAsync("/v2/tenants/ct-west/users/nobody-here", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var users = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/ct-west/users/search", new { }), HttpStatusCode.OK);
        users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("username").GetString()).ShouldBe([user.UserName]);
        var groups = await JsonAsync(await _admin.PostAsJsonAsync("/v2/tenants/ct-west/groups/search", new { }), HttpStatusCode.OK);
        groups.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("groupId").GetString()).ShouldBe(["ct-team"]);
        (await _admin.DeleteAsync($"/v2/tenants/ct-west/users/{user.UserName}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.DeleteAsync($"/v2/tenants/ct-west/users/{user.UserName}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await _host.Bearer(user.ApiKey).PostAsJsonAsync("/v2/tenants/search", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _admin.DeleteAsync("/v2/tenants/<default>")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await _admin.DeleteAsync("/v2/tenants/ct-west")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.GetAsync("/v2/tenants/ct-west")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Settings_belong_to_the_named_tenant_and_a_foreign_tenant_is_refused_by_name()
    {
        await IdentityHost.PostAsync(_admin, "/api/tenants", new { id = "ct-north", name = "North" });
        var template = new { text = "Hello {name}", parameters = new[] { "name" } };
        (await _admin.PutAsJsonAsync("/api/sms-templates/ct-hello?tenantId=ct-north", template)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _admin.GetAsync("/api/sms-templates/ct-hello")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the default tenant has no such template");
        var north = await JsonAsync(await _admin.GetAsync("/api/sms-templates/ct-hello?tenantId=ct-north"), HttpStatusCode.OK);
        north.GetProperty("tenantId").GetString().ShouldBe("ct-north");
        (await _admin.GetAsync("/api/calendars?tenantId=ct-nowhere")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var supervisor = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Supervisor, Roles.Designer])).ApiKey);
        var refused = await JsonAsync(await supervisor.GetAsync("/api/agents?tenantId=ct-north"), HttpStatusCode.Forbidden);
        refused.GetProperty("detail").GetString()!.ShouldContain("'ct-north'");
        (await supervisor.GetAsync("/api/sms-templates/ct-hello?tenantId=ct-north")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await supervisor.GetAsync("/api/agents")).StatusCode.ShouldBe(HttpStatusCode.OK, "the default tenant is theirs");
    }
}
