using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// Brings the schema up to date at start-up. Hosts starting together serialise on one advisory lock, so each
/// script runs exactly once; each script and its record commit in one transaction.
/// </summary>
public sealed class Migrator
{
    // Any constant unique to this product; all hosts of one database must agree on it.
    private const long LockKey = 0x50726f6365737365; // "Processe"
    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<MigrationScript> _scripts;
    private readonly ILogger _logger;

    /// <summary>Applies the migrations embedded in the engine.</summary>
    public Migrator(NpgsqlDataSource dataSource, ILogger<Migrator>? logger = null)
        : this(dataSource, MigrationScript.Embedded, logger)
    {
    }

    /// <summary>Applies <paramref name="scripts"/> (tests bring their own).</summary>
    internal Migrator(NpgsqlDataSource dataSource, IReadOnlyList<MigrationScript> scripts, ILogger<Migrator>? logger = null)
    {
        _dataSource = dataSource;
        _scripts = scripts;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The newest version this build knows; ready means the database has it.</summary>
    public int LatestVersion => _scripts.Count == 0 ? 0 : _scripts[^1].Version;

    public async Task<IReadOnlyList<MigrationScript>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // Session-level lock: held across the per-script transactions below, released when the connection closes.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migration (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<(int Version, string Name, string Checksum)>(new CommandDefinition(
                "SELECT version, name, checksum FROM schema_migration", cancellationToken: cancellationToken)))
                .ToDictionary(r => r.Version);

            Verify(applied);
            var pending = _scripts.Where(s => !applied.ContainsKey(s.Version)).ToList();
            foreach (var script in pending)
            {
                await ApplyAsync(connection, script, cancellationToken);
            }
            return pending;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@LockKey)", new { LockKey }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>The highest applied version, or 0 when the schema table does not exist yet.</summary>
    public async Task<int> AppliedVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition("""
            SELECT CASE WHEN to_regclass('schema_migration') IS NULL THEN 0
                        ELSE (SELECT coalesce(max(version), 0) FROM schema_migration) END
            """, cancellationToken: cancellationToken)) ?? 0;
    }

    private void Verify(Dictionary<int, (int Version, string Name, string Checksum)> applied)
    {
        foreach (var script in _scripts)
        {
            if (applied.TryGetValue(script.Version, out var row) && row.Checksum != script.Checksum)
            {
                throw new MigrationException(
                    $"Migration {script.Name} was changed after it was applied to this database " +
                    $"(checksum {row.Checksum[..12]}… recorded on apply, {script.Checksum[..12]}… in this build). " +
                    "Applied migrations must never change: restore the original text and add a new migration for the change.");
            }
        }
        var unknown = applied.Keys.Where(v => _scripts.All(s => s.Version != v)).Order().ToList();
        if (unknown.Count > 0)
        {
            // A newer host already upgraded the schema; scripts only add, so an older host may keep running.
            _logger.LogWarning("The database has migrations this build does not know: {Versions}", string.Join(", ", unknown));
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, MigrationScript script, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Applying migration {Name}", script.Name);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in SqlScript.Split(script.Sql))
        {
            try
            {
                // No command timeout: a script converting a large table (0090 copies the history) takes as long as it takes,
                // and one cut off rolls back to be run again from the start.
                await connection.ExecuteAsync(new CommandDefinition(statement.Text, transaction: transaction, commandTimeout: 0, cancellationToken: cancellationToken));
            }
            catch (PostgresException e)
            {
                var line = LineOf(script.Sql, statement.Offset + Math.Max(0, e.Position - 1));
                throw new MigrationException($"Migration {script.Name} failed at line {line}: {e.MessageText}", e);
            }
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO schema_migration (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
            new { script.Version, script.Name, script.Checksum }, transaction, cancellationToken: cancellationToken));
        // Durability point: the script's objects and its record commit together; a crash before this leaves neither.
        await transaction.CommitAsync(cancellationToken);
    }

    private static int LineOf(string sql, int position) => sql.AsSpan(0, Math.Min(position, sql.Length)).Count('\n') + 1;
}

/// <summary>The schema cannot be brought up to date; start-up stops with this message.</summary>
internal sealed class MigrationException : Exception
{
    public MigrationException(string message) : base(message)
    {
    }

    public MigrationException(string message, Exception inner) : base(message, inner)
    {
    }
}
