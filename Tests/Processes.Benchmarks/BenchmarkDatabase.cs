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

    /// <summary>The server's data directory (its postmaster.pid names the process whose CPU the profile reads).</summary>
    public string DataDirectory => _postgres.DataDirectory;

    /// <param name="statements">Restarts the server with pg_stat_statements (planning time tracked) for the profile suite.</param>
    /// <param name="migrateUpTo">Applies the migrations up to this version only (a suite that measures a migration applies the rest).</param>
    public static async Task<BenchmarkDatabase> StartAsync(CancellationToken cancellationToken, bool statements = false, int migrateUpTo = int.MaxValue)
    {
        var root = Path.Combine(Path.GetTempPath(), $"processes-bench-{Guid.NewGuid():N}");
        var postgres = new EmbeddedPostgres(new EmbeddedPostgresOptions { DataDirectory = root, Durable = true });
        await postgres.StartAsync(cancellationToken);
        if (statements)
        {
            // Appended to the server's own file: ALTER SYSTEM refuses the extension's settings before it is loaded.
            await File.AppendAllTextAsync(Path.Combine(postgres.DataDirectory, "postgresql.conf"),
                "\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n"
                // PROCESSES_BENCH_PG_CONF: server settings to try under the profile (e.g. "plan_cache_mode = force_generic_plan").
                + (Environment.GetEnvironmentVariable("PROCESSES_BENCH_PG_CONF") is { Length: > 0 } extra ? extra + "\n" : ""), cancellationToken);
            await postgres.StopAsync(cancellationToken);
            await postgres.StartAsync(cancellationToken);
            await using var extension = NpgsqlDataSource.Create(postgres.ConnectionString);
            await using var create = extension.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { MaxPoolSize = 50, MaxAutoPrepare = ProcessesDatabase.AutoPreparedStatements }.ConnectionString);
        await new Migrator(dataSource, [.. MigrationScript.Embedded.Where(s => s.Version <= migrateUpTo)]).MigrateAsync(cancellationToken);
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
