using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// Buffered messages (<c>message</c>, <c>message_correlation</c>) outside the commands: their time to live.
/// Publication and correlation write them in the message commands' transactions.
/// </summary>
internal static class MessageStore
{
    /// <summary>Deletes the messages whose time to live has passed at <paramref name="now"/>, with their correlation records.</summary>
    public static Task<int> DeleteExpiredAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        // Durability point: expired messages are gone; their correlation records go with them.
        connection.ExecuteAsync(new CommandDefinition("""
            WITH expired AS (DELETE FROM message WHERE expires_at <= @now RETURNING key)
            DELETE FROM message_correlation WHERE message_key IN (SELECT key FROM expired)
            """, new { now = now.ToUniversalTime() }, cancellationToken: cancellationToken));
}
