using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

public sealed record TaskEventRow(long Id, string Event, long TaskKey, long InstanceKey, string ElementId, string? Assignee, string? Details, DateTime At);

/// <summary>
/// The task events of the history (created, assigned, completed, SLA warnings) for the tasks the caller may see,
/// in history order: what the live task stream sends. Each event's id is its history id, so a reader resumes after it.
/// </summary>
public sealed class TaskEventQueries(NpgsqlDataSource dataSource)
{
    public const int Batch = 200;

    /// <summary>Where "from now on" starts: the newest history id.</summary>
    public async Task<long> NowAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT coalesce(max(id), 0) FROM execution_history", cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<TaskEventRow>> AfterAsync(Caller caller, long position, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { position });
        var visible = VisibilityRule.Task(caller, "t", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<TaskEventRow>(new CommandDefinition($"""
            SELECT h.id AS Id, h.event AS Event, t.key AS TaskKey, t.process_instance_key AS InstanceKey, t.element_id AS ElementId, t.assignee AS Assignee,
                   h.details::text AS Details, h.at AS At
            FROM execution_history h
            JOIN user_task t ON t.key = (h.details->>'userTaskKey')::bigint
            WHERE h.id > @position AND h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING') AND {visible}
            ORDER BY h.id LIMIT {Batch}
            """, parameters, cancellationToken: cancellationToken))];
    }
}
