using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>The first admin: configured or generated password, once, also with two hosts starting together.</summary>
public sealed partial class AdminBootstrapTests
{
    [GeneratedRegex("one-time password (\\S+) \\.")]
    private static partial Regex GeneratedPassword();

    [Test]
    public async Task The_configured_password_signs_in_the_first_admin_and_a_later_change_of_it_does_not_overwrite()
    {
        await WithFreshDatabase(async connectionString =>
        {
            await using (var first = IdentityHost.Start(connectionString, "first configured password", logs: new LogCapture()))
            {
                using var session = await first.SignInAsync("admin", "first configured password");
                (await session.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }
            await using var second = IdentityHost.Start(connectionString, "another configured password");
            (await second.Anonymous().PostAsJsonAsync("/api/auth/login", new { userName = "admin", password = "another configured password" }))
                .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            using var again = await second.SignInAsync("admin", "first configured password");

            await using var connection = new NpgsqlConnection(connectionString);
            (await connection.QuerySingleAsync<(string Actor, string Action)>("SELECT actor, action FROM audit_log WHERE action = 'user.created'"))
                .ShouldBe(("system", "user.created"));
        });
    }

    [Test]
    public async Task Without_a_configured_password_one_is_generated_and_logged_once_as_a_warning()
    {
        await WithFreshDatabase(async connectionString =>
        {
            var firstLogs = new LogCapture();
            string password;
            await using (var first = IdentityHost.Start(connectionString, adminPassword: null, logs: firstLogs))
            {
                _ = first.Services;
                var warning = firstLogs.Entries.Where(e => e.Level == LogLevel.Warning && GeneratedPassword().IsMatch(e.Message)).ShouldHaveSingleItem();
                password = GeneratedPassword().Match(warning.Message).Groups[1].Value;
                password.Length.ShouldBeGreaterThanOrEqualTo(20);
                using var session = await first.SignInAsync("admin", password);
                var gated = await session.GetAsync("/api/users");
                gated.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "a generated password must be replaced before anything else");
                (await SessionTests.Detail(gated)).ShouldContain("/api/auth/password");
                (await session.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = "the admin's own password" }))
                    .StatusCode.ShouldBe(HttpStatusCode.NoContent);
                (await session.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }

            var secondLogs = new LogCapture();
            await using var second = IdentityHost.Start(connectionString, adminPassword: null, logs: secondLogs);
            _ = second.Services;
            secondLogs.Entries.ShouldNotContain(e => e.Message.Contains(password, StringComparison.Ordinal));
            secondLogs.Entries.ShouldNotContain(e => GeneratedPassword().IsMatch(e.Message));
            using var again = await second.SignInAsync("admin", "the admin's own password");
            (await again.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
        });
    }

    [Test]
    public async Task Two_hosts_starting_together_create_one_admin()
    {
        await WithFreshDatabase(async connectionString =>
        {
            var logs = new LogCapture();
            await using var first = IdentityHost.Start(connectionString, adminPassword: null, logs: logs);
            await using var second = IdentityHost.Start(connectionString, adminPassword: null, logs: logs);

            await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services));

            logs.Entries.Count(e => GeneratedPassword().IsMatch(e.Message)).ShouldBe(1);
            await using var connection = new NpgsqlConnection(connectionString);
            (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM app_user")).ShouldBe(1);
            (await connection.ExecuteScalarAsync<string>("SELECT role FROM user_role")).ShouldBe("admin");
        });
    }

    private static async Task WithFreshDatabase(Func<string, Task> test)
    {
        var name = $"b_{Guid.NewGuid():N}";
        var connectionString = await TestCluster.CreateMigratedDatabaseAsync(name);
        try
        {
            await test(connectionString);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestCluster.DropDatabaseAsync(name);
        }
    }
}
