using Npgsql;
using Processes.Host.Postgres;

namespace Processes.Tests.Storage;

/// <summary>The launcher the host uses when no connection string is configured, each case on its own cluster.</summary>
[Parallelizable(ParallelScope.None)]
public sealed class EmbeddedPostgresTests
{
    private readonly List<string> _directories = [];

    [TearDown]
    public void RemoveDirectories()
    {
        foreach (var directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        _directories.Clear();
    }

    [Test]
    public async Task First_start_creates_a_cluster_and_a_second_start_reuses_its_data()
    {
        var options = NewOptions();
        await using (var first = new EmbeddedPostgres(options))
        {
            await first.StartAsync(CancellationToken.None);
            File.Exists(Path.Combine(first.DataDirectory, "PG_VERSION")).ShouldBeTrue();
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives a restart')");
            await first.StopAsync(CancellationToken.None);
            File.Exists(Path.Combine(first.DataDirectory, "postmaster.pid")).ShouldBeFalse("stop must shut the server down");
        }

        await using var second = new EmbeddedPostgres(options);
        await second.StartAsync(CancellationToken.None);
        second.AdoptedOrphan.ShouldBeFalse();
        (await ScalarAsync(second.ConnectionString, "SELECT note FROM kept")).ShouldBe("survives a restart");
    }

    [Test]
    public async Task The_tcp_form_authenticates_with_the_generated_password()
    {
        await using var postgres = new EmbeddedPostgres(NewOptions());
        await postgres.StartAsync(CancellationToken.None);
        (await ScalarAsync(postgres.BuildTcpConnectionString("processes"), "SELECT current_database()")).ShouldBe("processes");
        var wrong = new NpgsqlConnectionStringBuilder(postgres.BuildTcpConnectionString("processes")) { Password = "guess" }.ConnectionString;
        await Should.ThrowAsync<PostgresException>(() => ScalarAsync(wrong, "SELECT 1"));
    }

    [Test]
    public async Task A_stale_pid_file_from_a_killed_server_does_not_block_the_start()
    {
        var options = NewOptions();
        string dataDirectory;
        await using (var first = new EmbeddedPostgres(options))
        {
            await first.StartAsync(CancellationToken.None);
            dataDirectory = first.DataDirectory;
        }
        // What a machine crash leaves: a pid file naming a process that no longer exists.
        var deadPid = 4_000_000;
        await File.WriteAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"),
            [deadPid.ToString(System.Globalization.CultureInfo.InvariantCulture), dataDirectory, "1700000000", "5999", dataDirectory, "127.0.0.1", "  1234  5678", "ready"]);

        await using var second = new EmbeddedPostgres(options);
        await second.StartAsync(CancellationToken.None);
        second.AdoptedOrphan.ShouldBeFalse();
        (await ScalarAsync(second.ConnectionString, "SELECT 1")).ShouldBe(1);
    }

    [Test]
    public async Task A_server_orphaned_by_a_killed_host_is_taken_over_and_stopped_with_the_new_host()
    {
        var options = NewOptions();
        var orphaning = new EmbeddedPostgres(options);
        await orphaning.StartAsync(CancellationToken.None);
        await ExecuteAsync(orphaning.ConnectionString, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
        NpgsqlConnection.ClearAllPools();
        // The host dies here without stopping its server: the kernel drops its lock, nothing else of it is used.
        orphaning.ReleaseLease();

        var next = new EmbeddedPostgres(options);
        await next.StartAsync(CancellationToken.None);
        next.AdoptedOrphan.ShouldBeTrue();
        next.Port.ShouldBe(orphaning.Port);
        (await ScalarAsync(next.ConnectionString, "SELECT n FROM kept")).ShouldBe(42);

        await next.StopAsync(CancellationToken.None);
        File.Exists(Path.Combine(next.DataDirectory, "postmaster.pid")).ShouldBeFalse();
    }

    [Test]
    public async Task A_second_live_host_on_the_same_directory_is_refused_naming_the_first_and_the_settings()
    {
        var options = NewOptions();
        await using var first = new EmbeddedPostgres(options);
        await first.StartAsync(CancellationToken.None);
        await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)");

        var second = new EmbeddedPostgres(options);
        var error = await Should.ThrowAsync<EmbeddedPostgresException>(() => second.StartAsync(CancellationToken.None));

        error.Message.ShouldContain($"process id {Environment.ProcessId}");
        error.Message.ShouldContain("Postgres:DataDirectory");
        error.Message.ShouldContain("ConnectionStrings:Processes");
        await second.StopAsync(CancellationToken.None);
        // The refused host left the first one's server alone.
        (await ScalarAsync(first.ConnectionString, "SELECT n FROM kept")).ShouldBe(7);

        await first.StopAsync(CancellationToken.None);
        await using var third = new EmbeddedPostgres(options);
        await third.StartAsync(CancellationToken.None);
        (await ScalarAsync(third.ConnectionString, "SELECT n FROM kept")).ShouldBe(7);
    }

    [Test]
    public async Task Missing_binaries_give_one_message_saying_what_to_install_or_configure()
    {
        var options = NewOptions();
        options.SearchDirectoriesOverride = [NewDirectory()];
        var postgres = new EmbeddedPostgres(options);

        var error = await Should.ThrowAsync<EmbeddedPostgresException>(() => postgres.StartAsync(CancellationToken.None));

        error.Message.ShouldContain("apt-get install postgresql");
        error.Message.ShouldContain("Postgres:BinDirectory");
        error.Message.ShouldContain("ConnectionStrings__Processes");
    }

    [Test]
    public async Task A_data_directory_that_is_not_a_cluster_is_left_alone_with_a_clear_error()
    {
        var options = NewOptions();
        var data = Path.Combine(options.DataDirectory!, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "someone-elses-file.txt"), "keep me");
        var postgres = new EmbeddedPostgres(options);

        var error = await Should.ThrowAsync<EmbeddedPostgresException>(() => postgres.StartAsync(CancellationToken.None));

        error.Message.ShouldContain("holds no PostgreSQL cluster");
        File.Exists(Path.Combine(data, "someone-elses-file.txt")).ShouldBeTrue();
    }

    private EmbeddedPostgresOptions NewOptions() => new() { DataDirectory = NewDirectory(), Durable = false };

    private string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"processes-launcher-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        _directories.Add(directory);
        return directory;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
