using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Postgres;

namespace Processes.Tests.Hosting;

/// <summary>
/// A PostgreSQL server of one test or suite's own, migrated, that may be stopped and started again: on a fixed port,
/// so the hosts' connection string still leads to it after the restart. Not the test run's shared cluster, whose
/// restart would break every fixture running beside.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly EmbeddedPostgres _server;
    private readonly string _root;

    private ThrowawayPostgres(EmbeddedPostgres server, string root)
    {
        _server = server;
        _root = root;
    }

    public string ConnectionString => _server.ConnectionString;

    public static async Task<ThrowawayPostgres> StartAsync(string name, bool durable, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"processes-{name}-{Guid.NewGuid():N}");
        var server = new EmbeddedPostgres(new EmbeddedPostgresOptions { DataDirectory = root, Durable = durable, Port = FreePort() });
        var postgres = new ThrowawayPostgres(server, root);
        try
        {
            await server.StartAsync(cancellationToken);
            await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString);
            await new Migrator(dataSource).MigrateAsync(cancellationToken);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (fast: open sessions are cut), keeps it down at least <paramref name="down"/>, starts it again; returns how long it was down.</summary>
    public async Task<TimeSpan> RestartAsync(TimeSpan down, CancellationToken cancellationToken)
    {
        var stopped = Stopwatch.StartNew();
        await _server.StopAsync(cancellationToken);
        if (down > stopped.Elapsed)
        {
            await Task.Delay(down - stopped.Elapsed, cancellationToken);
        }
        await _server.StartAsync(cancellationToken);
        return stopped.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None);
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
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
