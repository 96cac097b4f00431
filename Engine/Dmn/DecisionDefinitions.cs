using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using Processes.Engine.Bpmn.Reading;

namespace Processes.Engine.Dmn;

/// <summary>A stored decision version.</summary>
internal sealed record DecisionDefinitionInfo(
    long DecisionDefinitionKey,
    string DecisionId,
    string? Name,
    int Version,
    long DecisionRequirementsKey,
    string DecisionRequirementsId,
    string ResourceName,
    long DeploymentKey,
    string TenantId);

/// <summary>A decision's DMN file as deployed, and the name it was deployed under.</summary>
#pragma warning disable CA1819 // Dapper's row type: the bytea column.
public sealed record DecisionDefinitionXml(string ResourceName, byte[] Content);
#pragma warning restore CA1819

/// <summary>A deployed DMN file read back: its model and the stored version of each of its decisions.</summary>
internal sealed record DeployedDecisionGraph(DecisionRequirements Model, IReadOnlyDictionary<string, DecisionDefinitionInfo> Decisions);

/// <summary>
/// Queries over deployed decisions, and the executable model of each DRG version: a deployed file never changes,
/// so it is read once per decision requirements key and shared by every evaluation.
/// </summary>
public sealed class DecisionDefinitions
{
    private readonly NpgsqlDataSource _dataSource;

    private const string Columns = """
        d.decision_definition_key AS DecisionDefinitionKey, d.decision_id AS DecisionId, d.name AS Name, d.version AS Version,
        d.decision_requirements_key AS DecisionRequirementsKey, d.decision_requirements_id AS DecisionRequirementsId,
        d.resource_name AS ResourceName, d.deployment_key AS DeploymentKey, d.tenant_id AS TenantId
        """;

    private readonly ConcurrentDictionary<long, DeployedDecisionGraph> _graphs = new();
    private readonly ConcurrentDictionary<long, DecisionRequirements> _models = new();
    private readonly BpmnReadOptions _readOptions;

    /// <summary>Built by <see cref="EngineParts"/> (tests: directly).</summary>
    internal DecisionDefinitions(NpgsqlDataSource dataSource, BpmnReadOptions? readOptions = null)
    {
        _dataSource = dataSource;
        _readOptions = readOptions ?? BpmnReadOptions.Default;
    }

    /// <summary>Drops a deleted decision requirements graph's model and decisions (resource deletion).</summary>
    internal void Forget(long decisionRequirementsKey)
    {
        _graphs.TryRemove(decisionRequirementsKey, out _);
        _models.TryRemove(decisionRequirementsKey, out _);
    }

    /// <summary>Drops every cached model: they are read again on their next use.</summary>
    internal void ForgetAll()
    {
        _graphs.Clear();
        _models.Clear();
    }

    /// <summary>Whether this host holds the graph's model in memory (tests of the cross-host forgetting).</summary>
    internal bool Holds(long decisionRequirementsKey) => _graphs.ContainsKey(decisionRequirementsKey) || _models.ContainsKey(decisionRequirementsKey);

    /// <summary>The latest version of a decision id in a tenant (the default one when not given), or null when it was never deployed there.</summary>
    internal async Task<DecisionDefinitionInfo?> FindLatestAsync(string decisionId, CancellationToken cancellationToken, string tenantId = Visibility.TenantIds.Default)
    {
        await using var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken);
        var connection = lease.Connection;
        return await connection.QuerySingleOrDefaultAsync<DecisionDefinitionInfo>(new CommandDefinition($"""
            SELECT {Columns} FROM decision_definition d WHERE d.tenant_id = @tenantId AND d.decision_id = @decisionId AND d.deleted_at IS NULL ORDER BY d.version DESC LIMIT 1
            """, new { tenantId, decisionId }, cancellationToken: cancellationToken));
    }

    /// <summary>A live decision by key (a deleted one is not found: it evaluates no more).</summary>
    internal async Task<DecisionDefinitionInfo?> FindAsync(long decisionDefinitionKey, CancellationToken cancellationToken)
    {
        await using var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken);
        var connection = lease.Connection;
        return await connection.QuerySingleOrDefaultAsync<DecisionDefinitionInfo>(new CommandDefinition($"""
            SELECT {Columns} FROM decision_definition d WHERE d.decision_definition_key = @decisionDefinitionKey AND d.deleted_at IS NULL
            """, new { decisionDefinitionKey }, cancellationToken: cancellationToken));
    }

    /// <summary>The DMN file a decision was deployed from, verbatim, with its resource name; null when the key is unknown.</summary>
    public async Task<DecisionDefinitionXml?> FindXmlAsync(long decisionDefinitionKey, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DecisionDefinitionXml>(new CommandDefinition("""
            SELECT r.resource_name AS ResourceName, r.content AS Content FROM decision_definition d
            JOIN deployment_resource r ON r.deployment_key = d.deployment_key AND r.resource_name = d.resource_name
            WHERE d.decision_definition_key = @decisionDefinitionKey
            """, new { decisionDefinitionKey }, cancellationToken: cancellationToken));
    }

    /// <summary>The DMN file a decision requirements graph was deployed in, or null when there is no such graph.</summary>
    public async Task<DecisionDefinitionXml?> FindRequirementsXmlAsync(long decisionRequirementsKey, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DecisionDefinitionXml>(new CommandDefinition("""
            SELECT r.resource_name AS ResourceName, r.content AS Content FROM decision_requirements q
            JOIN deployment_resource r ON r.deployment_key = q.deployment_key AND r.resource_name = q.resource_name
            WHERE q.decision_requirements_key = @decisionRequirementsKey
            """, new { decisionRequirementsKey }, cancellationToken: cancellationToken));
    }

    /// <summary>The model of the DRG version a decision belongs to, read once per key.</summary>
    internal async Task<DeployedDecisionGraph> GetGraphAsync(DecisionDefinitionInfo decision, CancellationToken cancellationToken)
    {
        if (_graphs.TryGetValue(decision.DecisionRequirementsKey, out var cached))
        {
            return cached;
        }
        var model = await GetModelAsync(decision.DecisionRequirementsKey, cancellationToken);
        await using var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken);
        var connection = lease.Connection;
        var versions = await connection.QueryAsync<DecisionDefinitionInfo>(new CommandDefinition($"""
            SELECT {Columns} FROM decision_definition d WHERE d.decision_requirements_key = @DecisionRequirementsKey
            """, new { decision.DecisionRequirementsKey }, cancellationToken: cancellationToken));
        var graph = new DeployedDecisionGraph(model, versions.ToDictionary(v => v.DecisionId, StringComparer.Ordinal));
        return _graphs.GetOrAdd(decision.DecisionRequirementsKey, graph);
    }

    /// <summary>
    /// A deployed DMN file's model, with the models its imports were resolved to at deployment (read the same way,
    /// first), once per key. Imports only name models deployed before, so the recursion ends.
    /// </summary>
    internal async Task<DecisionRequirements> GetModelAsync(long decisionRequirementsKey, CancellationToken cancellationToken)
    {
        if (_models.TryGetValue(decisionRequirementsKey, out var cached))
        {
            return cached;
        }
        StoredRequirements stored;
        await using (var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken))
        {
            stored = await lease.Connection.QuerySingleAsync<StoredRequirements>(new CommandDefinition("""
                SELECT r.content AS Content, q.imported_keys AS ImportedKeys FROM decision_requirements q
                JOIN deployment_resource r ON r.deployment_key = q.deployment_key AND r.resource_name = q.resource_name
                WHERE q.decision_requirements_key = @decisionRequirementsKey
                """, new { decisionRequirementsKey }, cancellationToken: cancellationToken));
        }
        Dictionary<string, DecisionRequirements>? imported = null;
        if (stored.ImportedKeys.Length > 0)
        {
            imported = new Dictionary<string, DecisionRequirements>(StringComparer.Ordinal);
            foreach (var key in stored.ImportedKeys.Where(k => k < decisionRequirementsKey))
            {
                var model = await GetModelAsync(key, cancellationToken);
                imported[model.Namespace ?? ""] = model;
            }
        }
        // Files deployed before imports were resolved (no imported keys) read as they did then: imports unresolved.
        var read = DmnReader.Read(stored.Content, _readOptions.ForStoredFile(), imported);
        // The file was valid when it was deployed; failing now means the reader changed incompatibly (a bug).
        var requirements = read.Requirements ?? throw new InvalidOperationException(
            $"Decision requirements {decisionRequirementsKey} no longer read: {string.Join("; ", read.Errors)}");
        return _models.GetOrAdd(decisionRequirementsKey, requirements);
    }

    /// <summary>
    /// What imports of <paramref name="namespaces"/> resolve to outside a deployment: per namespace, the latest decision
    /// requirements deployed in the tenant with it, read.
    /// </summary>
    internal async Task<Dictionary<string, (long Key, DecisionRequirements Model)>> FindImportableAsync(
        string tenantId, IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, (long, DecisionRequirements)>(StringComparer.Ordinal);
        if (namespaces.Count == 0)
        {
            return found;
        }
        List<(long Key, string Namespace)> latest;
        await using (var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken))
        {
            latest = [.. await lease.Connection.QueryAsync<(long, string)>(new CommandDefinition("""
                SELECT DISTINCT ON (namespace) decision_requirements_key, namespace FROM decision_requirements
                WHERE tenant_id = @tenantId AND namespace = ANY(@namespaces) AND deleted_at IS NULL ORDER BY namespace, decision_requirements_key DESC
                """, new { tenantId, namespaces = namespaces.ToArray() }, cancellationToken: cancellationToken))];
        }
        foreach (var (key, ns) in latest)
        {
            found[ns] = (key, await GetModelAsync(key, cancellationToken));
        }
        return found;
    }

    // Dapper reads bigint[] only into a settable property, not through a constructor.
#pragma warning disable CA1819 // Dapper's row type: bytea and bigint[] columns.
    private sealed class StoredRequirements
    {
        public byte[] Content { get; set; } = [];

        public long[] ImportedKeys { get; set; } = [];
    }
#pragma warning restore CA1819
}
