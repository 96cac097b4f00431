using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Hosting;

/// <summary>
/// A host holds one LISTEN connection, its engine node's, whatever hears on it (job executor, batches, timers, deleted
/// definitions, the identity cache) — also a host whose engine runs no jobs or timers (Processes:Engine:Enabled false).
/// Two hosts on one database, told apart by their connections' application names.
/// </summary>
public sealed class ListenConnectionTests : DatabaseTest
{
    private IdentityHost _worker = null!;
    private IdentityHost _idle = null!;

    private string Named(string application) => new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = application }.ConnectionString;

    [OneTimeSetUp]
    public async Task StartHosts()
    {
        _worker = IdentityHost.Start(Named("listen-worker"));
        _idle = IdentityHost.Start(Named("listen-idle"), settings: new Dictionary<string, string> { ["Processes:Engine:Enabled"] = "false" });
        await (await _worker.AdminAsync()).GetAsync("/api/auth/me");
        await (await _idle.AdminAsync()).GetAsync("/api/auth/me");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Cache(_worker).Listening && Cache(_idle).Listening) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [OneTimeTearDown]
    public async Task StopHosts()
    {
        await _worker.DisposeAsync();
        await _idle.DisposeAsync();
    }

    private static IdentityCache Cache(IdentityHost host) => host.Services.GetRequiredService<IdentityCache>();

    [Test]
    public async Task Each_host_has_one_listening_backend_also_with_its_engine_off()
    {
        Cache(_worker).Listening.ShouldBeTrue("the worker host's node listens");
        Cache(_idle).Listening.ShouldBeTrue("a host without jobs and timers still listens, for its caches");
        await using var connection = await DataSource.OpenConnectionAsync();
        var listening = (await connection.QueryAsync<(string Application, long Backends)>("""
            SELECT application_name, count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN %' GROUP BY application_name ORDER BY 1
            """)).ToList();

        listening.ShouldBe([("listen-idle", 1L), ("listen-worker", 1L)]);
    }

    [Test]
    public async Task A_notification_from_outside_reaches_both_hosts_on_that_connection()
    {
        var before = (Cache(_worker).Generation, Cache(_idle).Generation);
        await using var connection = await DataSource.OpenConnectionAsync();

        // What psql or another tool changing a user would send (the identity tables' triggers send the same).
        await connection.ExecuteAsync("SELECT pg_notify('processes_identity', 'test')");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((Cache(_worker).Generation == before.Item1 || Cache(_idle).Generation == before.Item2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }
        Cache(_worker).Generation.ShouldBeGreaterThan(before.Item1, "the worker host's cache was cleared");
        Cache(_idle).Generation.ShouldBeGreaterThan(before.Item2, "the idle host's cache was cleared");
    }
}
