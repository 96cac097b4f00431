using Dapper;
using Npgsql;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Execution.State;
using Processes.Engine.Visibility;

namespace Processes.Engine.Storage;

/// <summary>
/// The rows an instance migration rewrites, in the command's transaction: the instance's definition, its element
/// instances' ids, and what waits on them — jobs, open user tasks, active incidents (renamed, keys kept, so workers
/// and inbox links stay valid) and subscriptions (kept and renamed, or dropped when the target has no such event).
/// </summary>
internal static class MigrationStore
{
    /// <summary>Whether <paramref name="caller"/> may see the instance (the one visibility rule); an unseen one is "not found".</summary>
    public static Task<bool> IsVisibleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, long processInstanceKey,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { processInstanceKey });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        return connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM process_instance i WHERE i.key = @processInstanceKey AND {visible})",
            parameters, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Rewrites the rows. The instance row is checked against the version the command loaded (optimistic, as every
    /// command's write): a command that changed the instance meanwhile makes this one retry on fresh state.
    /// </summary>
    public static async Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, InstanceState instance, ExecutableDefinition target,
        MigrationCheck check, CancellationToken cancellationToken)
    {
        var moved = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE process_instance SET process_definition_key = @definitionKey, bpmn_process_id = @processId, process_version = @version
            WHERE key = @instanceKey AND row_version = @rowVersion
            """, new
        {
            instanceKey = instance.Key,
            rowVersion = instance.LoadedRowVersion,
            definitionKey = target.Key,
            processId = target.BpmnProcessId,
            version = target.Version,
        }, transaction, cancellationToken: cancellationToken));
        if (moved != 1)
        {
            throw new ConcurrencyConflictException(instance.Key);
        }
        var dropped = check.Subscriptions.SelectMany(s => Owned(instance, s.OwnerKey).Where(id => !s.Kept.ContainsKey(id)).Select(id => (s.OwnerKey, id))).ToList();
        var kept = check.Subscriptions.SelectMany(s => s.Kept.Select(k => (s.OwnerKey, From: k.Key, To: k.Value))).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        ChangeWriter.Add(batch, """
            UPDATE element_instance e SET element_id = m.id FROM unnest($1::bigint[], $2::text[]) AS m(k, id) WHERE e.key = m.k
            """, check.TargetElementIds.Keys.ToArray(), check.TargetElementIds.Values.ToArray());
        ChangeWriter.Add(batch, """
            UPDATE job j SET element_id = e.element_id, bpmn_process_id = $2, process_definition_key = $3, process_version = $4
            FROM element_instance e WHERE j.process_instance_key = $1 AND e.key = j.element_instance_key
            """, instance.Key, target.BpmnProcessId, target.Key, target.Version);
        ChangeWriter.Add(batch, """
            UPDATE user_task t SET element_id = e.element_id, bpmn_process_id = $2, process_definition_key = $3
            FROM element_instance e WHERE t.process_instance_key = $1 AND t.state = 'CREATED' AND e.key = t.element_instance_key
            """, instance.Key, target.BpmnProcessId, target.Key);
        ChangeWriter.Add(batch, """
            UPDATE incident n SET element_id = e.element_id, bpmn_process_id = $2, process_definition_key = $3
            FROM element_instance e WHERE n.process_instance_key = $1 AND n.state = 'ACTIVE' AND e.key = n.element_instance_key
            """, instance.Key, target.BpmnProcessId, target.Key);
        var dropOwners = dropped.Select(d => d.OwnerKey).ToArray();
        var dropIds = dropped.Select(d => d.id).ToArray();
        foreach (var table in new[] { "timer", "message_subscription", "signal_subscription" })
        {
            ChangeWriter.Add(batch, $"""
                DELETE FROM {table} s USING unnest($1::bigint[], $2::text[]) AS d(o, id) WHERE s.element_instance_key = d.o AND s.element_id = d.id
                """, dropOwners, dropIds);
        }
        var keptOwners = kept.Select(k => k.OwnerKey).ToArray();
        var keptFrom = kept.Select(k => k.From).ToArray();
        var keptTo = kept.Select(k => k.To).ToArray();
        ChangeWriter.Add(batch, """
            UPDATE timer s SET element_id = k.t, process_definition_key = $4
            FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k(o, f, t) WHERE s.element_instance_key = k.o AND s.element_id = k.f
            """, keptOwners, keptFrom, keptTo, target.Key);
        ChangeWriter.Add(batch, """
            UPDATE message_subscription s SET element_id = k.t, bpmn_process_id = $4
            FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k(o, f, t) WHERE s.element_instance_key = k.o AND s.element_id = k.f
            """, keptOwners, keptFrom, keptTo, target.BpmnProcessId);
        ChangeWriter.Add(batch, """
            UPDATE signal_subscription s SET element_id = k.t
            FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k(o, f, t) WHERE s.element_instance_key = k.o AND s.element_id = k.f
            """, keptOwners, keptFrom, keptTo);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The catch elements the owner subscribes to in the source model (rows may exist for each).</summary>
    private static IEnumerable<string> Owned(InstanceState instance, long ownerKey) =>
        instance.Find(ownerKey) is { } owner ? MigrationRules.SubscribedEvents(instance.ModelElement(owner)).Select(e => e.Id) : [];
}
