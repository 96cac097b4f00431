using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Postgres;

namespace Processes.Tests.Storage;

/// <summary>
/// One throwaway PostgreSQL cluster per test run, started by the host's own launcher on first use, plus a
/// migrated template database every fixture copies. Set PROCESSES_TEST_POSTGRES to a connection string of a
/// server where databases may be created to use that server instead.
/// </summary>
internal static class TestCluster
{
    private const string TemplateName = "processes_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? _embedded;
    private static string? _adminConnectionString;
    private static bool _templateReady;

    /// <summary>A connection string to the server's maintenance database, for CREATE/DROP DATABASE.</summary>
    public static async Task<string> AdminConnectionStringAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_adminConnectionString is not null)
            {
                return _adminConnectionString;
            }
            var external = Environment.GetEnvironmentVariable("PROCESSES_TEST_POSTGRES");
            if (!string.IsNullOrWhiteSpace(external))
            {
                _adminConnectionString = external;
            }
            else
            {
                StaleClusters.Sweep(Path.GetTempPath());
                var root = Path.Combine(Path.GetTempPath(), $"{StaleClusters.FolderPrefix}{Guid.NewGuid():N}");
                StaleClusters.MarkOwner(root);
                _embedded = new EmbeddedPostgres(new EmbeddedPostgresOptions
                {
                    DataDirectory = root,
                    Durable = false,
                    Database = "postgres",
                });
                // A filtered run, a failed run and Ctrl+C all end the process: the cluster goes with it.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();
                Console.CancelKeyPress += (_, _) => StopAsync().GetAwaiter().GetResult();
                await _embedded.StartAsync(CancellationToken.None);
                _adminConnectionString = _embedded.BuildConnectionString("postgres");
            }
            return _adminConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static string ConnectionStringFor(string adminConnectionString, string database) =>
        new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Creates a database with the current schema, copied from a template migrated once per run.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(string name)
    {
        var admin = await AdminConnectionStringAsync();
        await Gate.WaitAsync();
        try
        {
            if (!_templateReady)
            {
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {TemplateName}");
                await ExecuteAsync(admin, $"CREATE DATABASE {TemplateName}");
                var templateConnection = ConnectionStringFor(admin, TemplateName);
                await using (var dataSource = NpgsqlDataSource.Create(templateConnection))
                {
                    await new Migrator(dataSource).MigrateAsync(CancellationToken.None);
                }
                // CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
                NpgsqlConnection.ClearAllPools();
                _templateReady = true;
            }
            await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateName}");
        }
        finally
        {
            Gate.Release();
        }
        return ConnectionStringFor(admin, name);
    }

    public static async Task<string> CreateEmptyDatabaseAsync(string name)
    {
        var admin = await AdminConnectionStringAsync();
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        return ConnectionStringFor(admin, name);
    }

    public static async Task DropDatabaseAsync(string name)
    {
        var admin = await AdminConnectionStringAsync();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    public static async Task StopAsync()
    {
        // Called by the run's last teardown and again at process exit; whichever comes first stops the server.
        if (Interlocked.Exchange(ref _embedded, null) is not { } embedded)
        {
            return;
        }
        await embedded.StopAsync(CancellationToken.None);
        try
        {
            Directory.Delete(embedded.RootDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers in the temp folder are harmless: the next run's sweep removes them.
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

