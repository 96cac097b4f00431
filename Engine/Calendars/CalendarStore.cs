using Dapper;
using Npgsql;

namespace Processes.Engine.Calendars;

/// <summary>A calendar as stored: its definition and the version an update must quote.</summary>
public sealed record StoredCalendar(CalendarDefinition Definition, int Version, DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// Builds the calendar. A stored definition was valid when written, but can stop being so when the
    /// operating system's time zone database drops a zone id; hence a result, not an assumption.
    /// </summary>
    internal CalendarBuildResult Build() => BusinessCalendar.Create(Definition);

    /// <summary>
    /// When <paramref name="workingTime"/> of working time from <paramref name="from"/> ends in this calendar — what an SLA
    /// timer would be due at — or the problem that keeps it from being computed (an invalid stored definition, no working
    /// time within the search horizon).
    /// </summary>
    public CalendarProjection Project(DateTimeOffset from, TimeSpan workingTime)
    {
        var built = Build();
        if (built.Calendar is null)
        {
            return new CalendarProjection(null, null, string.Join("; ", built.Problems));
        }
        var due = built.Calendar.AddWorkingTime(from, workingTime);
        return due.IsSuccess
            ? new CalendarProjection(due.Instant, built.Calendar.TimeZone.Id, null)
            : new CalendarProjection(null, built.Calendar.TimeZone.Id, due.Error);
    }
}

/// <summary>The end of a stretch of working time in a calendar, or why there is none.</summary>
public sealed record CalendarProjection(DateTimeOffset? Due, string? TimeZoneId, string? Problem);

public enum CalendarSaveStatus
{
    Saved,

    /// <summary>The quoted version is not the stored one (someone saved in between), or the name is taken on create.</summary>
    Conflict,

    /// <summary>The definition has problems; nothing was written.</summary>
    Invalid,
}

/// <param name="Version">On <see cref="CalendarSaveStatus.Saved"/> the new version; on a conflict the stored one (null: no such calendar).</param>
public sealed record CalendarSaveResult(CalendarSaveStatus Status, int? Version, IReadOnlyList<CalendarProblem> Problems);

public enum CalendarDeleteStatus
{
    Deleted,
    NotFound,
    Conflict,
}

/// <summary>
/// Business calendars in PostgreSQL (<c>business_calendar</c>), plain SQL, one statement per call. Every call names
/// the tenant the calendar belongs to: names are unique per tenant, and a timer counts in its instance's tenant's calendar.
/// </summary>
public sealed class CalendarStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "definition::text AS Definition, version AS Version, updated_at AS UpdatedAt";

    public async Task<StoredCalendar?> GetAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        // A timer's calendar is read inside its command: on the command's connection there.
        await using var lease = await Storage.CommandConnection.OpenAsync(dataSource, cancellationToken);
        var row = await lease.Connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM business_calendar WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, lease.Transaction,
            cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    /// <summary>The same read, synchronously: a step (which runs synchronously) missing its calendar in the cache.</summary>
    internal StoredCalendar? Get(string tenantId, string name)
    {
        using var lease = Storage.CommandConnection.Open(dataSource);
        var row = lease.Connection.QuerySingleOrDefault<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM business_calendar WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, lease.Transaction));
        return row?.ToStored();
    }

    public async Task<IReadOnlyList<StoredCalendar>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM business_calendar WHERE tenant_id = @tenantId ORDER BY name", new { tenantId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>
    /// Creates (<paramref name="expectedVersion"/> null) or updates (the version last read) a calendar. A stale or
    /// missing version, or a create of a taken name, is a <see cref="CalendarSaveStatus.Conflict"/>: the caller
    /// re-reads and decides, so two operators never silently overwrite each other's holidays.
    /// </summary>
    public async Task<CalendarSaveResult> SaveAsync(string tenantId, CalendarDefinition definition, int? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var built = BusinessCalendar.Create(definition);
        if (!built.IsValid)
        {
            return new CalendarSaveResult(CalendarSaveStatus.Invalid, null, built.Problems);
        }
        var parameters = new
        {
            tenantId,
            name = definition.Name,
            timeZone = definition.TimeZone,
            definition = CalendarJson.Serialize(definition),
            expectedVersion,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sql = expectedVersion is null
            ? """
              INSERT INTO business_calendar (tenant_id, name, time_zone, definition) VALUES (@tenantId, @name, @timeZone, @definition::jsonb)
              ON CONFLICT (tenant_id, name) DO NOTHING
              RETURNING version
              """
            : """
              UPDATE business_calendar
                 SET time_zone = @timeZone, definition = @definition::jsonb, version = version + 1, updated_at = now()
               WHERE tenant_id = @tenantId AND name = @name AND version = @expectedVersion
              RETURNING version
              """;
        var saved = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        if (saved is { } version)
        {
            return new CalendarSaveResult(CalendarSaveStatus.Saved, version, []);
        }
        var current = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT version FROM business_calendar WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name = definition.Name },
            cancellationToken: cancellationToken));
        return new CalendarSaveResult(CalendarSaveStatus.Conflict, current, []);
    }

    /// <summary>Deletes a calendar; with <paramref name="expectedVersion"/> only if nobody changed it since.</summary>
    public async Task<CalendarDeleteStatus> DeleteAsync(string tenantId, string name, int? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM business_calendar WHERE tenant_id = @tenantId AND name = @name AND (@expectedVersion::integer IS NULL OR version = @expectedVersion)",
            new { tenantId, name, expectedVersion }, cancellationToken: cancellationToken));
        if (deleted > 0)
        {
            return CalendarDeleteStatus.Deleted;
        }
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM business_calendar WHERE tenant_id = @tenantId AND name = @name)", new { tenantId, name }, cancellationToken: cancellationToken));
        return exists ? CalendarDeleteStatus.Conflict : CalendarDeleteStatus.NotFound;
    }

    private sealed record Row(string Definition, int Version, DateTime UpdatedAt)
    {
        public StoredCalendar ToStored()
        {
            var read = CalendarJson.Read(Definition);
            // Only validated definitions are written, so unreadable JSON here is a bug or a hand edit, not user input.
            var definition = read.Definition ?? throw new InvalidOperationException(
                $"Stored calendar JSON is unreadable: {string.Join("; ", read.Problems)}");
            return new StoredCalendar(definition, Version, new DateTimeOffset(DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc)));
        }
    }
}
