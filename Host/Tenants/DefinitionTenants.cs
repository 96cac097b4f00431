using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Host.Tenants;

/// <summary>
/// The tenants the shipped models (Definitions/) are deployed to at start-up: the default tenant, or the list
/// <c>Processes:Tenants:DeployDefinitionsTo</c> configures (each business line gets its own copy, versioned apart).
/// A configured tenant that does not exist yet is created, named after its id; a malformed id is logged and skipped.
/// </summary>
internal static partial class DefinitionTenants
{
    public const string ConfigurationKey = "Processes:Tenants:DeployDefinitionsTo";

    public static async Task<IReadOnlyList<string>> ResolveAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var configured = services.GetRequiredService<IConfiguration>().GetSection(ConfigurationKey).Get<string[]>() ?? [];
        if (configured.Length == 0)
        {
            return [TenantIds.Default];
        }
        var valid = new List<string>();
        foreach (var id in configured.Select(t => t.Trim()).Distinct(StringComparer.Ordinal))
        {
            if (TenantIds.IsValid(id))
            {
                valid.Add(id);
            }
            else
            {
                LogMalformed(logger, id, ConfigurationKey);
            }
        }
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var id in valid)
        {
            if (await TenantStore.CreateAsync(transaction, id, id, cancellationToken))
            {
                LogCreated(logger, id, ConfigurationKey);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return valid;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "'{Tenant}' in {Key} is not a tenant id; the definitions are not deployed there.")]
    private static partial void LogMalformed(ILogger logger, string tenant, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the tenant '{Tenant}' named in {Key}.")]
    private static partial void LogCreated(ILogger logger, string tenant, string key);
}
