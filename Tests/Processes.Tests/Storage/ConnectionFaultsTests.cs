using System.Net.Sockets;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Postgres;

namespace Processes.Tests.Storage;

/// <summary>
/// The one "database is away" predicate (<see cref="ConnectionFaults"/>), used by the engine's loops and the host's
/// requests and services alike: a restart, an unreachable server and a failover in progress are away (the pool is
/// cleared, the work retried); a busy pool is retried without clearing; a bug or a refused statement is neither.
/// The failover cases against real servers are in <see cref="MultiHostConnectionTests"/>.
/// </summary>
public sealed class ConnectionFaultsTests : DatabaseTest
{
    [Test]
    public void A_restart_an_unreachable_server_and_a_failover_are_away()
    {
        ConnectionFaults.IsBroken(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")).ShouldBeTrue();
        ConnectionFaults.IsBroken(new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03")).ShouldBeTrue();
        ConnectionFaults.IsBroken(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))).ShouldBeTrue();
        ConnectionFaults.IsBroken(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())).ShouldBeTrue();
        ConnectionFaults.IsBroken(new TimeoutException("connect")).ShouldBeTrue();
        // One refused connection per host of a multi-host string: away only when every host is.
        ConnectionFaults.IsBroken(new NpgsqlException("Unable to connect", new AggregateException(
            new NpgsqlException("a", new SocketException((int)SocketError.ConnectionRefused)),
            new NpgsqlException("b", new SocketException((int)SocketError.ConnectionRefused))))).ShouldBeTrue();

        // The failover's own errors, which only the host's predicate knew before: the engine's loops now clear on them too.
        var noSuitableHost = new NpgsqlException("No suitable host was found.");
        var readOnly = new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", PostgresErrorCodes.ReadOnlySqlTransaction);
        ConnectionFaults.IsBroken(noSuitableHost).ShouldBeTrue();
        ConnectionFaults.IsBroken(readOnly).ShouldBeTrue();
        ConnectionFaults.IsFailingOver(noSuitableHost).ShouldBeTrue();
        ConnectionFaults.IsFailingOver(readOnly).ShouldBeTrue();
        ConnectionFaults.IsFailingOver(new InvalidOperationException("wrapped", readOnly)).ShouldBeTrue();
        ConnectionFaults.IsFailingOver(new PostgresException("terminating connection", "FATAL", "FATAL", "57P01")).ShouldBeFalse("a restart is not a failover");
    }

    [Test]
    public void A_bug_or_a_refused_statement_is_not_away()
    {
        ConnectionFaults.IsBroken(null).ShouldBeFalse();
        ConnectionFaults.IsBroken(new PostgresException("relation does not exist", "ERROR", "ERROR", PostgresErrorCodes.UndefinedTable)).ShouldBeFalse();
        ConnectionFaults.IsBroken(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)).ShouldBeFalse();
        ConnectionFaults.IsBroken(new NpgsqlException("Unable to connect", new AggregateException(
            new NpgsqlException("a", new SocketException((int)SocketError.ConnectionRefused)),
            new PostgresException("password authentication failed", "FATAL", "FATAL", PostgresErrorCodes.InvalidPassword)))).ShouldBeFalse(
            "a host that refuses the password is a setup error, not a failover");
        ConnectionFaults.IsBroken(new InvalidOperationException("a bug")).ShouldBeFalse();
        ConnectionFaults.IsFailingOver(new NpgsqlException("Some other error")).ShouldBeFalse();
    }

    [Test]
    public async Task A_terminated_session_is_away_and_clears_the_pool()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var victim = await dataSource.OpenConnectionAsync();
        await using (var admin = await DataSource.OpenConnectionAsync())
        await using (var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend({victim.ProcessID})", admin))
        {
            await terminate.ExecuteScalarAsync();
        }
        await using var query = new NpgsqlCommand("SELECT 1", victim);
        var error = await Should.ThrowAsync<Exception>(() => query.ExecuteScalarAsync());

        ConnectionFaults.IsBroken(error).ShouldBeTrue(error.ToString());
        ConnectionFaults.IsPoolExhausted(error).ShouldBeFalse();
        ConnectionFaults.ClearPoolIfBroken(dataSource, error).ShouldBeTrue();
    }

    [Test]
    public async Task A_busy_pool_is_retried_but_not_cleared()
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString);
        await using var holder = await dataSource.OpenConnectionAsync();

        var error = await Should.ThrowAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());

        ConnectionFaults.IsPoolExhausted(error).ShouldBeTrue(error.ToString());
        ConnectionFaults.ClearPoolIfBroken(dataSource, error).ShouldBeFalse("clearing would only close and reopen the busy connections");
        await using var stillHeld = new NpgsqlCommand("SELECT 1", holder);
        (await stillHeld.ExecuteScalarAsync()).ShouldBe(1);
    }

    [Test]
    public void The_host_bounds_its_pools_unless_the_string_sets_them()
    {
        var bounded = new NpgsqlConnectionStringBuilder(PoolBounds.Apply("Host=a,b;Database=p;Target Session Attributes=read-write", PoolBounds.EnginePoolSize));
        bounded.MaxPoolSize.ShouldBe(PoolBounds.EnginePoolSize);
        bounded.ConnectionIdleLifetime.ShouldBe(PoolBounds.IdleLifetimeSeconds);
        bounded.Host.ShouldBe("a,b");

        var own = new NpgsqlConnectionStringBuilder(PoolBounds.Apply("Host=a;Maximum Pool Size=7;Connection Idle Lifetime=5", PoolBounds.HangfirePoolSize));
        own.MaxPoolSize.ShouldBe(7);
        own.ConnectionIdleLifetime.ShouldBe(5);
    }
}
