using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>Sign-in by session cookie: login, me, logout, antiforgery, throttle, rehash.</summary>
public sealed class SessionTests : DatabaseTest
{
    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString, settings: new Dictionary<string, string>
    {
        ["Processes:Identity:Throttle:Threshold"] = "3",
        ["Processes:Identity:Throttle:Lockout"] = "00:10:00",
    });

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Login_sets_a_session_cookie_and_me_shows_the_user_roles_and_groups()
    {
        var admin = await _host.AdminAsync();
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "billing", displayName = "Billing" });
        var user = await _host.CreateUserAsync(roles: [Roles.Agent, Roles.Finance], groups: ["billing"]);

        using var client = await _host.SignInAsync(user.UserName, user.Password);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");

        me.GetProperty("userName").GetString().ShouldBe(user.UserName);
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([Roles.Agent, Roles.Finance]);
        me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["billing"]);
        me.GetProperty("authenticatedWith").GetString().ShouldBe("cookie");
    }

    [Test]
    public async Task Logout_ends_the_session()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        using var client = await _host.SignInAsync(user.UserName, user.Password);

        (await client.PostAsync("/api/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var me = await client.GetAsync("/api/auth/me");
        me.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        me.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Test]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_answer()
    {
        var user = await _host.CreateUserAsync();
        using var client = _host.Anonymous();

        var wrongPassword = await client.PostAsJsonAsync("/api/auth/login", new { userName = user.UserName, password = "not the password" });
        var unknownUser = await client.PostAsJsonAsync("/api/auth/login", new { userName = "nobody-at-all", password = "not the password" });

        wrongPassword.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        unknownUser.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        wrongPassword.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await Detail(wrongPassword)).ShouldBe(await Detail(unknownUser));
    }

    [Test]
    public async Task A_state_changing_cookie_request_without_the_antiforgery_header_is_refused()
    {
        var user = await _host.CreateUserAsync();
        using var bare = await _host.SignInAsync(user.UserName, user.Password, withAntiforgery: false);

        var refused = await bare.PostAsync("/api/auth/logout", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Detail(refused)).ShouldContain(IdentityRegistration.AntiforgeryHeader);
        (await bare.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "still signed in");

        var token = await bare.GetFromJsonAsync<JsonElement>("/api/auth/antiforgery");
        bare.DefaultRequestHeaders.Add(token.GetProperty("headerName").GetString()!, token.GetProperty("token").GetString());
        (await bare.PostAsync("/api/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Test]
    public async Task Repeated_wrong_passwords_lock_the_account_for_a_while_even_against_the_right_one()
    {
        var user = await _host.CreateUserAsync();
        using var client = _host.Anonymous();
        for (var i = 0; i < 3; i++)
        {
            (await client.PostAsJsonAsync("/api/auth/login", new { userName = user.UserName, password = "wrong wrong wrong" }))
                .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var right = await client.PostAsJsonAsync("/api/auth/login", new { userName = user.UserName, password = user.Password });

        right.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await using var connection = await DataSource.OpenConnectionAsync();
        var reasons = (await connection.QueryAsync<string>(
            "SELECT details->>'reason' FROM audit_log WHERE action = 'auth.login_failed' AND actor = @UserName ORDER BY id", new { user.UserName })).ToList();
        reasons.ShouldBe(["wrong password", "wrong password", "wrong password", "locked"]);
    }

    [Test]
    public async Task A_hash_with_outdated_parameters_is_replaced_at_the_next_sign_in()
    {
        var user = await _host.CreateUserAsync();
        var weak = new PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 1000 }))
            .HashPassword(new object(), user.Password);
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE app_user SET password_hash = @weak WHERE id = @Id", new { weak, user.Id });

        using var client = await _host.SignInAsync(user.UserName, user.Password);

        var stored = await connection.ExecuteScalarAsync<string>("SELECT password_hash FROM app_user WHERE id = @Id", new { user.Id });
        stored.ShouldNotBe(weak);
        using var again = await _host.SignInAsync(user.UserName, user.Password);
        (await again.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task Disabling_a_user_ends_its_open_session()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        using var client = await _host.SignInAsync(user.UserName, user.Password);
        var admin = await _host.AdminAsync();

        (await admin.PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await client.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _host.Anonymous().PostAsJsonAsync("/api/auth/login", new { userName = user.UserName, password = user.Password }))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Changing_the_own_password_keeps_this_session_and_the_new_password_works()
    {
        var user = await _host.CreateUserAsync();
        using var client = await _host.SignInAsync(user.UserName, user.Password);

        var wrong = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = "not it at all", newPassword = "another long password" });
        wrong.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await Errors(wrong)).ShouldContain("currentPassword");
        (await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = user.Password, newPassword = "another long password" }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var again = await _host.SignInAsync(user.UserName, "another long password");
    }

    [Test]
    public async Task Login_names_the_missing_fields_and_malformed_json_is_a_bad_request()
    {
        using var client = _host.Anonymous();

        var missing = await client.PostAsJsonAsync("/api/auth/login", new { userName = "" });
        missing.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await Errors(missing)).ShouldBe(["userName", "password"], ignoreOrder: true);

        using var malformed = new StringContent("{ \"userName\": ", System.Text.Encoding.UTF8, "application/json");
        var bad = await client.PostAsync("/api/auth/login", malformed);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Test]
    public async Task Sign_in_success_and_failure_are_audited_with_who_and_what()
    {
        var user = await _host.CreateUserAsync();
        using var client = await _host.SignInAsync(user.UserName, user.Password);

        await using var connection = await DataSource.OpenConnectionAsync();
        var actions = (await connection.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE actor = @UserName ORDER BY id", new { user.UserName })).ToList();
        actions.ShouldContain("auth.login");
    }

    internal static async Task<string> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

    internal static async Task<IReadOnlyList<string>> Errors(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];
}
