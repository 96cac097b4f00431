using Dapper;
using Npgsql;

namespace Processes.Activities.Assignment;

/// <summary>
/// A position: its duties, the customer tiers it serves (none: all) and the refund an agent in it may grant without
/// finance (<see cref="RefundLimit"/>, null: none).
/// </summary>
public sealed record AgentPosition(string Name, string Title, IReadOnlyList<string> Duties, IReadOnlyList<string> Tiers, decimal? RefundLimit)
{
    public string TenantId { get; init; } = Processes.Engine.Visibility.TenantIds.Default;
}

/// <summary>Positions in <c>agent_position</c>, a table of the activities; one per name and tenant.</summary>
public sealed class PositionStore(NpgsqlDataSource dataSource)
{
    public async Task SaveAsync(AgentPosition position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the position is replaced whole; the next refund and the next dispatch see it.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO agent_position (tenant_id, name, title, duties, tiers, refund_limit, updated_at)
            VALUES (@TenantId, @Name, @Title, @Duties, @Tiers, @RefundLimit, now())
            ON CONFLICT (tenant_id, name) DO UPDATE SET title = excluded.title, duties = excluded.duties, tiers = excluded.tiers,
                refund_limit = excluded.refund_limit, updated_at = now()
            """, new { position.TenantId, position.Name, position.Title, Duties = position.Duties.ToArray(), Tiers = position.Tiers.ToArray(), position.RefundLimit },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AgentPosition>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string Title, string[] Duties, string[] Tiers, decimal? RefundLimit)>(new CommandDefinition(
            "SELECT name, title, duties, tiers, refund_limit FROM agent_position WHERE tenant_id = @tenantId ORDER BY name", new { tenantId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AgentPosition(r.Name, r.Title, r.Duties, r.Tiers, r.RefundLimit) { TenantId = tenantId })];
    }

    public async Task<bool> ExistsAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM agent_position WHERE tenant_id = @tenantId AND name = @name)", new { tenantId, name }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes a position no agent holds; false when it does not exist, null when agents still hold it (named).</summary>
    public async Task<(bool Deleted, IReadOnlyList<string> HeldBy)> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var holders = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT user_name FROM agent_profile WHERE tenant_id = @tenantId AND position = @name ORDER BY user_name", new { tenantId, name },
            cancellationToken: cancellationToken))).ToList();
        if (holders.Count > 0)
        {
            return (false, holders);
        }
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM agent_position WHERE tenant_id = @tenantId AND name = @name",
            new { tenantId, name }, cancellationToken: cancellationToken)) > 0;
        return (deleted, []);
    }

    /// <summary>
    /// The refund <paramref name="userName"/> may grant alone in <paramref name="tenantId"/>: their position's limit; null when
    /// they have no profile, no position or a position without a limit (then the configured review threshold applies).
    /// </summary>
    public async Task<decimal?> RefundLimitAsync(string tenantId, string userName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<decimal?>(new CommandDefinition("""
            SELECT p.refund_limit FROM agent_profile a JOIN agent_position p ON p.tenant_id = a.tenant_id AND p.name = a.position
            WHERE a.tenant_id = @tenantId AND lower(a.user_name) = lower(@userName)
            """, new { tenantId, userName }, cancellationToken: cancellationToken));
    }
}
