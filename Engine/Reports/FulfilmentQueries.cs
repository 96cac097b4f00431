using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Reports;

/// <summary>
/// The on-site service reports, from the fulfilment and settlement instances' own variables and tasks (what the
/// shipped models record, see Definitions/service-fulfilment.bpmn and monthly-settlement.bpmn), only of the
/// instances the caller may see: per service network, how technicians accept the orders offered to them and how
/// visits verify, and per network and month the fees released, frozen and paid out. Amounts are decimal.
/// </summary>
public sealed class FulfilmentQueries(NpgsqlDataSource dataSource, string fulfilmentProcessId, string settlementProcessId)
{
    public FulfilmentQueries(NpgsqlDataSource dataSource) : this(dataSource, "service-fulfilment", "monthly-settlement")
    {
    }

    /// <summary>
    /// Orders started in the range per network: acceptance offers (Accept tasks) decided, of them accepted, and
    /// verifications (codeVerified recorded), of them verified. A declined or lapsed offer sends the order back to
    /// dispatch and only an acceptance goes on, so an order's offers hold one accepted at most: the last, when the
    /// order's <c>accepted</c> (the Accept task's output) is true.
    /// </summary>
    public async Task<IReadOnlyList<FulfilmentRow>> FulfilmentAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new { from = filter.From.UtcDateTime, to = filter.To.UtcDateTime, process = fulfilmentProcessId });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        if (filter.ProcessId is not null && filter.ProcessId != fulfilmentProcessId)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Network, long Orders, long Offers, long Accepted, long Verifications, long Verified)>(new CommandDefinition($"""
            WITH orders AS (
                SELECT i.key, coalesce(so.value->>'network', '(none)') AS network, cv.value AS code_verified, ac.value AS accepted
                FROM process_instance i
                LEFT JOIN variable so ON so.scope_key = i.key AND so.name = 'serviceOrder'
                LEFT JOIN variable cv ON cv.scope_key = i.key AND cv.name = 'codeVerified'
                LEFT JOIN variable ac ON ac.scope_key = i.key AND ac.name = 'accepted'
                WHERE i.bpmn_process_id = @process AND i.started_at >= @from AND i.started_at < @to AND {visible}),
            offers AS (
                SELECT o.key, count(*) AS decided
                FROM orders o JOIN user_task t ON t.process_instance_key = o.key AND t.element_id = 'Accept'
                WHERE t.state <> 'CREATED' GROUP BY o.key)
            SELECT o.network, count(*), coalesce(sum(f.decided), 0)::bigint,
                   count(*) FILTER (WHERE o.accepted = 'true'::jsonb AND f.decided > 0),
                   count(*) FILTER (WHERE o.code_verified IS NOT NULL AND o.code_verified <> 'null'::jsonb),
                   count(*) FILTER (WHERE o.code_verified = 'true'::jsonb)
            FROM orders o LEFT JOIN offers f ON f.key = o.key
            GROUP BY o.network ORDER BY o.network
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FulfilmentRow(r.Network, r.Orders, r.Offers, r.Accepted, r.Verifications, r.Verified))];
    }

    /// <summary>
    /// Per network and month ("yyyy-MM") within the range: fees released to the ledger (feeStatus released, in its
    /// feePeriod), fees frozen (in the month the order started), and what the monthly settlement paid the network for that month.
    /// </summary>
    public async Task<IReadOnlyList<SettlementRow>> SettlementAsync(Caller caller, ReportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new
        {
            first = filter.From.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            last = filter.To.UtcDateTime.AddTicks(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            fulfilment = fulfilmentProcessId,
            settlement = settlementProcessId,
        });
        var visible = VisibilityRule.Instance(caller, "i", parameters);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Network, string Period, long ReleasedOrders, decimal Released, long FrozenOrders, decimal Frozen, decimal Paid)>(
            new CommandDefinition($"""
            WITH fees AS (
                SELECT coalesce(so.value->>'network', '(none)') AS network, fs.value #>> ARRAY[]::text[] AS status,
                       coalesce(fp.value #>> ARRAY[]::text[], to_char(i.started_at, 'YYYY-MM')) AS period,
                       CASE WHEN jsonb_typeof(so.value->'fee') = 'number' THEN (so.value->>'fee')::numeric ELSE 0 END AS fee
                FROM process_instance i
                JOIN variable fs ON fs.scope_key = i.key AND fs.name = 'feeStatus'
                LEFT JOIN variable so ON so.scope_key = i.key AND so.name = 'serviceOrder'
                LEFT JOIN variable fp ON fp.scope_key = i.key AND fp.name = 'feePeriod'
                WHERE i.bpmn_process_id = @fulfilment AND {visible}),
            paid AS (
                SELECT p.value->>'network' AS network, pe.value #>> ARRAY[]::text[] AS period,
                       sum(CASE WHEN jsonb_typeof(p.value->'amount') = 'number' THEN (p.value->>'amount')::numeric ELSE 0 END) AS amount
                FROM process_instance i
                JOIN variable pe ON pe.scope_key = i.key AND pe.name = 'period'
                JOIN variable pn ON pn.scope_key = i.key AND pn.name = 'paidNetworks' AND jsonb_typeof(pn.value) = 'array'
                CROSS JOIN LATERAL jsonb_array_elements(pn.value) AS p(value)
                WHERE i.bpmn_process_id = @settlement AND {visible}
                GROUP BY 1, 2),
            released AS (
                SELECT network, period, count(*) FILTER (WHERE status = 'released') AS released_orders,
                       coalesce(sum(fee) FILTER (WHERE status = 'released'), 0) AS released,
                       count(*) FILTER (WHERE status = 'frozen') AS frozen_orders, coalesce(sum(fee) FILTER (WHERE status = 'frozen'), 0) AS frozen
                FROM fees GROUP BY 1, 2)
            SELECT coalesce(r.network, p.network), coalesce(r.period, p.period), coalesce(r.released_orders, 0), coalesce(r.released, 0),
                   coalesce(r.frozen_orders, 0), coalesce(r.frozen, 0), coalesce(p.amount, 0)
            FROM released r FULL JOIN paid p ON p.network = r.network AND p.period = r.period
            WHERE coalesce(r.period, p.period) BETWEEN @first AND @last
            ORDER BY 2, 1
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SettlementRow(r.Network, r.Period, r.ReleasedOrders, r.Released, r.FrozenOrders, r.Frozen, r.Paid))];
    }
}

/// <summary>One network's orders started in the range: acceptance offers decided and accepted, verifications recorded and passed.</summary>
public sealed record FulfilmentRow(string Network, long Orders, long Offers, long Accepted, long Verifications, long Verified)
{
    public double? AcceptanceRatePercent => Offers == 0 ? null : Math.Round(100.0 * Accepted / Offers, 1);

    public double? VerificationRatePercent => Verifications == 0 ? null : Math.Round(100.0 * Verified / Verifications, 1);
}

/// <summary>One network's month: fees released (orders, amount), frozen (orders, amount), paid by the monthly settlement.</summary>
public sealed record SettlementRow(string Network, string Period, long ReleasedOrders, decimal Released, long FrozenOrders, decimal Frozen, decimal Paid);
