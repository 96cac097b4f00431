using System.Text.Json;
using Dapper;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

/// <summary>A group the shipped models route tasks to, from a <c>*.groups.json</c> file in Definitions/.</summary>
internal sealed record ShippedGroup(string Name, string DisplayName);

/// <summary>
/// Creates the groups the shipped models route to when they are missing, so a fresh install can put agents into
/// them (a task offered to a group nobody can join waits forever). Runs at every start of every host: an existing
/// group — renamed by an admin or created by another host a moment ago — is left as it is.
/// </summary>
internal sealed partial class ShippedGroups(NpgsqlDataSource dataSource, IAuditLog audit, ILogger<ShippedGroups> logger)
{
    public async Task SeedAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*.groups.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            IReadOnlyList<ShippedGroup>? groups;
            try
            {
                groups = JsonSerializer.Deserialize<List<ShippedGroup>>(
                    await File.ReadAllTextAsync(file, cancellationToken), new JsonSerializerOptions(JsonSerializerDefaults.Web));
            }
            catch (JsonException e)
            {
                LogRejected(logger, Path.GetFileName(file), e.Message);
                continue;
            }
            foreach (var group in groups ?? [])
            {
                var errors = new Dictionary<string, string[]>();
                UserValidation.Name("name", group.Name, errors);
                UserValidation.DisplayName(group.DisplayName, errors);
                if (errors.Count > 0)
                {
                    LogRejected(logger, Path.GetFileName(file), string.Join("; ", errors.SelectMany(e => e.Value)));
                    continue;
                }
                await CreateIfMissingAsync(group, cancellationToken);
            }
        }
    }

    private async Task CreateIfMissingAsync(ShippedGroup group, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO app_group (name, display_name) VALUES (@Name, @DisplayName)
            ON CONFLICT ((lower(name))) DO NOTHING RETURNING id
            """, new { group.Name, DisplayName = group.DisplayName.Trim() }, transaction, cancellationToken: cancellationToken));
        if (id is not null)
        {
            await audit.RecordAsync(new AuditEntry(AuditEntry.System, "group.created", "group",
                id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), new { group.Name, group.DisplayName, shipped = true }),
                transaction, cancellationToken);
            LogCreated(logger, group.Name);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Created the group {Name} that the shipped models route to")]
    private static partial void LogCreated(ILogger logger, string name);

    [LoggerMessage(LogLevel.Warning, "Skipped the shipped groups file {File}: {Problems}")]
    private static partial void LogRejected(ILogger logger, string file, string problems);
}
