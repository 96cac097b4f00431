using Dapper;
using Npgsql;
using Processes.Engine.Storage;

namespace Processes.Tests.Storage;

public sealed class MigratorTests
{
    private readonly List<string> _databases = [];

    [TearDown]
    public async Task DropDatabases()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in _databases)
        {
            await TestCluster.DropDatabaseAsync(database);
        }
        _databases.Clear();
    }

    [Test]
    public async Task Hosts_migrating_together_apply_each_script_exactly_once()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        MigrationScript[] scripts =
        [
            MigrationScript.FromFileName("0001_first.sql", "CREATE TABLE first_table (id int PRIMARY KEY);"),
            MigrationScript.FromFileName("0002_second.sql", "CREATE TABLE second_table (id int PRIMARY KEY); INSERT INTO first_table VALUES (1);"),
        ];

        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new Migrator(dataSource, scripts).MigrateAsync(CancellationToken.None))));

        applied.Sum(a => a.Count).ShouldBe(2, "four hosts, two scripts: each applied by exactly one host");
        await using var connection = await dataSource.OpenConnectionAsync();
        (await connection.QueryAsync<string>("SELECT name FROM schema_migration ORDER BY version")).ShouldBe(["0001_first.sql", "0002_second.sql"]);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM first_table")).ShouldBe(1);
    }

    [Test]
    public async Task A_later_start_applies_only_the_new_scripts()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var first = MigrationScript.FromFileName("0001_first.sql", "CREATE TABLE first_table (id int);");
        await new Migrator(dataSource, [first]).MigrateAsync(CancellationToken.None);

        var applied = await new Migrator(dataSource, [first, MigrationScript.FromFileName("0002_more.sql", "ALTER TABLE first_table ADD note text;")])
            .MigrateAsync(CancellationToken.None);

        applied.Select(s => s.Name).ShouldBe(["0002_more.sql"]);
        (await new Migrator(dataSource, []).AppliedVersionAsync(CancellationToken.None)).ShouldBe(2);
    }

    [Test]
    public async Task A_script_changed_after_it_was_applied_stops_start_up_naming_it()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        await new Migrator(dataSource, [MigrationScript.FromFileName("0001_first.sql", "CREATE TABLE first_table (id int);")])
            .MigrateAsync(CancellationToken.None);

        var changed = new Migrator(dataSource, [MigrationScript.FromFileName("0001_first.sql", "CREATE TABLE first_table (id bigint);")]);
        var error = await Should.ThrowAsync<MigrationException>(() => changed.MigrateAsync(CancellationToken.None));

        error.Message.ShouldContain("0001_first.sql");
        error.Message.ShouldContain("was changed after it was applied");
    }

    [Test]
    public async Task Line_endings_are_not_a_change()
    {
        MigrationScript.FromFileName("0001_a.sql", "SELECT 1;\r\nSELECT 2;\r\n").Checksum
            .ShouldBe(MigrationScript.FromFileName("0001_a.sql", "SELECT 1;\nSELECT 2;\n").Checksum);
        await Task.CompletedTask;
    }

    [Test]
    public async Task A_failing_script_names_its_line_and_leaves_nothing_behind()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var broken = MigrationScript.FromFileName("0001_broken.sql", "CREATE TABLE ok_table (id int);\n\nCREATE TABLE broken (id nosuchtype);");

        var error = await Should.ThrowAsync<MigrationException>(() => new Migrator(dataSource, [broken]).MigrateAsync(CancellationToken.None));

        error.Message.ShouldContain("0001_broken.sql");
        error.Message.ShouldContain("line 3");
        await using var connection = await dataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<string?>("SELECT to_regclass('ok_table')::text")).ShouldBeNull();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migration")).ShouldBe(0);
    }

    [Test]
    public void The_engine_ships_its_scripts_in_version_order()
    {
        var scripts = MigrationScript.Embedded;
        scripts.ShouldNotBeEmpty();
        scripts.Select(s => s.Version).ShouldBe(scripts.Select(s => s.Version).Order());
        scripts[0].Name.ShouldBe("0001_foundation.sql");
    }

    [Test]
    public void A_badly_named_script_is_refused()
    {
        Should.Throw<InvalidOperationException>(() => MigrationScript.FromFileName("first.sql", "SELECT 1"))
            .Message.ShouldContain("NNNN_description.sql");
    }

    private async Task<NpgsqlDataSource> EmptyDatabaseAsync()
    {
        var name = $"m_{Guid.NewGuid():N}";
        _databases.Add(name);
        return NpgsqlDataSource.Create(await TestCluster.CreateEmptyDatabaseAsync(name));
    }
}
