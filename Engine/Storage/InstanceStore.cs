using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Processes.Engine.Deployment;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Storage;

/// <summary>
/// Loads process instances (their rows, live element instances and variables: three indexed queries in one round
/// trip, for one instance or many) and writes back what a command changed. Writes run in the command's transaction; see
/// <see cref="ChangeWriter"/> for the order and the optimistic check.
/// </summary>
internal sealed class InstanceStore(ProcessDefinitions definitions)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // A deployed definition never changes, so its (key → definition) pair is cached for the life of the process:
    // without it every command would read the stored XML again just to learn the process id and version.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, ExecutableDefinition> _byKey = new();

    public ProcessDefinitions Definitions => definitions;

    /// <summary>Drops a deleted definition (resource deletion).</summary>
    public void Forget(long processDefinitionKey) => _byKey.TryRemove(processDefinitionKey, out _);

    /// <summary>Drops every cached definition: they are read again on their next use.</summary>
    public void ForgetAll() => _byKey.Clear();

    public async Task<InstanceState?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long processInstanceKey, CancellationToken cancellationToken) =>
        (await LoadManyAsync(connection, transaction, [processInstanceKey], cancellationToken)).FirstOrDefault();

    /// <summary>
    /// Several instances in the same three queries (one round trip): a batch of timer firings loads every instance it
    /// touches at once. Missing keys are left out.
    /// </summary>
    public async Task<List<InstanceState>> LoadManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] processInstanceKeys,
        CancellationToken cancellationToken)
    {
        await using var reader = await connection.QueryMultipleAsync(new CommandDefinition(ByKeysSql,
            new { processInstanceKeys }, transaction, cancellationToken: cancellationToken));
        return await ReadStatesAsync(reader, cancellationToken);
    }

    // The three reads of instance state; {0} is the array of instance keys (a parameter or a subquery).
    private const string StateSql = """
        SELECT key, process_definition_key, bpmn_process_id, process_version, business_key, state,
               parent_process_instance_key, parent_element_instance_key, root_process_instance_key, row_version,
               has_incident, started_at, ended_at, tenant_id
        FROM process_instance WHERE key = ANY({0});
        SELECT process_instance_key, key, element_id, flow_scope_key, state, is_multi_instance_body, incident_key, data::text AS data, activated_at
        FROM element_instance WHERE process_instance_key = ANY({0});
        SELECT process_instance_key, scope_key, name, value::text AS value FROM variable WHERE process_instance_key = ANY({0});
        """;

    private static readonly string ByKeysSql = string.Format(System.Globalization.CultureInfo.InvariantCulture, StateSql, "@processInstanceKeys");

    private const string JobsCondition = "key = ANY(@jobKeys) AND (@tenants::text[] IS NULL OR tenant_id = ANY(@tenants))";

    private static readonly string ForJobsSql = JobStore.FindSql + " WHERE " + JobsCondition + ";\n" + string.Format(
        System.Globalization.CultureInfo.InvariantCulture, StateSql, "ARRAY(SELECT process_instance_key FROM job WHERE " + JobsCondition + ")");

    /// <summary>
    /// Jobs and the state of their instances in one round trip (a completion used to look the job up first, then load
    /// the instance). The job rows are filtered by <paramref name="tenants"/> (null: all); instances of jobs left out
    /// are not loaded. Each statement reads its own snapshot, as separate round trips did: the instance's version check
    /// at write time is what makes a completion count once.
    /// </summary>
    public async Task<(List<StoredJob> Jobs, List<InstanceState> Instances)> LoadForJobsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long[] jobKeys, string[]? tenants, CancellationToken cancellationToken)
    {
        await using var reader = await connection.QueryMultipleAsync(new CommandDefinition(ForJobsSql, new { jobKeys, tenants }, transaction, cancellationToken: cancellationToken));
        var found = (await reader.ReadAsync<StoredJob>()).ToList();
        return (found, await ReadStatesAsync(reader, cancellationToken));
    }

    private async Task<List<InstanceState>> ReadStatesAsync(SqlMapper.GridReader reader, CancellationToken cancellationToken)
    {
        var rows = (await reader.ReadAsync<InstanceRecord>()).ToList();
        var elements = (await reader.ReadAsync<ElementRecord>()).ToLookup(e => e.process_instance_key);
        var variables = (await reader.ReadAsync<VariableRecord>()).ToLookup(v => v.process_instance_key);
        var result = new List<InstanceState>(rows.Count);
        foreach (var row in rows)
        {
            var definition = await DefinitionAsync(row.process_definition_key, cancellationToken)
                ?? throw new InvalidOperationException($"Process instance {row.key} refers to unknown definition {row.process_definition_key}.");
            var state = new InstanceState(row.ToRow(), definition, isNew: false);
            foreach (var element in elements[row.key])
            {
                var instance = new ElementInstance
                {
                    Key = element.key,
                    ProcessInstanceKey = row.key,
                    ElementId = element.element_id,
                    FlowScopeKey = element.flow_scope_key,
                    IsMultiInstanceBody = element.is_multi_instance_body,
                    IncidentKey = element.incident_key,
                    ActivatedAt = element.activated_at,
                    Data = JsonSerializer.Deserialize<ElementInstanceData>(element.data, Json) ?? new ElementInstanceData(),
                };
                instance.Restore(Enum.Parse<ElementState>(element.state, ignoreCase: true));
                state.Add(instance);
            }
            foreach (var variable in variables[row.key])
            {
                state.LoadVariable(variable.scope_key, variable.name, variable.value is null ? null : JsonNode.Parse(variable.value));
            }
            state.IsChanged = false;
            result.Add(state);
        }
        return result;
    }

    /// <summary>
    /// The scope tree (element → flow scope) and the raw variables by scope of some instances, without building
    /// their state: job activation reads the variables a job sees this way, for many instances in one round trip.
    /// </summary>
    /// <summary>
    /// What a worker's jobs need from their instances, in one round trip: the scope tree, the variables, and the tags
    /// of the instances that have any.
    /// </summary>
    public static async Task<(Dictionary<long, long?> Parents, ILookup<long, (long ScopeKey, string Name, string? Value)> ByScope, Dictionary<long, string[]> Tags)>
        ScopesAndVariablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] processInstanceKeys, CancellationToken cancellationToken)
    {
        await using var reader = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT key, flow_scope_key FROM element_instance WHERE process_instance_key = ANY(@processInstanceKeys);
            SELECT scope_key, name, value::text FROM variable WHERE process_instance_key = ANY(@processInstanceKeys);
            SELECT key, tags FROM process_instance WHERE key = ANY(@processInstanceKeys) AND cardinality(tags) > 0;
            """, new { processInstanceKeys }, transaction, cancellationToken: cancellationToken));
        var parents = (await reader.ReadAsync<(long Key, long? FlowScopeKey)>()).ToDictionary(r => r.Key, r => r.FlowScopeKey);
        var byScope = (await reader.ReadAsync<(long ScopeKey, string Name, string? Value)>()).ToLookup(v => v.ScopeKey);
        var tags = (await reader.ReadAsync<(long Key, string[] Tags)>()).ToDictionary(r => r.Key, r => r.Tags);
        return (parents, byScope, tags);
    }

    public async Task<ExecutableDefinition?> DefinitionAsync(long processDefinitionKey, CancellationToken cancellationToken)
    {
        if (_byKey.TryGetValue(processDefinitionKey, out var cached))
        {
            return cached;
        }
        var info = await definitions.FindAsync(processDefinitionKey, cancellationToken);
        if (info is null)
        {
            return null;
        }
        var model = await definitions.GetExecutableAsync(processDefinitionKey, cancellationToken);
        return model is null ? null : _byKey.GetOrAdd(processDefinitionKey, new ExecutableDefinition(info.ProcessDefinitionKey, info.BpmnProcessId, info.Version, model) { TenantId = info.TenantId });
    }

    public async Task<ExecutableDefinition?> DefinitionAsync(string tenantId, string bpmnProcessId, int? version, CancellationToken cancellationToken)
    {
        var info = await definitions.FindAsync(tenantId, bpmnProcessId, version, cancellationToken);
        return info is null ? null : await DefinitionAsync(info.ProcessDefinitionKey, cancellationToken);
    }

    // Dapper maps rows by column name; snake_case names keep the SQL plain.
#pragma warning disable IDE1006, CA1707
    private sealed record InstanceRecord(
        long key, long process_definition_key, string bpmn_process_id, int process_version, string? business_key, string state,
        long? parent_process_instance_key, long? parent_element_instance_key, long root_process_instance_key, int row_version,
        bool has_incident, DateTime started_at, DateTime? ended_at, string tenant_id)
    {
        public ProcessInstanceRow ToRow() => new()
        {
            Key = key,
            ProcessDefinitionKey = process_definition_key,
            BpmnProcessId = bpmn_process_id,
            ProcessVersion = process_version,
            BusinessKey = business_key,
            TenantId = tenant_id,
            State = StoredStates.Parse<ProcessInstanceState>(state),
            ParentProcessInstanceKey = parent_process_instance_key,
            ParentElementInstanceKey = parent_element_instance_key,
            RootProcessInstanceKey = root_process_instance_key,
            RowVersion = row_version,
            HasIncident = has_incident,
            StartedAt = Utc(started_at),
            EndedAt = ended_at is { } ended ? Utc(ended) : null,
        };
    }

    private sealed record ElementRecord(
        long process_instance_key, long key, string element_id, long? flow_scope_key, string state, bool is_multi_instance_body, long? incident_key, string data, DateTime activated_at);

    private sealed record VariableRecord(long process_instance_key, long scope_key, string name, string? value);
#pragma warning restore IDE1006, CA1707

    /// <summary>The instance of a process holding a business key, if any (in the command's transaction).</summary>
    public static Task<long?> FindByBusinessKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string bpmnProcessId, string businessKey,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT key FROM process_instance WHERE tenant_id = @tenant AND bpmn_process_id = @bpmnProcessId AND business_key = @businessKey",
            new { tenant, bpmnProcessId, businessKey }, transaction, cancellationToken: cancellationToken));

    /// <summary>The instance an element instance belongs to; null when the element instance does not exist (any more).</summary>
    public static Task<long?> ProcessInstanceOfElementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long elementInstanceKey,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT process_instance_key FROM element_instance WHERE key = @elementInstanceKey",
            new { elementInstanceKey }, transaction, cancellationToken: cancellationToken));

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    internal static NpgsqlParameter Jsonb(string name, object? value) =>
        new(name, NpgsqlDbType.Jsonb) { Value = value is null ? DBNull.Value : value is string s ? s : JsonSerializer.Serialize(value, Json) };
}
