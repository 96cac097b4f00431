using Dapper;
using Npgsql;

namespace Processes.Activities.Settlement;

/// <summary>One network's pool: what was credited in fees, what is out in withdrawals (requested or paid), what is left.</summary>
public sealed record PoolBalance(string Network, decimal Credited, decimal Withdrawn, decimal Available);

/// <summary>A withdrawal request of a network, reviewed by finance.</summary>
public sealed record Withdrawal(long Id, string Network, decimal Amount, string RequestId, string State, string RequestedBy, DateTime RequestedAt,
    string? ReviewedBy, DateTime? ReviewedAt, string? ReviewNote);

/// <summary>Why a withdrawal was not taken.</summary>
public enum WithdrawalRefusal
{
    None,
    AbovePool,
    NotFound,
    AlreadyReviewed,
}

/// <summary>
/// <c>settlement_movement</c> and <c>settlement_withdrawal</c>: each network's settlement pool as an append-only ledger
/// in decimal. A fee is credited once per service order (a re-run finds it); a withdrawal is reserved against the
/// pool when requested (refused above what is available), paid when finance approves it and returned to the pool
/// when finance rejects it. Movements of one network are serialised by an advisory lock, so two requests cannot both
/// spend the same balance. A pool belongs to a tenant: the same network name in two tenants is two pools, and every
/// method reads and moves only the named tenant's (the fee job's tenant; for finance, the tenant the request acts in). <paramref name="alsoInTransaction"/> lets the caller commit its audit row with the movement.
/// </summary>
public sealed class SettlementPool(NpgsqlDataSource dataSource)
{
    /// <summary>Credits the order's fee to the network's pool once; false when it was credited before (a re-run).</summary>
    public async Task<bool> CreditFeeAsync(string tenantId, string network, string serviceOrderId, decimal fee, string period, string actor, long? processInstanceKey,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO settlement_movement (tenant_id, network, kind, amount, reference, period, actor, process_instance_key, at)
            VALUES (@tenantId, @network, 'fee', @fee, @serviceOrderId, @period, @actor, @processInstanceKey, @at)
            ON CONFLICT (tenant_id, network, kind, reference) DO NOTHING
            """, new { tenantId, network, fee, serviceOrderId, period, actor, processInstanceKey, at = at.UtcDateTime }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<IReadOnlyList<PoolBalance>> BalancesAsync(string tenantId, string? network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<PoolBalance>(new CommandDefinition($"""
            SELECT network AS Network, {Credited} AS Credited, {Withdrawn} AS Withdrawn, {Credited} - {Withdrawn} AS Available
            FROM settlement_movement WHERE tenant_id = @tenantId AND (@network::text IS NULL OR network = @network) GROUP BY network ORDER BY network
            """, new { tenantId, network }, cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// Reserves a withdrawal against the pool for finance to review. The same request id again answers the first
    /// request (a retried call); more than the pool has available is refused, nothing reserved.
    /// </summary>
    public async Task<(Withdrawal? Withdrawal, WithdrawalRefusal Refusal, decimal Available)> RequestWithdrawalAsync(string tenantId, string network, decimal amount, string requestId,
        string actor, DateTimeOffset at, Func<NpgsqlTransaction, Withdrawal, CancellationToken, Task> alsoInTransaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alsoInTransaction);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, transaction, tenantId, network, cancellationToken);
        if (await FindAsync(connection, transaction, "tenant_id = @tenantId AND network = @network AND request_id = @requestId", new { tenantId, network, requestId },
            cancellationToken) is { } earlier)
        {
            return (earlier, WithdrawalRefusal.None, 0);
        }
        var available = await connection.ExecuteScalarAsync<decimal>(new CommandDefinition(
            $"SELECT coalesce({Credited} - {Withdrawn}, 0) FROM settlement_movement WHERE tenant_id = @tenantId AND network = @network", new { tenantId, network }, transaction,
            cancellationToken: cancellationToken));
        if (amount > available)
        {
            return (null, WithdrawalRefusal.AbovePool, available);
        }
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO settlement_withdrawal (tenant_id, network, amount, request_id, state, requested_by, requested_at)
            VALUES (@tenantId, @network, @amount, @requestId, 'requested', @actor, @at) RETURNING id
            """, new { tenantId, network, amount, requestId, actor, at = at.UtcDateTime }, transaction, cancellationToken: cancellationToken));
        await MoveAsync(connection, transaction, tenantId, network, "withdrawal", amount, id, actor, at, cancellationToken);
        var withdrawal = (await FindAsync(connection, transaction, "id = @id", new { id }, cancellationToken))!;
        await alsoInTransaction(transaction, withdrawal, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (withdrawal, WithdrawalRefusal.None, available - amount);
    }

    /// <summary>Finance's review: approved, the reserved amount is paid out; rejected, it returns to the pool. Once only; another tenant's is not found.</summary>
    public async Task<(Withdrawal? Withdrawal, WithdrawalRefusal Refusal)> ReviewAsync(string tenantId, long id, bool approve, string? note, string actor, DateTimeOffset at,
        Func<NpgsqlTransaction, Withdrawal, CancellationToken, Task> alsoInTransaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alsoInTransaction);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await FindAsync(connection, transaction, "id = @id AND tenant_id = @tenantId", new { id, tenantId }, cancellationToken) is not { } found)
        {
            return (null, WithdrawalRefusal.NotFound);
        }
        await LockAsync(connection, transaction, tenantId, found.Network, cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE settlement_withdrawal SET state = @state, reviewed_by = @actor, reviewed_at = @at, review_note = @note
            WHERE id = @id AND state = 'requested'
            """, new { id, state = approve ? "approved" : "rejected", actor, at = at.UtcDateTime, note }, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return (found, WithdrawalRefusal.AlreadyReviewed);
        }
        if (!approve)
        {
            await MoveAsync(connection, transaction, tenantId, found.Network, "withdrawal-returned", found.Amount, id, actor, at, cancellationToken);
        }
        var reviewed = (await FindAsync(connection, transaction, "id = @id", new { id }, cancellationToken))!;
        await alsoInTransaction(transaction, reviewed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (reviewed, WithdrawalRefusal.None);
    }

    public async Task<IReadOnlyList<Withdrawal>> WithdrawalsAsync(string tenantId, string? network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Withdrawal>(new CommandDefinition(
            $"{Select} WHERE tenant_id = @tenantId AND (@network::text IS NULL OR network = @network) ORDER BY id",
            new { tenantId, network }, cancellationToken: cancellationToken))];
    }

    private const string Credited = "coalesce(sum(amount) FILTER (WHERE kind = 'fee'), 0)";
    private const string Withdrawn = "(coalesce(sum(amount) FILTER (WHERE kind = 'withdrawal'), 0) - coalesce(sum(amount) FILTER (WHERE kind = 'withdrawal-returned'), 0))";
    private const string Select = """
        SELECT id AS Id, network AS Network, amount AS Amount, request_id AS RequestId, state AS State, requested_by AS RequestedBy,
               requested_at AS RequestedAt, reviewed_by AS ReviewedBy, reviewed_at AS ReviewedAt, review_note AS ReviewNote
        FROM settlement_withdrawal
        """;

    private static Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string network, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('settlement-pool:' || @tenantId || '/' || @network, 11))",
            new { tenantId, network }, transaction, cancellationToken: cancellationToken));

    private static Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string network, string kind, decimal amount, long withdrawalId,
        string actor, DateTimeOffset at, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO settlement_movement (tenant_id, network, kind, amount, reference, actor, at)
            VALUES (@tenantId, @network, @kind, @amount, 'withdrawal-' || @withdrawalId, @actor, @at)
            """, new { tenantId, network, kind, amount, withdrawalId, actor, at = at.UtcDateTime }, transaction, cancellationToken: cancellationToken));

    private static async Task<Withdrawal?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string where, object parameters,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<Withdrawal>(new CommandDefinition($"{Select} WHERE {where}", parameters, transaction, cancellationToken: cancellationToken)))
            .FirstOrDefault();
}
