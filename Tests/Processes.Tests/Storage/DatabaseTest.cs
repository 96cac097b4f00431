using Npgsql;

namespace Processes.Tests.Storage;

/// <summary>
/// Base of fixtures that need PostgreSQL: each fixture gets its own freshly migrated database, dropped
/// afterwards, so fixtures never see each other's rows and may run in parallel.
/// </summary>
public abstract class DatabaseTest
{
    private string? _databaseName;
    private NpgsqlDataSource? _dataSource;

    protected NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture's database is not set up.");

    protected string ConnectionString { get; private set; } = "";

    [OneTimeSetUp]
    public async Task CreateFixtureDatabase()
    {
        var name = $"t_{Guid.NewGuid():N}_{GetType().Name.ToLowerInvariant()}";
        _databaseName = name[..Math.Min(name.Length, 63)];
        ConnectionString = await TestCluster.CreateMigratedDatabaseAsync(_databaseName);
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    [OneTimeTearDown]
    public async Task DropFixtureDatabase()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        if (_databaseName is not null)
        {
            await TestCluster.DropDatabaseAsync(_databaseName);
        }
    }
}
