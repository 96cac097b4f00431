using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Tests.Hosting;

/// <summary>
/// The fault suite's PostgreSQL and the one database fault it suffers half-way: one embedded server restarted, or a
/// pg_auto_failover pair whose primary is SIGKILLed and whose standby is promoted.
/// </summary>
internal abstract class FaultDatabase : IAsyncDisposable
{
    /// <summary>What the hosts are given (for a pair: both nodes, read-write).</summary>
    public abstract string ConnectionString { get; }

    /// <summary>How the report names the fault.</summary>
    public abstract string Fault { get; }

    /// <summary>Causes the fault and returns once the database takes writes again: how long it did not.</summary>
    public abstract Task<TimeSpan> DisruptAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static async Task<FaultDatabase> StartAsync(FaultOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        if (options.Failover)
        {
            var pair = new Pair(await FailoverPair.StartAsync(line => log.WriteLine(line), cancellationToken));
            await using var dataSource = NpgsqlDataSource.Create(pair.ConnectionString);
            await new Migrator(dataSource).MigrateAsync(cancellationToken);
            return pair;
        }
        return new Single(await ThrowawayPostgres.StartAsync("fault", options.Durable, cancellationToken));
    }

    private sealed class Single(ThrowawayPostgres postgres) : FaultDatabase
    {
        public override string ConnectionString => postgres.ConnectionString;

        public override string Fault => "one PostgreSQL restart";

        public override Task<TimeSpan> DisruptAsync(CancellationToken cancellationToken) => postgres.RestartAsync(TimeSpan.Zero, cancellationToken);

        public override ValueTask DisposeAsync() => postgres.DisposeAsync();
    }

    private sealed class Pair(FailoverPair pair) : FaultDatabase
    {
        public override string ConnectionString => pair.ConnectionString;

        public override string Fault => "the primary of a pg_auto_failover pair SIGKILLed, its standby promoted";

        public override Task<TimeSpan> DisruptAsync(CancellationToken cancellationToken) => pair.KillPrimaryAsync(cancellationToken);

        public override ValueTask DisposeAsync() => pair.DisposeAsync();
    }
}
