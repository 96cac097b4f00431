using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>/api/users: validation (422 naming the field), 404, 409, 412, 428, paging, roles, groups, audit.</summary>
public sealed class UsersApiTests : DatabaseTest
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

    [Test]
    public async Task A_created_user_can_be_read_back_with_its_version_as_etag()
    {
        var created = await _admin.PostAsJsonAsync("/api/users", new { userName = "Carla.M", displayName = "Carla M", email = "carla@example.com", roles = new[] { "agent" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        created.Headers.Location!.ToString().ShouldBe($"/api/users/{id}");

        var read = await _admin.GetAsync($"/api/users/{id}");

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var body = await read.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("userName").GetString().ShouldBe("Carla.M");
        body.GetProperty("hasPassword").GetBoolean().ShouldBeFalse();
        body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["agent"]);
        body.TryGetProperty("passwordHash", out _).ShouldBeFalse();
    }

    [Test]
    public async Task A_user_name_taken_in_another_case_is_a_conflict()
    {
        await IdentityHost.PostAsync(_admin, "/api/users", new { userName = "dora", displayName = "Dora" });

        var again = await _admin.PostAsJsonAsync("/api/users", new { userName = "DORA", displayName = "Dora 2" });

        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        again.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("userName");
    }

    [Test]
    public async Task Invalid_fields_are_named_in_a_422()
    {
        var response = await _admin.PostAsJsonAsync("/api/users", new
        {
            userName = "has space", displayName = "", email = "no-at-sign", password = "short", roles = new[] { "agent", "wizard" },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await SessionTests.Errors(response)).ShouldBe(["userName", "displayName", "email", "password", "roles[1]"], ignoreOrder: true);
    }

    [Test]
    public async Task Unknown_ids_are_404()
    {
        (await _admin.GetAsync("/api/users/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.PutAsJsonAsync("/api/users/999999", new { displayName = "x", version = 1 })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.PostAsync("/api/users/999999/disable", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.PutAsJsonAsync("/api/users/999999/roles", new { roles = Array.Empty<string>() })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.PostAsJsonAsync("/api/users/999999/password", new { password = "long enough password" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Updates_check_the_version_412_for_if_match_409_for_the_body_428_for_neither()
    {
        var user = await _host.CreateUserAsync();

        var noVersion = await _admin.PutAsJsonAsync($"/api/users/{user.Id}", new { displayName = "New name" });
        noVersion.StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);

        var ok = await _admin.PutAsJsonAsync($"/api/users/{user.Id}", new { displayName = "New name", version = 1 });
        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        ok.Headers.ETag!.Tag.ShouldBe("\"2\"");

        (await _admin.PutAsJsonAsync($"/api/users/{user.Id}", new { displayName = "Stale", version = 1 })).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var ifMatch = new HttpRequestMessage(HttpMethod.Put, $"/api/users/{user.Id}") { Content = JsonContent.Create(new { displayName = "Stale" }) };
        ifMatch.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        (await _admin.SendAsync(ifMatch)).StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);

        using var current = new HttpRequestMessage(HttpMethod.Put, $"/api/users/{user.Id}") { Content = JsonContent.Create(new { displayName = "Fresh" }) };
        current.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
        var fresh = await _admin.SendAsync(current);
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await fresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("displayName").GetString().ShouldBe("Fresh");

        using var any = new HttpRequestMessage(HttpMethod.Put, $"/api/users/{user.Id}") { Content = JsonContent.Create(new { displayName = "Whatever the version" }) };
        any.Headers.TryAddWithoutValidation("If-Match", "*");
        (await _admin.SendAsync(any)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_list_pages_with_a_cursor()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.CreateUserAsync();
        }
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await _admin.GetFromJsonAsync<JsonElement>($"/api/users?limit=2{(cursor is null ? "" : $"&after={cursor}")}");
            var items = page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetInt64()).ToList();
            items.Count.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(items);
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        seen.Count.ShouldBeGreaterThanOrEqualTo(4);
        seen.ShouldBe(seen.Order().Distinct().ToList());

        var bad = await _admin.GetAsync("/api/users?after=%%%&limit=1000");
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(bad)).ShouldBe(["after", "limit"], ignoreOrder: true);
    }

    [Test]
    public async Task Roles_and_groups_are_replaced_and_unknown_groups_are_named()
    {
        await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "after-sales", displayName = "After-sales" });
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);

        var roles = await _admin.PutAsJsonAsync($"/api/users/{user.Id}/roles", new { roles = new[] { Roles.Supervisor, Roles.Finance } });
        roles.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await roles.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roles").EnumerateArray().Select(r => r.GetString())
            .ShouldBe([Roles.Finance, Roles.Supervisor]);

        var unknown = await _admin.PutAsJsonAsync($"/api/users/{user.Id}/groups", new { groups = new[] { "after-sales", "nope" } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(unknown)).ShouldBe(["groups[1]"]);

        var groups = await _admin.PutAsJsonAsync($"/api/users/{user.Id}/groups", new { groups = new[] { "AFTER-SALES" } });
        groups.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await groups.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["after-sales"]);
    }

    [Test]
    public async Task The_last_enabled_admin_can_be_neither_disabled_nor_demoted()
    {
        var me = await _admin.GetFromJsonAsync<JsonElement>("/api/auth/me");
        var id = me.GetProperty("id").GetInt64();
        // Other tests of this fixture may have made admins; this one needs the first admin to be the only one.
        var everyone = await _admin.GetFromJsonAsync<JsonElement>("/api/users?limit=200");
        foreach (var other in everyone.GetProperty("items").EnumerateArray().Where(u => u.GetProperty("id").GetInt64() != id &&
                     u.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == Roles.Admin)))
        {
            (await _admin.PutAsJsonAsync($"/api/users/{other.GetProperty("id").GetInt64()}/roles", new { roles = Array.Empty<string>() }))
                .StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var disable = await _admin.PostAsync($"/api/users/{id}/disable", null);
        disable.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await disable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("enabled");
        (await _admin.PutAsJsonAsync($"/api/users/{id}/roles", new { roles = new[] { Roles.Agent } })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await _admin.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_password_reset_ends_sessions_and_the_new_password_works()
    {
        var user = await _host.CreateUserAsync();
        using var session = await _host.SignInAsync(user.UserName, user.Password);

        var weak = await _admin.PostAsJsonAsync($"/api/users/{user.Id}/password", new { password = "short" });
        weak.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(weak)).ShouldBe(["password"]);
        (await _admin.PostAsJsonAsync($"/api/users/{user.Id}/password", new { password = "the brand new password" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await session.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var again = await _host.SignInAsync(user.UserName, "the brand new password");
    }

    [Test]
    public async Task Changes_are_audited_with_the_acting_admin_and_readable_through_the_audit_api()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        (await _admin.PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Actor, string Action)>(
            "SELECT actor, action FROM audit_log WHERE target_type = 'user' AND target_id = @id ORDER BY id", new { id = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ToList();
        rows.ShouldBe([("admin", "user.created"), ("admin", "user.disabled")]);

        var audit = await _admin.GetFromJsonAsync<JsonElement>("/api/audit?actor=admin&action=user.disabled&limit=1");
        var item = audit.GetProperty("items")[0];
        item.GetProperty("action").GetString().ShouldBe("user.disabled");
        item.GetProperty("actor").GetString().ShouldBe("admin");
        item.GetProperty("apiKeyId").ValueKind.ShouldBe(JsonValueKind.Number, "the admin acted with an API key");
    }

    [Test]
    public async Task A_password_set_by_an_admin_must_be_changed_before_the_session_can_do_anything_else()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Admin]);
        using var session = await _host.SignInAsync(user.UserName, user.Password);
        (await session.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("passwordChangeRequired").GetBoolean().ShouldBeTrue();

        (await session.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _host.Bearer(user.ApiKey).GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK, "API keys have no password to change");

        (await session.PostAsJsonAsync("/api/auth/password", new { currentPassword = user.Password, newPassword = "my very own password" }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await session.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await session.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("passwordChangeRequired").GetBoolean().ShouldBeFalse();
    }
}
