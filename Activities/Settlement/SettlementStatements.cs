using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace Processes.Activities.Settlement;

/// <summary>A month's statement of one network's settlement pool, every movement of the month listed.</summary>
/// <remarks>
/// Balances count fees and returned withdrawals in, withdrawals (requested or paid) out — what
/// <see cref="PoolBalance.Available"/> counts. <see cref="Movements"/> is the JSON array of the month's movements
/// <c>{id, at, kind, amount, reference, period, actor}</c>, oldest first, as they stood when the statement was made.
/// </remarks>
public sealed record SettlementStatement(long Id, string TenantId, string Network, string Period, DateTime PeriodStart, DateTime PeriodEnd,
    decimal Opening, decimal Credited, decimal Withdrawn, decimal Returned, decimal Closing, int MovementCount, string Movements,
    string GeneratedBy, DateTime GeneratedAt)
{
    public JsonArray MovementList() => JsonNode.Parse(Movements) as JsonArray ?? [];
}

/// <summary>What one generation did: statements made now, and those that existed already (a re-run).</summary>
public sealed record StatementRun(string Period, int Generated, int Existing);

/// <summary>
/// <c>settlement_statement</c>: monthly statements of the settlement pools, per tenant, network and month (UTC). A
/// statement is made once: the unique (tenant, network, period) and ON CONFLICT DO NOTHING make every re-run, retry
/// or second node a no-op, and a statement never changes afterwards (a movement booked late shows in the next
/// month's opening balance, not in a rewritten statement). Only a month that has ended is stated.
/// </summary>
public sealed class SettlementStatements(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id AS Id, tenant_id AS TenantId, network AS Network, period AS Period, period_start AS PeriodStart, period_end AS PeriodEnd,
        opening AS Opening, credited AS Credited, withdrawn AS Withdrawn, returned AS Returned, closing AS Closing,
        movement_count AS MovementCount, movements::text AS Movements, generated_by AS GeneratedBy, generated_at AS GeneratedAt
        """;

    /// <summary>"yyyy-MM" to the month's first instant (UTC), or null when it is not a month.</summary>
    public static DateTime? MonthStart(string? period) =>
        DateTime.TryParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start)
            ? DateTime.SpecifyKind(start, DateTimeKind.Utc)
            : null;

    /// <summary>The month before <paramref name="now"/>'s, "yyyy-MM": what the recurring duty states.</summary>
    public static string PreviousMonth(DateTimeOffset now) => now.UtcDateTime.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>
    /// Makes the statements of <paramref name="period"/> for every pool that existed by its end (of one tenant, or all
    /// when <paramref name="tenantId"/> is null) that has none yet, in one transaction with what the caller records
    /// (its audit row).
    /// </summary>
    public async Task<StatementRun> GenerateAsync(string? tenantId, string period, string actor, DateTimeOffset now,
        Func<NpgsqlTransaction, StatementRun, CancellationToken, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        var start = MonthStart(period) ?? throw new ArgumentException($"'{period}' is not a month (yyyy-MM).", nameof(period));
        var end = start.AddMonths(1);
        if (end > now.UtcDateTime)
        {
            throw new ArgumentException($"The month {period} has not ended yet: a statement lists a whole month.", nameof(period));
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var generated = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO settlement_statement (tenant_id, network, period, period_start, period_end, opening, credited, withdrawn, returned, closing,
                                              movement_count, movements, generated_by, generated_at)
            SELECT m.tenant_id, m.network, @period, @start, @end,
                   COALESCE(sum(m.signed) FILTER (WHERE m.at < @start), 0),
                   COALESCE(sum(m.amount) FILTER (WHERE m.at >= @start AND m.kind = 'fee'), 0),
                   COALESCE(sum(m.amount) FILTER (WHERE m.at >= @start AND m.kind = 'withdrawal'), 0),
                   COALESCE(sum(m.amount) FILTER (WHERE m.at >= @start AND m.kind = 'withdrawal-returned'), 0),
                   COALESCE(sum(m.signed), 0),
                   count(*) FILTER (WHERE m.at >= @start),
                   COALESCE(jsonb_agg(jsonb_build_object('id', m.id::text, 'at', to_char(m.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                                         'kind', m.kind, 'amount', m.amount, 'reference', m.reference, 'period', m.period, 'actor', m.actor)
                                      ORDER BY m.at, m.id) FILTER (WHERE m.at >= @start), '[]'::jsonb),
                   @actor, @now
            FROM (SELECT *, CASE kind WHEN 'withdrawal' THEN -amount ELSE amount END AS signed
                  FROM settlement_movement WHERE at < @end AND (@tenantId::text IS NULL OR tenant_id = @tenantId)) m
            GROUP BY m.tenant_id, m.network
            ON CONFLICT (tenant_id, network, period) DO NOTHING
            """, new { tenantId, period, start, end, actor, now = now.UtcDateTime }, transaction, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM settlement_statement WHERE period = @period AND (@tenantId::text IS NULL OR tenant_id = @tenantId)",
            new { tenantId, period }, transaction, cancellationToken: cancellationToken));
        var run = new StatementRun(period, generated, total - generated);
        if (alsoInTransaction is not null && generated > 0)
        {
            await alsoInTransaction(transaction, run, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return run;
    }

    /// <summary>The tenant's statements, newest month first; optionally of one network or one month.</summary>
    public async Task<IReadOnlyList<SettlementStatement>> ListAsync(string tenantId, string? network, string? period, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<SettlementStatement>(new CommandDefinition($"""
            SELECT {Columns} FROM settlement_statement
            WHERE tenant_id = @tenantId AND (@network::text IS NULL OR network = @network) AND (@period::text IS NULL OR period = @period)
            ORDER BY period DESC, network LIMIT 500
            """, new { tenantId, network, period }, cancellationToken: cancellationToken))];
    }

    public async Task<SettlementStatement?> FindAsync(string tenantId, string network, string period, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SettlementStatement>(new CommandDefinition($"""
            SELECT {Columns} FROM settlement_statement WHERE tenant_id = @tenantId AND network = @network AND period = @period
            """, new { tenantId, network, period }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The statement as CSV (RFC 4180): one row per movement with the running balance, between an opening and a
    /// closing row. A cell that a spreadsheet would read as a formula (=, +, -, @) is prefixed with an apostrophe:
    /// references come from the platforms.
    /// </summary>
    public static string Csv(SettlementStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = new System.Text.StringBuilder("network,period,at,kind,reference,actor,amount,balance\r\n");
        var balance = statement.Opening;
        void Row(string? at, string kind, string? reference, string? actor, decimal? amount) =>
            text.Append(string.Join(',', Cell(statement.Network), Cell(statement.Period), Cell(at), Cell(kind), Cell(reference), Cell(actor),
                amount is { } a ? a.ToString("0.00", CultureInfo.InvariantCulture) : "", balance.ToString("0.00", CultureInfo.InvariantCulture))).Append("\r\n");
        Row(Iso(statement.PeriodStart), "opening", null, null, null);
        foreach (var movement in statement.MovementList().OfType<JsonObject>())
        {
            var kind = movement["kind"]!.GetValue<string>();
            var amount = movement["amount"]!.GetValue<decimal>();
            var signed = kind == "withdrawal" ? -amount : amount;
            balance += signed;
            Row(movement["at"]?.GetValue<string>(), kind, movement["reference"]?.GetValue<string>(), movement["actor"]?.GetValue<string>(), signed);
        }
        Row(Iso(statement.PeriodEnd), "closing", null, null, null);
        return text.ToString();
    }

    private static string Iso(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var safe = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }

    /// <summary>The statement as the API answers it.</summary>
    public static JsonObject Json(SettlementStatement statement, bool withMovements)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var json = new JsonObject
        {
            ["id"] = statement.Id.ToString(CultureInfo.InvariantCulture),
            ["network"] = statement.Network,
            ["period"] = statement.Period,
            ["tenantId"] = statement.TenantId,
            ["opening"] = statement.Opening,
            ["credited"] = statement.Credited,
            ["withdrawn"] = statement.Withdrawn,
            ["returned"] = statement.Returned,
            ["closing"] = statement.Closing,
            ["movementCount"] = statement.MovementCount,
            ["generatedBy"] = statement.GeneratedBy,
            ["generatedAt"] = Iso(statement.GeneratedAt),
        };
        if (withMovements)
        {
            json["movements"] = JsonNode.Parse(statement.Movements, documentOptions: new JsonDocumentOptions { MaxDepth = 8 });
        }
        return json;
    }
}
