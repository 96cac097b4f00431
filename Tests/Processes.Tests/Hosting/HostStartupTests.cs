using System.Net;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Processes.Tests.Storage;

namespace Processes.Tests.Hosting;

/// <summary>The host against a configured database: health endpoints and several hosts starting at once.</summary>
public sealed class HostStartupTests : DatabaseTest
{
    [Test]
    public async Task Live_and_ready_answer_once_the_database_is_migrated()
    {
        await using var host = NewHost(ConnectionString);
        using var client = host.CreateClient();

        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task Two_hosts_started_together_on_a_new_database_both_become_ready_and_migrate_once()
    {
        var name = $"h_{Guid.NewGuid():N}";
        var connectionString = await TestCluster.CreateEmptyDatabaseAsync(name);
        try
        {
            await using var first = NewHost(connectionString);
            await using var second = NewHost(connectionString);
            var answers = await Task.WhenAll(
                Task.Run(() => first.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative))),
                Task.Run(() => second.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative))));

            answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.OK);
            await using var connection = new NpgsqlConnection(connectionString);
            var rows = (await connection.QueryAsync<(int Version, int Count)>(
                "SELECT version, count(*)::int FROM schema_migration GROUP BY version")).ToList();
            rows.Count.ShouldBe(Processes.Engine.Storage.MigrationScript.Embedded.Count);
            rows.ShouldAllBe(r => r.Count == 1);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestCluster.DropDatabaseAsync(name);
        }
    }

    [Test]
    public async Task Ready_reports_unavailable_when_the_configured_server_cannot_be_reached()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = 1, Timeout = 2 }.ConnectionString;
        await using var host = NewHost(unreachable);
        using var client = host.CreateClient();

        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    internal static WebApplicationFactory<Program> NewHost(string connectionString) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Processes", connectionString);
            builder.UseEnvironment("Testing");
        });
}
