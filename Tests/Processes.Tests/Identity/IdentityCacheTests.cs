using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// API keys are remembered for a few seconds (issue 15), and every change that could refuse a key or change its
/// principal clears that at once: on the host that made it right after the commit, on other hosts through the
/// database's NOTIFY. Two hosts on one database.
/// </summary>
public sealed class IdentityCacheTests : DatabaseTest
{
    private static readonly TimeSpan NotifyWithin = TimeSpan.FromSeconds(10);
    private IdentityHost _first = null!;
    private IdentityHost _second = null!;

    [OneTimeSetUp]
    public async Task StartHosts()
    {
        _first = IdentityHost.Start(ConnectionString);
        _second = IdentityHost.Start(ConnectionString);
        await (await _first.AdminAsync()).GetAsync("/api/auth/me");
        await (await _second.AdminAsync()).GetAsync("/api/auth/me");
        await UntilAsync(() => Cache(_first).Listening && Cache(_second).Listening, "both hosts listen on processes_identity");
    }

    [OneTimeTearDown]
    public async Task StopHosts()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Test]
    public async Task A_key_once_checked_is_answered_from_memory()
    {
        var user = await _first.CreateUserAsync(roles: [Roles.Operator]);

        (await _first.Bearer(user.ApiKey).GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        Cache(_first).Find(user.ApiKey).ShouldNotBeNull().User.UserName.ShouldBe(user.UserName);
        Cache(_first).Find(user.ApiKey + "x").ShouldBeNull();
    }

    [Test]
    public async Task A_revoked_key_stops_working_at_the_next_request_on_this_host_and_soon_on_the_other()
    {
        var user = await _first.CreateUserAsync();
        var here = _first.Bearer(user.ApiKey);
        var there = _second.Bearer(user.ApiKey);
        await WarmAsync(here, there, user.ApiKey);
        var admin = await _first.AdminAsync();
        var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/users/{user.Id}/api-keys");

        (await admin.DeleteAsync($"/api/users/{user.Id}/api-keys/{keys.GetProperty("items")[0].GetProperty("id").GetInt64()}"))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await here.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await UntilRefusedAsync(there);
    }

    [Test]
    public async Task A_disabled_user_is_refused_at_the_next_request_on_this_host_and_soon_on_the_other()
    {
        var user = await _first.CreateUserAsync();
        var here = _first.Bearer(user.ApiKey);
        var there = _second.Bearer(user.ApiKey);
        await WarmAsync(here, there, user.ApiKey);

        (await (await _first.AdminAsync()).PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await here.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await UntilRefusedAsync(there);
    }

    [Test]
    public async Task New_roles_count_at_the_next_request()
    {
        var user = await _first.CreateUserAsync(roles: [Roles.Agent]);
        var here = _first.Bearer(user.ApiKey);
        await WarmAsync(here, _second.Bearer(user.ApiKey), user.ApiKey);

        (await (await _first.AdminAsync()).PutAsJsonAsync($"/api/users/{user.Id}/roles", new { roles = new[] { Roles.Finance } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        var me = await here.GetFromJsonAsync<JsonElement>("/api/auth/me");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([Roles.Finance]);
    }

    [Test]
    public async Task A_change_made_in_the_database_by_anyone_clears_every_host()
    {
        var user = await _first.CreateUserAsync();
        var here = _first.Bearer(user.ApiKey);
        var there = _second.Bearer(user.ApiKey);
        await WarmAsync(here, there, user.ApiKey);

        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE api_key SET revoked_at = now() WHERE user_id = @id", new { id = user.Id });
        }

        await UntilRefusedAsync(here);
        await UntilRefusedAsync(there);
    }

    [Test]
    public async Task Sign_in_bookkeeping_does_not_clear_the_cache()
    {
        var user = await _first.CreateUserAsync();
        await WarmAsync(_first.Bearer(user.ApiKey), _second.Bearer(user.ApiKey), user.ApiKey);

        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = @id", new { id = user.Id });
            await connection.ExecuteAsync("UPDATE api_key SET last_used_at = now() WHERE user_id = @id", new { id = user.Id });
        }
        await Task.Delay(500);

        Cache(_second).Find(user.ApiKey).ShouldNotBeNull();
    }

    private static IdentityCache Cache(IdentityHost host) => host.Services.GetRequiredService<IdentityCache>();

    private async Task WarmAsync(HttpClient here, HttpClient there, string key)
    {
        (await here.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await there.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        Cache(_first).Find(key).ShouldNotBeNull();
        Cache(_second).Find(key).ShouldNotBeNull();
    }

    private static Task UntilRefusedAsync(HttpClient client) => UntilAsync(
        async () => (await client.GetAsync("/api/auth/me")).StatusCode == HttpStatusCode.Unauthorized, "the key is refused");

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

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
