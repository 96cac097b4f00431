using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Visibility;

namespace Processes.Engine.Deployment;

/// <summary>
/// Queries over deployed process definitions, and the executable model of each definition key. A definition never
/// changes once deployed, so its parsed model is cached for the life of the process and shared by every instance.
/// </summary>
public sealed class ProcessDefinitions
{
    private readonly NpgsqlDataSource _dataSource;

    private const string Columns = """
        d.process_definition_key AS ProcessDefinitionKey, d.bpmn_process_id AS BpmnProcessId, d.version AS Version,
        d.name AS Name, d.version_tag AS VersionTag, d.resource_name AS ResourceName,
        d.deployment_key AS DeploymentKey, d.deployed_at AS DeployedAt, d.tenant_id AS TenantId, d.deleted_at IS NOT NULL AS IsDeleted
        """;

    private readonly ConcurrentDictionary<long, ExecutableProcess> _models = new();
    private readonly BpmnReadOptions _readOptions;

    /// <summary>Built by <see cref="EngineParts"/> (tests: directly).</summary>
    internal ProcessDefinitions(NpgsqlDataSource dataSource, BpmnReadOptions? readOptions = null)
    {
        _dataSource = dataSource;
        _readOptions = readOptions ?? BpmnReadOptions.Default;
    }

    /// <summary>The latest version of every process id of every tenant, ordered by tenant and id.</summary>
    public async Task<IReadOnlyList<ProcessDefinitionInfo>> ListLatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT DISTINCT ON (d.tenant_id, d.bpmn_process_id) {Columns}
            FROM process_definition d
            WHERE d.deleted_at IS NULL
            ORDER BY d.tenant_id, d.bpmn_process_id, d.version DESC
            """, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToInfo())];
    }

    /// <summary>Every version of one process id in the default tenant, oldest first; empty when the id was never deployed.</summary>
    public Task<IReadOnlyList<ProcessDefinitionInfo>> ListVersionsAsync(string bpmnProcessId, CancellationToken cancellationToken) =>
        ListVersionsAsync(TenantIds.Default, bpmnProcessId, cancellationToken);

    /// <summary>Every version of one process id of a tenant, oldest first.</summary>
    public async Task<IReadOnlyList<ProcessDefinitionInfo>> ListVersionsAsync(string tenantId, string bpmnProcessId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM process_definition d WHERE d.tenant_id = @tenantId AND d.bpmn_process_id = @bpmnProcessId AND d.deleted_at IS NULL ORDER BY d.version
            """, new { tenantId, bpmnProcessId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToInfo())];
    }

    public async Task<ProcessDefinitionInfo?> FindAsync(long processDefinitionKey, CancellationToken cancellationToken) =>
        (await FindXmlAsync(processDefinitionKey, cancellationToken))?.Definition;

    /// <summary>The default tenant's definition of <paramref name="bpmnProcessId"/> at <paramref name="version"/>, or its latest when null.</summary>
    public Task<ProcessDefinitionInfo?> FindAsync(string bpmnProcessId, int? version, CancellationToken cancellationToken) =>
        FindAsync(TenantIds.Default, bpmnProcessId, version, cancellationToken);

    /// <summary>A tenant's definition of <paramref name="bpmnProcessId"/> at <paramref name="version"/>, or its latest when null.</summary>
    public async Task<ProcessDefinitionInfo?> FindAsync(string tenantId, string bpmnProcessId, int? version, CancellationToken cancellationToken) =>
        (await FindXmlAsync(tenantId, bpmnProcessId, version, cancellationToken))?.Definition;

    /// <summary>The default tenant's deployed file of <paramref name="bpmnProcessId"/> at <paramref name="version"/> (latest when null).</summary>
    public Task<ProcessDefinitionXml?> FindXmlAsync(string bpmnProcessId, int? version, CancellationToken cancellationToken) =>
        FindXmlAsync(TenantIds.Default, bpmnProcessId, version, cancellationToken);

    /// <summary>A tenant's deployed file of <paramref name="bpmnProcessId"/> at <paramref name="version"/> (latest when null).</summary>
    public async Task<ProcessDefinitionXml?> FindXmlAsync(string tenantId, string bpmnProcessId, int? version, CancellationToken cancellationToken)
    {
        await using var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken);
        var connection = lease.Connection;
        var row = await connection.QuerySingleOrDefaultAsync<RowWithContent>(new CommandDefinition($"""
            SELECT {Columns}, r.content AS Content
            FROM process_definition d
            JOIN deployment_resource r ON r.deployment_key = d.deployment_key AND r.resource_name = d.resource_name
            WHERE d.tenant_id = @tenantId AND d.bpmn_process_id = @bpmnProcessId AND (@version::int IS NULL OR d.version = @version) AND d.deleted_at IS NULL
            ORDER BY d.version DESC
            LIMIT 1
            """, new { tenantId, bpmnProcessId, version }, cancellationToken: cancellationToken));
        return row?.ToXml();
    }

    public async Task<ProcessDefinitionXml?> FindXmlAsync(long processDefinitionKey, CancellationToken cancellationToken)
    {
        await using var lease = await Storage.CommandConnection.OpenAsync(_dataSource, cancellationToken);
        var connection = lease.Connection;
        var row = await connection.QuerySingleOrDefaultAsync<RowWithContent>(new CommandDefinition($"""
            SELECT {Columns}, r.content AS Content
            FROM process_definition d
            JOIN deployment_resource r ON r.deployment_key = d.deployment_key AND r.resource_name = d.resource_name
            WHERE d.process_definition_key = @processDefinitionKey
            """, new { processDefinitionKey }, cancellationToken: cancellationToken));
        return row?.ToXml();
    }

    /// <summary>The executable model of a definition, parsed once per key; null when the key is unknown.</summary>
    internal async Task<ExecutableProcess?> GetExecutableAsync(long processDefinitionKey, CancellationToken cancellationToken)
    {
        if (_models.TryGetValue(processDefinitionKey, out var cached))
        {
            return cached;
        }
        if (await FindXmlAsync(processDefinitionKey, cancellationToken) is not { } stored)
        {
            return null;
        }
        var result = BpmnReader.Read(stored.Content, _readOptions.ForStoredFile());
        // The file was valid when it was deployed; failing now means the reader changed incompatibly (a bug).
        var process = result.Processes.FirstOrDefault(p => p.Id == stored.Definition.BpmnProcessId)
            ?? throw new InvalidOperationException(
                $"Process definition {processDefinitionKey} ('{stored.Definition.BpmnProcessId}' version {stored.Definition.Version}) " +
                $"no longer reads: {string.Join("; ", result.Errors)}");
        return _models.GetOrAdd(processDefinitionKey, process);
    }

    /// <summary>The names of a definition's elements by id (elements without a name are left out); empty for an unknown key.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ElementNamesAsync(long processDefinitionKey, CancellationToken cancellationToken)
    {
        if (await GetExecutableAsync(processDefinitionKey, cancellationToken) is not { } process)
        {
            return new Dictionary<string, string>();
        }
        return process.Elements.Where(e => !string.IsNullOrEmpty(e.Value.Name)).ToDictionary(e => e.Key, e => e.Value.Name!, StringComparer.Ordinal);
    }

    /// <summary>Drops a deleted definition's parsed model (this host's deletion, or another's notification).</summary>
    internal void Forget(long processDefinitionKey) => _models.TryRemove(processDefinitionKey, out _);

    /// <summary>Drops every parsed model: they are read again on their next use.</summary>
    internal void ForgetAll() => _models.Clear();

    /// <summary>Whether this host holds the definition's parsed model (tests of the cross-host forgetting).</summary>
    internal bool Holds(long processDefinitionKey) => _models.ContainsKey(processDefinitionKey);

    /// <summary>Called by deployment with the model it has just read, so the first instance does not parse again.</summary>
    internal void Remember(long processDefinitionKey, ExecutableProcess process) => _models.TryAdd(processDefinitionKey, process);

    // Dapper maps through the constructor, so parameter names and types mirror the selected columns.
    private sealed record Row(
        long ProcessDefinitionKey, string BpmnProcessId, int Version, string? Name, string? VersionTag,
        string ResourceName, long DeploymentKey, DateTime DeployedAt, string TenantId, bool IsDeleted)
    {
        public ProcessDefinitionInfo ToInfo() => new(ProcessDefinitionKey, BpmnProcessId, Version, Name, VersionTag,
            ResourceName, DeploymentKey, new DateTimeOffset(DateTime.SpecifyKind(DeployedAt, DateTimeKind.Utc)), TenantId) { IsDeleted = IsDeleted };
    }

    private sealed record RowWithContent(
        long ProcessDefinitionKey, string BpmnProcessId, int Version, string? Name, string? VersionTag,
        string ResourceName, long DeploymentKey, DateTime DeployedAt, string TenantId, bool IsDeleted, byte[] Content)
    {
        public ProcessDefinitionXml ToXml() => new(
            new Row(ProcessDefinitionKey, BpmnProcessId, Version, Name, VersionTag, ResourceName, DeploymentKey, DeployedAt, TenantId, IsDeleted).ToInfo(),
            Content);
    }
}
