using Dapper;
using Npgsql;

namespace Processes.Engine.Storage;

/// <summary>
/// The <c>job</c> table for readers outside the engine's commands. A job row lives while its element waits (it is
/// deleted when the job completes or its element leaves), so "the job still exists" means "not done yet".
/// </summary>
public static class JobStore
{
    /// <summary>Keys of the existing jobs of a type, in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<long>> KeysOfTypeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string type,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return [.. await connection.QueryAsync<long>(new CommandDefinition("SELECT key FROM job WHERE type = @type", new { type }, transaction,
            cancellationToken: cancellationToken))];
    }
}
