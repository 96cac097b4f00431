using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// Sign-in throttling per address and per account (issue 22), behind a proxy whose X-Forwarded-For is trusted, so a
/// test chooses the client address per request; and the Secure flag from X-Forwarded-Proto.
/// </summary>
public sealed class SignInThrottleTests : DatabaseTest
{
    private IdentityHost _host = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        _host = IdentityHost.Start(ConnectionString, settings: new Dictionary<string, string>
        {
            ["Processes:ForwardedHeaders:TrustAll"] = "true",
            ["Processes:Identity:Throttle:Threshold"] = "3",
            ["Processes:Identity:Throttle:Lockout"] = "00:10:00",
            ["Processes:Identity:Throttle:AddressThreshold"] = "5",
            ["Processes:Identity:Throttle:AddressBlock"] = "00:01:00",
        });
        _client = SavedSession.JarlessClient(_host);
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task Spraying_one_password_across_accounts_blocks_the_address_but_not_others()
    {
        var victims = new List<TestUser>();
        for (var i = 0; i < 6; i++)
        {
            victims.Add(await _host.CreateUserAsync(roles: [Roles.Agent]));
        }
        const string sprayer = "203.0.113.10";

        foreach (var victim in victims.Take(5))
        {
            (await LoginAsync(sprayer, victim.UserName, "Summer2026!Summer")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var blocked = await LoginAsync(sprayer, victims[5].UserName, victims[5].Password);
        blocked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "blocked even with a right password: the address is spent");
        blocked.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeInRange(1, 60);
        (await LoginAsync("203.0.113.11", victims[5].UserName, victims[5].Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT max(failed_logins) FROM app_user WHERE id = ANY(@ids)", new { ids = victims.Select(v => v.Id).ToArray() }))
            .ShouldBe(1, "one try per account never comes near an account lock: the address block is what stops spraying");
    }

    [Test]
    public async Task Failures_from_one_address_do_not_lock_the_admin_out_where_it_signs_in_and_an_admin_unlocks_the_rest()
    {
        var admin = await _host.AdminAsync();
        var adminId = (await admin.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("id").GetInt64();
        const string office = "198.51.100.1";
        const string attacker = "198.51.100.2";
        const string travelling = "198.51.100.3";
        (await LoginAsync(office, IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.OK);

        for (var i = 0; i < 4; i++)
        {
            (await LoginAsync(attacker, IdentityHost.AdminBootstrapName, "guessing the admin")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        (await LoginAsync(attacker, IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "locked for the attacker");

        (await LoginAsync(office, IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.OK, "not locked where the admin signs in");
        (await LoginAsync(attacker, IdentityHost.AdminBootstrapName, "guessing the admin")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await LoginAsync(travelling, IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a new address waits out the lock");

        (await admin.PostAsync($"/api/users/{adminId}/unlock", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await LoginAsync(travelling, IdentityHost.AdminBootstrapName, IdentityHost.AdminPassword)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string>("SELECT actor FROM audit_log WHERE action = 'user.unlocked' AND target_id = @id",
            new { id = adminId.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ShouldBe(IdentityHost.AdminBootstrapName);
    }

    [Test]
    public async Task Guessing_the_current_password_of_a_stolen_session_is_throttled_like_a_sign_in()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);
        const string home = "192.0.2.60";
        const string thief = "192.0.2.61";
        var session = await SavedSession.SignInAsync(_client, user.UserName, user.Password, ("X-Forwarded-For", home));

        for (var i = 0; i < 3; i++)
        {
            (await ChangePasswordAsync(session, thief, $"guess number {i}")).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        }
        var locked = await ChangePasswordAsync(session, thief, user.Password);
        locked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "the account is locked for the thief's address, even with the right password");
        locked.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeInRange(1, 600);
        (await ChangePasswordAsync(session, thief, "the fourth guess")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await LoginAsync(thief, user.UserName, user.Password)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "sign-in shares the lock");

        // Two more wrong guesses from the same address at sign-in make five failures there: the address is blocked.
        (await LoginAsync(thief, user.UserName, "guess at sign-in")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await LoginAsync(thief, user.UserName, "another guess at sign-in")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ChangePasswordAsync(session, thief, user.Password)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await LoginAsync(thief, user.UserName, user.Password)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        // The owner, at the address it signs in from, is not locked out by the thief's guesses.
        (await ChangePasswordAsync(session, home, user.Password)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'user.password_change_failed' AND target_id = @id",
            new { id = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ShouldBe(3);
    }

    [Test]
    public async Task Unlocking_an_unknown_user_is_404()
    {
        var admin = await _host.AdminAsync();
        (await admin.PostAsync("/api/users/999999/unlock", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_session_cookie_is_secure_when_the_trusted_proxy_says_the_client_used_https()
    {
        var user = await _host.CreateUserAsync(roles: [Roles.Agent]);

        var overTls = await SavedSession.SignInAsync(_client, user.UserName, user.Password, ("X-Forwarded-For", "192.0.2.7"), ("X-Forwarded-Proto", "https"));
        var plain = await SavedSession.SignInAsync(_client, user.UserName, user.Password, ("X-Forwarded-For", "192.0.2.7"));

        var session = SavedSession.SetCookies(overTls.Response).Single(c => c.StartsWith(SessionCookie.Name + "=", StringComparison.Ordinal));
        session.ShouldContain("secure", Case.Insensitive);
        session.ShouldContain("httponly", Case.Insensitive);
        SavedSession.SetCookies(plain.Response).Single(c => c.StartsWith(SessionCookie.Name + "=", StringComparison.Ordinal)).ShouldNotContain("secure", Case.Insensitive);
        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.QueryAsync<string>("SELECT remote_address FROM user_session WHERE user_id = @Id", new { user.Id })).ShouldAllBe(a => a == "192.0.2.7");
    }

    private async Task<HttpResponseMessage> ChangePasswordAsync(SavedSession session, string address, string currentPassword)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/password")
        {
            Content = JsonContent.Create(new { currentPassword, newPassword = "a brand new long password" }),
        };
        request.Headers.Add("Cookie", session.Cookies);
        request.Headers.Add(IdentityRegistration.AntiforgeryHeader, session.AntiforgeryToken);
        request.Headers.Add("X-Forwarded-For", address);
        return await _client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> LoginAsync(string address, string userName, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { userName, password }) };
        request.Headers.Add("X-Forwarded-For", address);
        return await _client.SendAsync(request);
    }
}
