using System.Text.Json;
using Dapper;
using Npgsql;

namespace Processes.Activities.Catalogues;

/// <summary>One choice of a catalogue: the stored <see cref="Value"/>, what people read, and the parent value it belongs to.</summary>
public sealed record CatalogueEntry(string Value, string Label, string? Parent = null);

/// <summary>
/// A version of a managed catalogue: reference data (the demand's appeals, the problem taxonomy…) that forms offer and the
/// API accepts. <see cref="Parent"/> names the catalogue whose values the entries' <see cref="CatalogueEntry.Parent"/> are.
/// </summary>
public sealed record Catalogue(string Name, string Title, string? Parent, IReadOnlyList<CatalogueEntry> Entries)
{
    public string TenantId { get; init; } = Processes.Engine.Visibility.TenantIds.Default;

    public int Version { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>The entries a form offers under <paramref name="parentValue"/> (all of them without a parent catalogue).</summary>
    public IEnumerable<CatalogueEntry> Under(string? parentValue) =>
        Parent is null ? Entries : Entries.Where(e => string.Equals(e.Parent, parentValue, StringComparison.Ordinal));
}

/// <summary>How a save went: the new version, or a conflict (someone saved in between).</summary>
public sealed record CatalogueSaved(Catalogue? Saved, bool Conflict);

/// <summary>Catalogues in <c>catalogue_version</c>, a table of the activities: one row per version, per name and tenant.</summary>
public sealed class CatalogueStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// Saves <paramref name="catalogue"/> as the next version. With <paramref name="expectedVersion"/> (the version the
    /// editor read; 0 for a new catalogue) a concurrent save is a conflict rather than silently overwritten.
    /// </summary>
    public async Task<CatalogueSaved> SaveAsync(Catalogue catalogue, string createdBy, int? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var current = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT max(version) FROM catalogue_version WHERE tenant_id = @TenantId AND name = @Name", new { catalogue.TenantId, catalogue.Name },
            cancellationToken: cancellationToken)) ?? 0;
        if (expectedVersion is { } expected && expected != current)
        {
            return new CatalogueSaved(null, Conflict: true);
        }
        // Durability point: the new version is what the next form offers and the next check accepts. Two saves racing on
        // the same next version meet at the primary key; the loser is told to read again.
        var row = await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition("""
            INSERT INTO catalogue_version (tenant_id, name, version, title, parent, entries, created_by)
            VALUES (@TenantId, @Name, @Version, @Title, @Parent, @Entries::jsonb, @createdBy)
            ON CONFLICT (tenant_id, name, version) DO NOTHING
            RETURNING created_at
            """, new { catalogue.TenantId, catalogue.Name, Version = current + 1, catalogue.Title, catalogue.Parent,
                Entries = JsonSerializer.Serialize(catalogue.Entries, Json), createdBy }, cancellationToken: cancellationToken));
        return row is { } at
            ? new CatalogueSaved(catalogue with { Version = current + 1, CreatedBy = createdBy, CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) }, false)
            : new CatalogueSaved(null, Conflict: true);
    }

    /// <summary>The latest version of every catalogue of <paramref name="tenantId"/>, by name.</summary>
    public async Task<IReadOnlyList<Catalogue>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        // Read inside a completion's or a start's command (the engine's form check): on the command's connection there.
        await using var lease = await Processes.Engine.Storage.CommandConnection.OpenAsync(dataSource, cancellationToken);
        var rows = await lease.Connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT DISTINCT ON (name) {Columns} FROM catalogue_version WHERE tenant_id = @tenantId ORDER BY name, version DESC
            """, new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToCatalogue(tenantId))];
    }

    /// <summary>The latest version of several catalogues at once (what one form needs), by name; missing ones are left out.</summary>
    public async Task<IReadOnlyDictionary<string, Catalogue>> LatestAsync(string tenantId, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return new Dictionary<string, Catalogue>();
        }
        // Read inside a completion's or a start's command (the engine's form check): on the command's connection there.
        await using var lease = await Processes.Engine.Storage.CommandConnection.OpenAsync(dataSource, cancellationToken);
        var rows = await lease.Connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT DISTINCT ON (name) {Columns} FROM catalogue_version WHERE tenant_id = @tenantId AND name = ANY(@names) ORDER BY name, version DESC
            """, new { tenantId, names = names.ToArray() }, lease.Transaction, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToCatalogue(tenantId)).ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>One version (null: the latest) of a catalogue; null when there is none.</summary>
    public async Task<Catalogue?> FindAsync(string tenantId, string name, int? version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM catalogue_version WHERE tenant_id = @tenantId AND name = @name AND (@version::int IS NULL OR version = @version)
            ORDER BY version DESC LIMIT 1
            """, new { tenantId, name, version }, cancellationToken: cancellationToken));
        return row?.ToCatalogue(tenantId);
    }

    /// <summary>Every version of a catalogue, newest first: the history (who, when, what) the admin page shows.</summary>
    public async Task<IReadOnlyList<Catalogue>> HistoryAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM catalogue_version WHERE tenant_id = @tenantId AND name = @name ORDER BY version DESC
            """, new { tenantId, name }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToCatalogue(tenantId))];
    }

    private const string Columns = "name AS Name, version AS Version, title AS Title, parent AS Parent, entries::text AS Entries, created_by AS CreatedBy, created_at AS CreatedAt";

    private sealed record Row(string Name, int Version, string Title, string? Parent, string Entries, string CreatedBy, DateTime CreatedAt)
    {
        public Catalogue ToCatalogue(string tenantId) =>
            new(Name, Title, Parent, JsonSerializer.Deserialize<List<CatalogueEntry>>(Entries, Json) ?? [])
            {
                TenantId = tenantId,
                Version = Version,
                CreatedBy = CreatedBy,
                CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc)),
            };
    }
}
