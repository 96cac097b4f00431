using System.Net;
using System.Net.Http.Json;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// Server-side sessions (issue 22): a session ended by logout, disable or a password change is refused wherever its
/// cookie is replayed, and a task event stream ends within one poll of its user being disabled.
/// </summary>
public sealed class SessionRecordTests : DatabaseTest
{
    private IdentityHost _host = null!;
    private HttpClient _jarless = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        _host = IdentityHost.Start(ConnectionString);
        _jarless = SavedSession.JarlessClient(_host);
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _jarless.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task A_cookie_saved_before_logout_gets_401_afterwards()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        var saved = await SavedSession.SignInAsync(_jarless, user.UserName, user.Password);
        (await saved.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await saved.SendAsync(_jarless, HttpMethod.Post, "/api/auth/logout")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await saved.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM user_session WHERE user_id = @Id AND revoked_at IS NOT NULL", new { user.Id }))
            .ShouldBe(1);
    }

    [Test]
    public async Task Logout_ends_only_that_session()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        var first = await SavedSession.SignInAsync(_jarless, user.UserName, user.Password);
        var second = await SavedSession.SignInAsync(_jarless, user.UserName, user.Password);

        (await first.SendAsync(_jarless, HttpMethod.Post, "/api/auth/logout")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await second.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task Disabling_ends_every_session_of_the_user_and_enabling_does_not_revive_them()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        var sessions = new[]
        {
            await SavedSession.SignInAsync(_jarless, user.UserName, user.Password),
            await SavedSession.SignInAsync(_jarless, user.UserName, user.Password),
        };
        var admin = await _host.AdminAsync();

        (await admin.PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsync($"/api/users/{user.Id}/enable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var session in sessions)
        {
            (await session.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
    }

    [Test]
    public async Task A_password_reset_by_the_admin_ends_every_session_and_an_own_change_ends_the_others()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        var before = await SavedSession.SignInAsync(_jarless, user.UserName, user.Password);
        var admin = await _host.AdminAsync();

        (await admin.PostAsJsonAsync($"/api/users/{user.Id}/password", new { password = "reset by the admin today" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await before.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var changing = await _host.SignInAsync(user.UserName, "reset by the admin today");
        var other = await SavedSession.SignInAsync(_jarless, user.UserName, "reset by the admin today");
        (await changing.PostAsJsonAsync("/api/auth/password", new { currentPassword = "reset by the admin today", newPassword = "my very own password" }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await changing.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the session that changed it goes on");
        (await other.SendAsync(_jarless, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task The_task_event_stream_of_a_user_disabled_while_it_is_open_ends_within_one_poll()
    {
        var user = await AgentWithOwnPasswordAsync();
        using var client = await _host.SignInAsync(user.UserName, user.Password);
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events"), HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).ShouldBe(": stream open");
        var admin = await _host.AdminAsync();

        (await admin.PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The stream polls every second: within two it must have noticed and ended (end of stream, not a timeout).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
        }
    }

    [Test]
    public async Task The_task_event_stream_ends_when_its_session_is_logged_out_elsewhere()
    {
        var user = await AgentWithOwnPasswordAsync();
        var saved = await SavedSession.SignInAsync(_jarless, user.UserName, user.Password);
        using var open = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events");
        open.Headers.Add("Cookie", saved.Cookies);
        using var response = await _jarless.SendAsync(open, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).ShouldBe(": stream open");

        (await saved.SendAsync(_jarless, HttpMethod.Post, "/api/auth/logout")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
        }
    }

    /// <summary>An agent past the first-sign-in password change (a session may do nothing else before it).</summary>
    private async Task<TestUser> AgentWithOwnPasswordAsync()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE app_user SET password_change_required = false WHERE id = @Id", new { user.Id });
        return user;
    }
}
