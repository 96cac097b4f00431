using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Processes.Engine.Execution;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Storage;

/// <summary>The optimistic check on an instance failed: another command changed it since it was loaded.</summary>
internal sealed class ConcurrencyConflictException(long processInstanceKey)
    : Exception($"Process instance {processInstanceKey} was changed by another command.")
{
    public long ProcessInstanceKey { get; } = processInstanceKey;
}

/// <summary>
/// Writes one command's changes in its transaction, in two round trips: first the instance rows with the
/// optimistic version check (a conflict stops here, before anything else is written), then every other change
/// as one batch. Durability point: nothing of the command exists until the caller commits; after the commit all
/// of it does — state, jobs, timers, subscriptions, tasks, incidents and history together.
/// </summary>
internal static class ChangeWriter
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<InstanceState> instances,
        ChangeSet changes, CancellationToken cancellationToken)
    {
        var all = instances.ToList();
        var changed = all.Where(i => i.IsChanged || i.IsNew).ToList();
        DropRowsOfRemovedElements(all, changes);
        await WriteInstanceRowsAsync(connection, transaction, changed, cancellationToken);

        await using var batch = new NpgsqlBatch(connection, transaction);
        // Before the elements' rows go: a job its worker ended and a subscription that received a message keep that
        // end state, not the CANCELED/DELETED of rows removed with their element.
        ClosedRows.AddEndedJobs(batch, changes);
        ClosedRows.AddCorrelations(batch, changes);
        AddElementChanges(batch, changed);
        AddRowChanges(batch, changes);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A job, timer, subscription or task created and made obsolete within the same command (its element left, or
    /// an event subprocess took over its owner) is never written.
    /// </summary>
    private static void DropRowsOfRemovedElements(List<InstanceState> instances, ChangeSet changes)
    {
        var closed = changes.ClosedSubscriptions.SelectMany(c => c.ElementIds.Select(id => (c.Owner, id))).ToHashSet();
        changes.NewTimers.RemoveAll(t => t.ElementInstanceKey is { } owner && closed.Contains((owner, t.ElementId)));
        changes.NewMessageSubscriptions.RemoveAll(s => closed.Contains((s.ElementInstanceKey, s.ElementId)));
        changes.NewSignalSubscriptions.RemoveAll(s => closed.Contains((s.ElementInstanceKey, s.ElementId)));
        var gone = instances.SelectMany(i => i.RemovedElementKeys).ToHashSet();
        if (gone.Count == 0)
        {
            return;
        }
        changes.NewJobs.RemoveAll(j => gone.Contains(j.ElementInstanceKey));
        changes.NewTimers.RemoveAll(t => t.ElementInstanceKey is { } owner && gone.Contains(owner));
        changes.NewMessageSubscriptions.RemoveAll(s => gone.Contains(s.ElementInstanceKey));
        changes.NewSignalSubscriptions.RemoveAll(s => gone.Contains(s.ElementInstanceKey));
        changes.NewUserTasks.RemoveAll(t => gone.Contains(t.ElementInstanceKey));
        changes.NewIncidents.RemoveAll(i => gone.Contains(i.ElementInstanceKey));
    }

    private static async Task WriteInstanceRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<InstanceState> instances, CancellationToken cancellationToken)
    {
        if (instances.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var instance in instances)
        {
            var row = instance.Row;
            var command = instance.IsNew
                ? new NpgsqlBatchCommand("""
                    INSERT INTO process_instance (key, process_definition_key, bpmn_process_id, process_version, business_key, state,
                        parent_process_instance_key, parent_element_instance_key, root_process_instance_key, row_version, has_incident, started_at, ended_at, tenant_id, tags)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $14, $15)
                    """)
                : new NpgsqlBatchCommand("""
                    UPDATE process_instance SET row_version = row_version + 1, state = $6, has_incident = $10, ended_at = $12
                    WHERE key = $1 AND row_version = $13
                    """);
            command.Parameters.Add(new NpgsqlParameter<long>() { TypedValue = row.Key });
            command.Parameters.Add(new NpgsqlParameter<long>() { TypedValue = row.ProcessDefinitionKey });
            command.Parameters.Add(new NpgsqlParameter<string>() { TypedValue = row.BpmnProcessId });
            command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = row.ProcessVersion });
            command.Parameters.Add(Nullable(row.BusinessKey, NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<string>() { TypedValue = row.State.ToStored() });
            command.Parameters.Add(Nullable(row.ParentProcessInstanceKey, NpgsqlDbType.Bigint));
            command.Parameters.Add(Nullable(row.ParentElementInstanceKey, NpgsqlDbType.Bigint));
            command.Parameters.Add(new NpgsqlParameter<long>() { TypedValue = row.RootProcessInstanceKey });
            command.Parameters.Add(new NpgsqlParameter<bool>() { TypedValue = instance.Elements.Any(e => e.IncidentKey is not null) });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>() { TypedValue = row.StartedAt });
            command.Parameters.Add(Nullable(row.EndedAt, NpgsqlDbType.TimestampTz));
            command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = instance.LoadedRowVersion });
            if (instance.IsNew)
            {
                command.Parameters.Add(new NpgsqlParameter<string>() { TypedValue = row.TenantId });
                command.Parameters.Add(new NpgsqlParameter<string[]>() { TypedValue = row.Tags, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        for (var i = 0; i < instances.Count; i++)
        {
            if (batch.BatchCommands[i].RecordsAffected != 1)
            {
                throw new ConcurrencyConflictException(instances[i].Key);
            }
            instances[i].Row.RowVersion = instances[i].IsNew ? 0 : instances[i].LoadedRowVersion + 1;
        }
    }

    /// <summary>
    /// The element and variable rows of every changed instance, one statement per kind for all of them: a group of
    /// completions or firings (many instances in one command) sends as many statements as a single one.
    /// </summary>
    private static void AddElementChanges(NpgsqlBatch batch, List<InstanceState> instances)
    {
        // Only elements with rows: what a new element had is new too and was dropped above, unwritten.
        var removed = instances.SelectMany(i => i.RemovedStoredElementKeys).ToArray();
        if (removed.Length > 0)
        {
            // Removing an element removes whatever waited on it: jobs, timers, subscriptions, open tasks, incidents.
            Add(batch, "DELETE FROM element_instance WHERE key = ANY($1)", removed);
            Add(batch, "DELETE FROM variable WHERE scope_key = ANY($1) AND scope_key <> process_instance_key", removed);
            ClosedRows.AddCanceledJobs(batch, removed);
            Add(batch, "DELETE FROM timer WHERE element_instance_key = ANY($1)", removed);
            ClosedRows.AddDeletedSubscriptions(batch, "element_instance_key = ANY($1)", removed);
            Add(batch, "DELETE FROM signal_subscription WHERE element_instance_key = ANY($1)", removed);
            Add(batch, "UPDATE user_task SET state = 'CANCELED', version = version + 1, completed_at = now() WHERE element_instance_key = ANY($1) AND state = 'CREATED'", removed);
            Add(batch, "UPDATE incident SET state = 'RESOLVED', resolved_at = now() WHERE element_instance_key = ANY($1) AND state = 'ACTIVE'", removed);
        }
        var upserts = instances.SelectMany(i => i.Elements.Where(e => e.IsDirty || e.IsNew).Select(e => (Element: e, i.Row.TenantId))).ToList();
        if (upserts.Count > 0)
        {
            Add(batch, """
                INSERT INTO element_instance (key, process_instance_key, element_id, flow_scope_key, state, is_multi_instance_body, incident_key, data, activated_at, tenant_id)
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::boolean[], $7::bigint[], $8::jsonb[], $9::timestamptz[], $10::text[])
                ON CONFLICT (key) DO UPDATE SET state = excluded.state, incident_key = excluded.incident_key, data = excluded.data
                """,
                upserts.Select(u => u.Element.Key).ToArray(),
                upserts.Select(u => u.Element.ProcessInstanceKey).ToArray(),
                upserts.Select(u => u.Element.ElementId).ToArray(),
                upserts.Select(u => u.Element.FlowScopeKey).ToArray(),
                upserts.Select(u => u.Element.State.ToString().ToUpperInvariant()).ToArray(),
                upserts.Select(u => u.Element.IsMultiInstanceBody).ToArray(),
                upserts.Select(u => u.Element.IncidentKey).ToArray(),
                upserts.Select(u => JsonSerializer.Serialize(u.Element.Data, InstanceStore.Json)).ToArray(),
                upserts.Select(u => u.Element.ActivatedAt).ToArray(),
                upserts.Select(u => u.TenantId).ToArray());
        }
        var variables = instances.SelectMany(i => i.ChangedVariables.Select(v => (Instance: i, v.Scope, v.Name))).ToList();
        if (variables.Count > 0)
        {
            Add(batch, """
                INSERT INTO variable (scope_key, name, process_instance_key, value)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::jsonb[])
                ON CONFLICT (scope_key, name) DO UPDATE SET value = excluded.value
                """,
                variables.Select(v => v.Scope).ToArray(),
                variables.Select(v => v.Name).ToArray(),
                variables.Select(v => v.Instance.Key).ToArray(),
                variables.Select(v => v.Instance.TryGetLocal(v.Scope, v.Name, out var value) ? value?.ToJsonString() ?? "null" : "null").ToArray());
        }
    }

    private static void AddRowChanges(NpgsqlBatch batch, ChangeSet c)
    {
        foreach (var (owner, elementIds) in c.ClosedSubscriptions)
        {
            Add(batch, "DELETE FROM timer WHERE element_instance_key = $1 AND element_id = ANY($2)", owner, elementIds);
            ClosedRows.AddDeletedSubscriptions(batch, "element_instance_key = $1 AND element_id = ANY($2)", owner, elementIds);
            Add(batch, "DELETE FROM signal_subscription WHERE element_instance_key = $1 AND element_id = ANY($2)", owner, elementIds);
        }
        foreach (var update in c.JobUpdates)
        {
            Add(batch, "UPDATE job SET state = $2, retries = $3, due_at = $4, error_message = $5, worker = NULL, deadline = NULL WHERE key = $1",
                update.Key, update.State.ToStored(), update.Retries, update.DueAt, (object?)update.ErrorMessage ?? DBNull.Value);
        }
        foreach (var task in c.CompletedUserTasks)
        {
            Add(batch, "UPDATE user_task SET state = 'COMPLETED', version = version + 1, completed_at = now() WHERE key = $1", task);
        }
        foreach (var timer in c.DeletedTimers)
        {
            Add(batch, "DELETE FROM timer WHERE key = $1", timer);
        }
        foreach (var incident in c.ResolvedIncidents)
        {
            Add(batch, "UPDATE incident SET state = 'RESOLVED', resolved_at = now() WHERE key = $1", incident);
        }
        RowInserts.Add(batch, c);
        DecisionInstanceStore.Add(batch, c.DecisionInstances);
    }

    internal static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        batch.BatchCommands.Add(command);
    }

    private static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type) => new() { NpgsqlDbType = type, Value = (object?)value ?? DBNull.Value };
}
