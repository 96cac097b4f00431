using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Reports;

/// <summary>
/// Where a process loses time: for each element of one process definition, the element instances that ran it
/// (from the history of the definition's instances the caller may see), the time spent in the finished ones and
/// the SLA breaches of its user tasks. The diagram pages lay it over the elements.
/// </summary>
public sealed class HeatmapQueries(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The heatmap; null when the definition does not exist.</summary>
    public async Task<IReadOnlyList<HeatmapElement>?> HeatmapAsync(Caller caller, long processDefinitionKey, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { processDefinitionKey, now = clock.GetUtcNow().UtcDateTime });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        var tenant = VisibilityRule.Tenant(caller, "d.tenant_id", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"SELECT EXISTS (SELECT 1 FROM process_definition d WHERE d.process_definition_key = @processDefinitionKey AND {tenant})", parameters, cancellationToken: cancellationToken)))
        {
            return null;
        }
        // One span per element instance: its first activation to its end (a multi-instance body is left out, its
        // inner instances are the element's runs). Open spans count as active and stay out of the times.
        var rows = await connection.QueryAsync<(string ElementId, long Count, long Active, double? Avg, double? P90)>(new CommandDefinition($"""
            WITH instances AS (SELECT i.key FROM process_instance i WHERE i.process_definition_key = @processDefinitionKey AND {visible}),
            spans AS (
                SELECT h.element_id, h.element_instance_key,
                       min(h.at) FILTER (WHERE h.event IN ('ELEMENT_ACTIVATING', 'ELEMENT_ACTIVATED')) AS started,
                       max(h.at) FILTER (WHERE h.event IN ('ELEMENT_COMPLETED', 'ELEMENT_TERMINATED')) AS ended
                FROM execution_history h JOIN instances ON h.process_instance_key = instances.key
                WHERE h.event IN ('ELEMENT_ACTIVATING', 'ELEMENT_ACTIVATED', 'ELEMENT_COMPLETED', 'ELEMENT_TERMINATED')
                  AND h.element_instance_key IS NOT NULL AND h.element_instance_key <> h.process_instance_key
                  AND h.element_type IS DISTINCT FROM 'multiInstanceBody'
                GROUP BY h.element_id, h.element_instance_key),
            timed AS (SELECT element_id, ended, extract(epoch FROM ended - started)::float8 AS s FROM spans WHERE started IS NOT NULL)
            SELECT element_id, count(*), count(*) FILTER (WHERE ended IS NULL), avg(s) FILTER (WHERE ended IS NOT NULL),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY s) FILTER (WHERE ended IS NOT NULL)
            FROM timed GROUP BY element_id ORDER BY element_id
            """, parameters, cancellationToken: cancellationToken));
        var breaches = (await connection.QueryAsync<(string ElementId, long Count)>(new CommandDefinition($"""
            SELECT t.element_id, count(*)
            FROM user_task t JOIN process_instance i ON i.key = t.process_instance_key
            LEFT JOIN LATERAL (SELECT min(h.at) AS completed_at FROM execution_history h
                               WHERE (h.details->>'userTaskKey')::bigint = t.key
                                 AND h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING') AND h.event = 'TASK_COMPLETED') c ON TRUE
            WHERE t.process_definition_key = @processDefinitionKey AND t.due_date IS NOT NULL AND {visible}
              AND CASE t.state WHEN 'CREATED' THEN @now > t.due_date
                               WHEN 'COMPLETED' THEN coalesce(c.completed_at, t.completed_at) > t.due_date
                               ELSE t.completed_at > t.due_date END
            GROUP BY t.element_id
            """, parameters, cancellationToken: cancellationToken))).ToDictionary(r => r.ElementId, r => r.Count);
        var elements = rows.Select(r => new HeatmapElement(r.ElementId, r.Count, r.Active, r.Avg, r.P90, breaches.GetValueOrDefault(r.ElementId))).ToList();
        elements.AddRange(breaches.Where(b => elements.All(e => e.ElementId != b.Key)).Select(b => new HeatmapElement(b.Key, 0, 0, null, null, b.Value)));
        return elements;
    }
}
