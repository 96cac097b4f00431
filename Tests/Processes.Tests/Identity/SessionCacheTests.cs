using System.Net;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// Session cookies are checked against the database once per few seconds, not once per request (issue 15), and every
/// change that ends a session or refuses its user clears that at once: on the host that made it right after the
/// commit, on other hosts through the database's NOTIFY. Two hosts on one database sharing their cookie keys.
/// </summary>
public sealed class SessionCacheTests : DatabaseTest
{
    private static readonly TimeSpan NotifyWithin = TimeSpan.FromSeconds(10);
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processes:DataProtection:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    private IdentityHost _first = null!;
    private IdentityHost _second = null!;
    private HttpClient _onFirst = null!;
    private HttpClient _onSecond = null!;

    [OneTimeSetUp]
    public async Task StartHosts()
    {
        _first = IdentityHost.Start(ConnectionString, settings: Settings);
        _second = IdentityHost.Start(ConnectionString, settings: Settings);
        await (await _first.AdminAsync()).GetAsync("/api/auth/me");
        await (await _second.AdminAsync()).GetAsync("/api/auth/me");
        _onFirst = SavedSession.JarlessClient(_first);
        _onSecond = SavedSession.JarlessClient(_second);
        await UntilAsync(() => Task.FromResult(Cache(_first).Listening && Cache(_second).Listening), "both hosts listen on processes_identity");
    }

    [OneTimeTearDown]
    public async Task StopHosts()
    {
        _onFirst.Dispose();
        _onSecond.Dispose();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Test]
    public async Task A_session_once_checked_is_answered_from_memory()
    {
        var session = await WarmSessionAsync();
        // Not a revocation (nothing notifies): only a request that reads the database would notice it.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE user_session SET expires_at = now() - interval '1 minute' WHERE user_id = @Id", new { session.User.Id });
        }

        (await session.Saved.SendAsync(_onFirst, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        Cache(_first).Clear();
        (await session.Saved.SendAsync(_onFirst, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_disabled_users_cookie_stops_working_at_the_next_request_on_this_host_and_on_the_other()
    {
        var session = await WarmSessionAsync();

        (await (await _first.AdminAsync()).PostAsync($"/api/users/{session.User.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await session.Saved.SendAsync(_onFirst, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await UntilRefusedAsync(session.Saved, _onSecond);
    }

    [Test]
    public async Task A_logout_on_one_host_ends_the_session_on_the_other()
    {
        var session = await WarmSessionAsync();

        (await session.Saved.SendAsync(_onSecond, HttpMethod.Post, "/api/auth/logout")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await session.Saved.SendAsync(_onSecond, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await UntilRefusedAsync(session.Saved, _onFirst);
    }

    [Test]
    public async Task Session_touches_and_new_sign_ins_do_not_clear_the_cache()
    {
        var session = await WarmSessionAsync();

        await SavedSession.SignInAsync(_onFirst, session.User.UserName, session.User.Password);
        // Shaped as the once-a-minute touch (the columns it writes), with an expiry that a database read would refuse.
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE user_session SET last_seen_at = now(), expires_at = now() - interval '1 minute' WHERE user_id = @Id",
                new { session.User.Id });
        }
        await Task.Delay(500);

        (await session.Saved.SendAsync(_onSecond, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static IdentityCache Cache(IdentityHost host) => host.Services.GetRequiredService<IdentityCache>();

    /// <summary>An agent signed in on the first host whose session both hosts have checked once (and so remember).</summary>
    private async Task<(TestUser User, SavedSession Saved)> WarmSessionAsync()
    {
        var user = await _first.CreateUserAsync(roles: [Roles.Agent]);
        var saved = await SavedSession.SignInAsync(_onFirst, user.UserName, user.Password);
        (await saved.SendAsync(_onFirst, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await saved.SendAsync(_onSecond, HttpMethod.Get, "/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        return (user, saved);
    }

    private static Task UntilRefusedAsync(SavedSession saved, HttpClient client) => UntilAsync(
        async () => (await saved.SendAsync(client, HttpMethod.Get, "/api/auth/me")).StatusCode == HttpStatusCode.Unauthorized, "the session is refused");

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + NotifyWithin;
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"waited {NotifyWithin} for: {what}");
            await Task.Delay(50);
        }
    }
}
