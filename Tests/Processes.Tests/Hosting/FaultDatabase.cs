using System.Diagnostics;
using System.Net.Sockets;
using Processes.Host.Postgres;

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
            return new Pair(await FailoverPair.StartAsync(line => log.WriteLine(line), cancellationToken));
        }
        var single = new Single(options.Durable);
        await single.Postgres.StartAsync(cancellationToken);
        return single;
    }

    private sealed class Single(bool durable) : FaultDatabase
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), $"processes-fault-{Guid.NewGuid():N}");
        private EmbeddedPostgres? _postgres;

        // A fixed port: the hosts' connection string must still lead to the server after its restart.
        public EmbeddedPostgres Postgres => _postgres ??= new EmbeddedPostgres(new EmbeddedPostgresOptions { DataDirectory = _root, Durable = durable, Port = FreePort() });

        public override string ConnectionString => Postgres.ConnectionString;

        public override string Fault => "one PostgreSQL restart";

        public override async Task<TimeSpan> DisruptAsync(CancellationToken cancellationToken)
        {
            var stopped = Stopwatch.StartNew();
            await Postgres.StopAsync(cancellationToken);
            await Postgres.StartAsync(cancellationToken);
            return stopped.Elapsed;
        }

        public override async ValueTask DisposeAsync()
        {
            await Postgres.StopAsync(CancellationToken.None);
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    private sealed class Pair(FailoverPair pair) : FaultDatabase
    {
        public override string ConnectionString => pair.ConnectionString;

        public override string Fault => "the primary of a pg_auto_failover pair SIGKILLed, its standby promoted";

        public override Task<TimeSpan> DisruptAsync(CancellationToken cancellationToken) => pair.KillPrimaryAsync(cancellationToken);

        public override ValueTask DisposeAsync() => pair.DisposeAsync();
    }
}
