using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Settlement;

/// <summary>
/// Job type <c>settlement-credit</c>: per-order settlement. Credits the order's fee (<c>fee</c>, decimal) to the
/// settlement pool of its network (<c>network</c>) for <c>period</c> ("yyyy-MM"), keyed by <c>serviceOrderId</c>: a
/// re-run, a retried job or a second instance for the same order credits nothing more. Answers
/// <c>settlementCredited</c> (true the first time) and <c>poolAvailable</c>, the network's pool afterwards.
/// </summary>
internal sealed class SettlementCreditHandler(SettlementPool pool, TimeProvider clock) : IJobHandler
{
    public string Type => "settlement-credit";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var network = JobInputs.Text(job, "network");
        var orderId = JobInputs.Text(job, "serviceOrderId");
        var fee = JobInputs.Number(job, "fee");
        var period = JobInputs.Text(job, "period") ?? clock.GetUtcNow().ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var missing = new[] { ("network", string.IsNullOrWhiteSpace(network)), ("serviceOrderId", string.IsNullOrWhiteSpace(orderId)), ("fee", fee is null) }
            .Where(m => m.Item2).Select(m => m.Item1).ToList();
        if (missing.Count > 0)
        {
            return JobOutcome.Fail($"A settlement credit needs the variable(s) {string.Join(", ", missing)}.", retryable: false);
        }
        if (fee <= 0 || decimal.Round(fee!.Value, 2) != fee)
        {
            return JobOutcome.Fail($"A fee must be positive with at most two decimals, not {fee}.", retryable: false);
        }
        var credited = await pool.CreditFeeAsync(job.TenantId, network!, orderId!, fee.Value, period, $"job:{job.Key}", job.ProcessInstanceKey, clock.GetUtcNow(), cancellationToken);
        var balance = (await pool.BalancesAsync(job.TenantId, network, cancellationToken)).Single();
        return JobOutcome.Complete(new JsonObject { ["settlementCredited"] = credited, ["poolAvailable"] = balance.Available });
    }
}
