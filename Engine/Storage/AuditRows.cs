using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>Who did something and from where, as the audit log records it: a person's command carries it into the engine.</summary>
public sealed record AuditActor(string Actor, string? RemoteAddress = null, long? ApiKeyId = null);

/// <summary>One row of <c>audit_log</c>: who, what (a dotted action such as <c>task.completed</c>), on what, details as JSON text.</summary>
public sealed record AuditRow(AuditActor Actor, string Action, string? TargetType, string? TargetId, string? DetailsJson);

/// <summary>
/// The one insert into <c>audit_log</c>. The engine writes a command's audit row inside the command's transaction, so
/// the action and its record commit or roll back together; the host's audit log writes its own entries with it too.
/// </summary>
public static class AuditRows
{
    private const string Insert = """
        INSERT INTO audit_log (actor, api_key_id, action, target_type, target_id, details, remote_address)
        VALUES (@Actor, @ApiKeyId, @Action, @TargetType, @TargetId, @Details::jsonb, @RemoteAddress)
        """;

    public static Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(row);
        return connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            row.Actor.Actor,
            row.Actor.ApiKeyId,
            row.Action,
            row.TargetType,
            row.TargetId,
            Details = row.DetailsJson,
            row.Actor.RemoteAddress,
        }, transaction, cancellationToken: cancellationToken));
    }
}
