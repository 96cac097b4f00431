using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Postgres;

namespace Processes.Benchmarks;

/// <summary>
/// A throwaway, durable cluster (fsync on, as in production) started by the host's own launcher, with the
/// engine's schema applied. Suites measure the engine and the plain-SQL baselines against the same server.
/// </summary>
internal sealed class BenchmarkDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres _postgres;

    private BenchmarkDatabase(EmbeddedPostgres postgres, NpgsqlDataSource dataSource)
    {
        _postgres = postgres;
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString => _postgres.ConnectionString;

    public static async Task<BenchmarkDatabase> StartAsync(CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"processes-bench-{Guid.NewGuid():N}");
        var postgres = new EmbeddedPostgres(new EmbeddedPostgresOptions { DataDirectory = root, Durable = true });
        await postgres.StartAsync(cancellationToken);
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { MaxPoolSize = 50 }.ConnectionString);
        await new Migrator(dataSource).MigrateAsync(cancellationToken);
        return new BenchmarkDatabase(postgres, dataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _postgres.StopAsync(CancellationToken.None);
        try
        {
            Directory.Delete(_postgres.RootDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
