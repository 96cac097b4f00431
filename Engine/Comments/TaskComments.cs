using Dapper;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Comments;

public sealed record TaskCommentRow(long Id, string Author, string Text, DateTime CreatedAt);

/// <summary>
/// Comments beside a user task or a case (a process instance): listed and added by whoever may see the task or the
/// case (the visibility rule, in the same statement as the read or in the same transaction as the insert), each
/// addition audited in its transaction.
/// </summary>
public sealed class TaskComments(NpgsqlDataSource dataSource)
{
    /// <summary>The task's comments, oldest first; null when the task does not exist or is not the caller's to see.</summary>
    public async Task<IReadOnlyList<TaskCommentRow>?> ListAsync(Caller caller, long taskKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await VisibleAsync(connection, null, caller, taskKey, lockRow: false, cancellationToken))
        {
            return null;
        }
        return [.. await connection.QueryAsync<TaskCommentRow>(new CommandDefinition(
            "SELECT id AS Id, author AS Author, text AS Text, created_at AS CreatedAt FROM task_comment WHERE user_task_key = @taskKey ORDER BY id",
            new { taskKey }, cancellationToken: cancellationToken))];
    }

    /// <summary>Adds a comment as the caller; null when the task is not the caller's to see.</summary>
    public async Task<TaskCommentRow?> AddAsync(Caller caller, long taskKey, string text, AuditActor audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // FOR SHARE: the task cannot be deleted (retention) under a comment being added to it.
        if (!await VisibleAsync(connection, transaction, caller, taskKey, lockRow: true, cancellationToken))
        {
            return null;
        }
        var (id, createdAt) = await connection.QuerySingleAsync<(long, DateTime)>(new CommandDefinition(
            "INSERT INTO task_comment (user_task_key, author, text) VALUES (@taskKey, @author, @text) RETURNING id, created_at",
            new { taskKey, author = caller.UserName, text }, transaction, cancellationToken: cancellationToken));
        await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "task.commented", "userTask",
            taskKey.ToString(System.Globalization.CultureInfo.InvariantCulture), null), cancellationToken);
        // Durability point: the comment and its audit row commit together.
        await transaction.CommitAsync(cancellationToken);
        return new TaskCommentRow(id, caller.UserName, text, createdAt);
    }

    /// <summary>The case's own comments (not its tasks'), oldest first; null when the case does not exist or is not the caller's to see.</summary>
    public async Task<IReadOnlyList<TaskCommentRow>?> ListForCaseAsync(Caller caller, long processInstanceKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await CaseVisibleAsync(connection, null, caller, processInstanceKey, lockRow: false, cancellationToken))
        {
            return null;
        }
        return [.. await connection.QueryAsync<TaskCommentRow>(new CommandDefinition(
            "SELECT id AS Id, author AS Author, text AS Text, created_at AS CreatedAt FROM task_comment WHERE process_instance_key = @processInstanceKey ORDER BY id",
            new { processInstanceKey }, cancellationToken: cancellationToken))];
    }

    /// <summary>Adds a comment to the case as the caller, audited as <c>case.commented</c>; null when the case is not the caller's to see.</summary>
    public async Task<TaskCommentRow?> AddToCaseAsync(Caller caller, long processInstanceKey, string text, AuditActor audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // FOR SHARE: the case cannot be purged (retention) under a comment being added to it.
        if (!await CaseVisibleAsync(connection, transaction, caller, processInstanceKey, lockRow: true, cancellationToken))
        {
            return null;
        }
        var (id, createdAt) = await connection.QuerySingleAsync<(long, DateTime)>(new CommandDefinition(
            "INSERT INTO task_comment (process_instance_key, author, text) VALUES (@processInstanceKey, @author, @text) RETURNING id, created_at",
            new { processInstanceKey, author = caller.UserName, text }, transaction, cancellationToken: cancellationToken));
        await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "case.commented", "process-instance",
            processInstanceKey.ToString(System.Globalization.CultureInfo.InvariantCulture), null), cancellationToken);
        // Durability point: the comment and its audit row commit together.
        await transaction.CommitAsync(cancellationToken);
        return new TaskCommentRow(id, caller.UserName, text, createdAt);
    }

    private static async Task<bool> CaseVisibleAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Caller caller, long processInstanceKey,
        bool lockRow, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { processInstanceKey });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM process_instance i WHERE i.key = @processInstanceKey AND {visible}{(lockRow ? " FOR SHARE OF i" : "")})",
            parameters, transaction, cancellationToken: cancellationToken));
    }

    private static async Task<bool> VisibleAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Caller caller, long taskKey, bool lockRow,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new { taskKey });
        var visible = VisibilityRule.Task(caller, "t", parameters);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM user_task t WHERE t.key = @taskKey AND {visible}{(lockRow ? " FOR SHARE" : "")})",
            parameters, transaction, cancellationToken: cancellationToken));
    }
}
