using Microsoft.Extensions.DependencyInjection;
using Processes.Activities.Settlement;

namespace Processes.Tests.Activities;

/// <summary>
/// Per-order settlement: the settlement-credit activity credits an order's fee to its network's pool once, whatever
/// re-runs, retries or second jobs for the same order do; the pool refuses a withdrawal above what it has, serialises
/// concurrent ones, and returns a rejected withdrawal.
/// </summary>
public sealed class SettlementCreditActivityTests : ActivityTest
{
    private const string D = "<default>";

    [Test]
    public async Task An_order_fee_is_credited_once_under_re_runs_and_retries()
    {
        var credit = Handler("settlement-credit", []);
        var job = Job("settlement-credit", """{"network": "net-a", "serviceOrderId": "TM-1", "fee": 180.50, "period": "2026-11"}""");

        var first = Completed(await credit.HandleAsync(job, CancellationToken.None));
        var rerun = Completed(await credit.HandleAsync(job, CancellationToken.None));
        var retry = Completed(await credit.HandleAsync(Job("settlement-credit", """{"network": "net-a", "serviceOrderId": "TM-1", "fee": 180.50}"""),
            CancellationToken.None));
        Completed(await credit.HandleAsync(Job("settlement-credit", """{"network": "net-a", "serviceOrderId": "TM-2", "fee": 19.5}"""), CancellationToken.None));

        first["settlementCredited"]!.GetValue<bool>().ShouldBeTrue();
        rerun["settlementCredited"]!.GetValue<bool>().ShouldBeFalse();
        retry["settlementCredited"]!.GetValue<bool>().ShouldBeFalse("another job for the same order credits nothing");
        var pool = Services([]).GetRequiredService<SettlementPool>();
        (await pool.BalancesAsync(D, "net-a", CancellationToken.None)).ShouldHaveSingleItem().ShouldBe(new PoolBalance("net-a", 200m, 0m, 200m));
    }

    [TestCase("""{"network": "net-a", "serviceOrderId": "TM-3"}""", "fee")]
    [TestCase("""{"network": "net-a", "serviceOrderId": "TM-3", "fee": -5}""", "positive")]
    [TestCase("""{"network": "net-a", "serviceOrderId": "TM-3", "fee": 1.005}""", "two decimals")]
    [TestCase("""{"serviceOrderId": "TM-3", "fee": 5}""", "network")]
    public async Task A_credit_without_a_usable_fee_network_or_order_fails_without_retries(string variables, string named)
    {
        var failed = Failed(await Handler("settlement-credit", []).HandleAsync(Job("settlement-credit", variables), CancellationToken.None));
        failed.Retryable.ShouldBeFalse();
        failed.Message.ShouldContain(named);
    }

    [Test]
    public async Task A_withdrawal_above_the_pool_is_refused_concurrent_ones_cannot_overspend_and_a_rejected_one_returns()
    {
        var pool = Services([]).GetRequiredService<SettlementPool>();
        await pool.CreditFeeAsync(D, "net-b", "JD-1", 100m, "2026-11", "test", null, DateTimeOffset.UtcNow, CancellationToken.None);
        Task NoAudit(Npgsql.NpgsqlTransaction transaction, Withdrawal withdrawal, CancellationToken cancellationToken) => Task.CompletedTask;

        var above = await pool.RequestWithdrawalAsync(D, "net-b", 100.01m, "w-0", "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None);
        above.Refusal.ShouldBe(WithdrawalRefusal.AbovePool);
        above.Available.ShouldBe(100m);

        // Two requests of 60 at once: the pool's lock lets one through; the other sees 40 left.
        var both = await Task.WhenAll(
            pool.RequestWithdrawalAsync(D, "net-b", 60m, "w-1", "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None),
            pool.RequestWithdrawalAsync(D, "net-b", 60m, "w-2", "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None));
        both.Count(r => r.Refusal == WithdrawalRefusal.None).ShouldBe(1);
        both.Count(r => r.Refusal == WithdrawalRefusal.AbovePool).ShouldBe(1);
        var taken = both.Single(r => r.Refusal == WithdrawalRefusal.None).Withdrawal!;
        (await pool.RequestWithdrawalAsync(D, "net-b", 60m, taken.RequestId, "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None))
            .Withdrawal!.Id.ShouldBe(taken.Id, "the same request id is the same request");
        (await pool.BalancesAsync(D, "net-b", CancellationToken.None)).Single().Available.ShouldBe(40m);

        var rejected = await pool.ReviewAsync(D, taken.Id, false, "wrong account", "finance-lead", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None);
        rejected.Withdrawal!.State.ShouldBe("rejected");
        (await pool.BalancesAsync(D, "net-b", CancellationToken.None)).Single().Available.ShouldBe(100m, "returned to the pool");
        (await pool.ReviewAsync(D, taken.Id, true, null, "finance-lead", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None))
            .Refusal.ShouldBe(WithdrawalRefusal.AlreadyReviewed);
    }

    [Test]
    public async Task Each_tenant_has_its_own_pool_for_the_same_network()
    {
        var credit = Handler("settlement-credit", []);
        var east = Completed(await credit.HandleAsync(Job("settlement-credit", """{"network": "net-t", "serviceOrderId": "TT-1", "fee": 70}""")
            with { TenantId = "st-east" }, CancellationToken.None));
        var west = Completed(await credit.HandleAsync(Job("settlement-credit", """{"network": "net-t", "serviceOrderId": "TT-1", "fee": 30}""")
            with { TenantId = "st-west" }, CancellationToken.None));

        east["settlementCredited"]!.GetValue<bool>().ShouldBeTrue();
        west["settlementCredited"]!.GetValue<bool>().ShouldBeTrue("the same order id in another tenant is another order");
        west["poolAvailable"]!.GetValue<decimal>().ShouldBe(30m);
        var pool = Services([]).GetRequiredService<SettlementPool>();
        (await pool.BalancesAsync("st-east", "net-t", CancellationToken.None)).Single().Available.ShouldBe(70m);
        (await pool.BalancesAsync(D, "net-t", CancellationToken.None)).ShouldBeEmpty();

        Task NoAudit(Npgsql.NpgsqlTransaction transaction, Withdrawal withdrawal, CancellationToken cancellationToken) => Task.CompletedTask;
        (await pool.RequestWithdrawalAsync("st-west", "net-t", 50m, "w-t", "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None))
            .Refusal.ShouldBe(WithdrawalRefusal.AbovePool, "west cannot spend east's fees");
        var taken = (await pool.RequestWithdrawalAsync("st-east", "net-t", 50m, "w-t", "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None)).Withdrawal!;
        (await pool.ReviewAsync("st-west", taken.Id, true, null, "finance", DateTimeOffset.UtcNow, NoAudit, CancellationToken.None))
            .Refusal.ShouldBe(WithdrawalRefusal.NotFound, "another tenant's withdrawal is not found");
        (await pool.WithdrawalsAsync("st-west", null, CancellationToken.None)).ShouldBeEmpty();
        (await pool.WithdrawalsAsync("st-east", null, CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe(taken.Id);
    }
}
