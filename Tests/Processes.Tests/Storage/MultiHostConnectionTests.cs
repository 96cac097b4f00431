using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Hangfire;
using Processes.Host.Postgres;

namespace Processes.Tests.Storage;

/// <summary>
/// Database failover, the host's side (issue 21): <c>ConnectionStrings:Processes</c> may name several hosts with
/// <c>Target Session Attributes</c>; the engine's data source, the start-up migrations and Hangfire's storage all keep every
/// host, and the errors of a failover in progress (no host writable yet, every host unreachable, a write refused by a
/// standby still held read-only) count as transient, so a host starting or running meanwhile waits and retries instead of
/// giving up. The failover itself is <c>Hosting/FailoverTests</c>.
/// </summary>
public sealed class MultiHostConnectionTests : DatabaseTest
{
    [Test]
    public async Task A_multi_host_string_with_a_dead_first_host_reaches_the_writable_one_for_the_engine_migrations_and_hangfire()
    {
        var dead = ClosedPort();
        var live = new NpgsqlConnectionStringBuilder(ConnectionString);
        var multiHost = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Host = $"127.0.0.1:{dead},{live.Host}:{live.Port}",
            TargetSessionAttributes = "read-write",
        }.ConnectionString;
        await using var database = Database(multiHost);

        var dataSource = await database.EnsureStartedAsync();

        dataSource.ShouldBeOfType<NpgsqlMultiHostDataSource>();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            connection.Port.ShouldBe(live.Port, "the dead first host is skipped");
            await using var applied = new NpgsqlCommand("SELECT count(*) FROM schema_migration", connection);
            ((long)(await applied.ExecuteScalarAsync())!).ShouldBeGreaterThan(0, "migrations ran through the multi-host data source");
        }
        // Hangfire opens its own connections (the long-poll listener too) from the string: both hosts must still be in it.
        new NpgsqlConnectionStringBuilder(database.ConnectionString).Host.ShouldBe($"127.0.0.1:{dead},{live.Host}:{live.Port}");
        var hangfire = new HangfireStorage(database, new HangfireOptions { SchemaName = "hangfire_multihost" });
        using (var connection = hangfire.GetConnection())
        {
            connection.SetRangeInHash("multi-host", [new("reached", "yes")]);
            connection.GetAllEntriesFromHash("multi-host")!["reached"].ShouldBe("yes");
        }
    }

    [Test]
    public async Task The_errors_of_a_failover_in_progress_are_transient()
    {
        var live = new NpgsqlConnectionStringBuilder(ConnectionString);

        // The old primary gone and the standby not yet reachable: one exception per host.
        var unreachable = await OpenFailsAsync(new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Host = $"127.0.0.1:{ClosedPort()},127.0.0.1:{ClosedPort()}",
            TargetSessionAttributes = "read-write",
        }.ConnectionString);
        ConnectionFaults.IsBroken(unreachable).ShouldBeTrue(unreachable.ToString());

        // Every host up, none writable yet (pg_auto_failover holds a promoted standby read-only until the old primary is demoted).
        var readOnly = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Host = $"{live.Host}:{live.Port},{live.Host}:{live.Port}",
            TargetSessionAttributes = "read-write",
            Options = "-c default_transaction_read_only=on",
        }.ConnectionString;
        var noneWritable = await OpenFailsAsync(readOnly);
        ConnectionFaults.IsBroken(noneWritable).ShouldBeTrue(noneWritable.ToString());
        ConnectionFaults.IsFailingOver(noneWritable).ShouldBeTrue(noneWritable.ToString());

        // A session that got through to it before (or without Target Session Attributes): the write is refused, 25006.
        await using var session = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Options = "-c default_transaction_read_only=on" }.ConnectionString);
        await session.OpenAsync();
        await using var write = new NpgsqlCommand("CREATE TABLE refused (id int)", session);
        var refused = await Should.ThrowAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
        ConnectionFaults.IsBroken(refused).ShouldBeTrue(refused.ToString());
        ConnectionFaults.IsFailingOver(refused).ShouldBeTrue(refused.ToString());

        // Not everything is: a broken statement stays a bug.
        await using var broken = new NpgsqlCommand("SELECT * FROM no_such_table", session);
        ConnectionFaults.IsBroken(await Should.ThrowAsync<PostgresException>(() => broken.ExecuteNonQueryAsync())).ShouldBeFalse();
    }

    [Test]
    public async Task A_host_starting_while_no_host_is_writable_retries_until_one_is()
    {
        var live = new NpgsqlConnectionStringBuilder(ConnectionString);
        await using var waiting = Database(new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Host = $"{live.Host}:{live.Port},{live.Host}:{live.Port}",
            TargetSessionAttributes = "read-write",
            Options = "-c default_transaction_read_only=on",
        }.ConnectionString);

        var first = waiting.EnsureStartedAsync();
        var error = await Should.ThrowAsync<NpgsqlException>(() => first);

        ConnectionFaults.IsBroken(error).ShouldBeTrue(error.ToString());
        waiting.IsReady.ShouldBeFalse();
        // A transient failure is not kept: the next call (DatabaseStartup's retry every 5 s) starts again.
        var second = waiting.EnsureStartedAsync();
        second.ShouldNotBeSameAs(first);
        await Should.ThrowAsync<NpgsqlException>(() => second);
    }

    [Test]
    public async Task A_request_that_meets_a_failover_is_answered_503_with_retry_after_and_a_bug_is_not()
    {
        await using var database = Database("Host=127.0.0.1;Port=1");
        var handler = new DatabaseFaultHandler(database, NullLogger<DatabaseFaultHandler>.Instance);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        (await handler.TryHandleAsync(context, new NpgsqlException("No suitable host was found."), CancellationToken.None)).ShouldBeTrue();

        context.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
        context.Response.ContentType.ShouldBe("application/problem+json");
        context.Response.Body.Position = 0;
        (await new StreamReader(context.Response.Body).ReadToEndAsync()).ShouldContain("failover");
        var bug = new DefaultHttpContext { RequestServices = context.RequestServices };
        (await handler.TryHandleAsync(bug, new InvalidOperationException("a bug"), CancellationToken.None)).ShouldBeFalse();
    }

    private static ProcessesDatabase Database(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Processes"] = connectionString }).Build();
        return new ProcessesDatabase(configuration, Options.Create(new EmbeddedPostgresOptions()), NullLoggerFactory.Instance);
    }

    private static async Task<NpgsqlException> OpenFailsAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await Should.ThrowAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
