using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Execution;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped monthly settlement (Definitions/monthly-settlement.bpmn): started by its cron timer on the 1st, it gathers
/// the released fees per network, finance reconciles each network, the approved ones are paid out, the period closed.
/// </summary>
public sealed class MonthlySettlementTests : EngineTest
{
    [SetUp]
    public Task DeployShippedModel() => DeployAsync(ShippedDefinitions.Text("monthly-settlement.bpmn"), "monthly-settlement.bpmn");

    [Test]
    public async Task The_first_of_the_month_settles_each_network_finance_corrects_one_holds_one_and_the_rest_is_paid_once_per_network()
    {
        var (settlement, period) = await FireFirstOfMonthAsync();

        var gather = await TakeJobAsync(settlement, "http", "GatherFees");
        gather.CustomHeaders["method"]!.GetValue<string>().ShouldBe("GET");
        gather.CustomHeaders["url"]!.GetValue<string>().ShouldBe("{{secrets.LEDGER_URL}}/fees/released");
        gather.Variables["httpQuery"]!["period"]!.GetValue<string>().ShouldBe(period);
        await CompleteJobAsync(gather, """
            {"httpStatus": 200, "httpBody": {"fees": [
              {"serviceOrderId": "TM-1", "network": "net-hz", "fee": 180}, {"serviceOrderId": "JD-1", "network": "net-nb", "fee": 99.5},
              {"serviceOrderId": "TM-2", "network": "net-hz", "fee": 60}, {"serviceOrderId": "JD-2", "network": "net-sh", "fee": 40}]}}
            """);
        var variables = await VariablesAsync(settlement);
        variables["feeCount"]!.GetValue<int>().ShouldBe(4);
        ShouldBeJson(variables["networks"], """
            [{"network": "net-hz", "orders": 2, "amount": 240}, {"network": "net-nb", "orders": 1, "amount": 99.5}, {"network": "net-sh", "orders": 1, "amount": 40}]
            """);

        var tasks = await OpenTasksAsync(settlement);
        tasks.Count.ShouldBe(3, "one reconciliation per network");
        var byNetwork = new Dictionary<string, long>();
        foreach (var task in tasks)
        {
            byNetwork[(await TaskLocalAsync(task.Key, "network"))!["network"]!.GetValue<string>()] = task.Key;
        }
        await CompleteTaskAsync(byNetwork["net-nb"], """{"approved": true, "adjustedAmount": 89.5, "reconcileNotes": "one visit refunded"}""");
        await CompleteTaskAsync(byNetwork["net-sh"], """{"approved": false, "reconcileNotes": "disputed"}""");
        await CompleteTaskAsync(byNetwork["net-hz"], """{"approved": true}""");

        ShouldBeJson((await VariablesAsync(settlement))["heldNetworks"], """
            [{"network": "net-sh", "orders": 1, "ledgerAmount": 40, "amount": 40, "approved": false, "notes": "disputed"}]
            """);
        var payouts = (await ActivateAsync("refund", 100)).Where(j => j.ProcessInstanceKey == settlement).ToList();
        payouts.Count.ShouldBe(2, "the held network is not paid");
        var hz = payouts.Single(p => p.Variables["orderId"]!.GetValue<string>() == $"settlement-{period}-net-hz");
        hz.Variables["amount"]!.GetValue<decimal>().ShouldBe(240m);
        hz.Variables["currency"]!.GetValue<string>().ShouldBe("CNY");
        hz.Variables["financeApproved"]!.GetValue<bool>().ShouldBeTrue();
        hz.Variables["reason"]!.GetValue<string>().ShouldBe($"service fees {period} of network net-hz (2 orders)");
        var nb = payouts.Single(p => p.Variables["orderId"]!.GetValue<string>() == $"settlement-{period}-net-nb");
        nb.Variables["amount"]!.GetValue<decimal>().ShouldBe(89.5m, "finance's correction");
        await CompleteJobAsync(nb, """{"refundId": "P-2", "refundStatus": "REFUNDED"}""");
        await CompleteJobAsync(hz, """{"refundId": "P-1", "refundStatus": "REFUNDED"}""");

        var close = await TakeJobAsync(settlement, "http", "ClosePeriod");
        close.CustomHeaders["url"]!.GetValue<string>().ShouldBe("{{secrets.LEDGER_URL}}/periods/close");
        var body = close.Variables["httpRequestBody"]!;
        body["period"]!.GetValue<string>().ShouldBe(period);
        body["total"]!.GetValue<decimal>().ShouldBe(329.5m);
        ShouldBeJson(body["paid"], """
            [{"network": "net-hz", "amount": 240, "payoutId": "P-1", "status": "REFUNDED"}, {"network": "net-nb", "amount": 89.5, "payoutId": "P-2", "status": "REFUNDED"}]
            """);
        body["held"]!.AsArray().Count.ShouldBe(1);
        await CompleteJobAsync(close);

        (await StateAsync(settlement)).ShouldBe("COMPLETED");
        variables = await VariablesAsync(settlement);
        variables["settlementStatus"]!.GetValue<string>().ShouldBe("closed");
        variables["settledTotal"]!.GetValue<decimal>().ShouldBe(329.5m);
    }

    [Test]
    public async Task A_month_without_released_fees_closes_at_once()
    {
        var (settlement, period) = await FireFirstOfMonthAsync();
        await CompleteJobAsync(await TakeJobAsync(settlement, "http", "GatherFees"), """{"httpStatus": 200, "httpBody": {"fees": []}}""");

        var close = await TakeJobAsync(settlement, "http", "ClosePeriod");
        ShouldBeJson(close.Variables["httpRequestBody"], $$"""{"period": "{{period}}", "paid": [], "held": [], "total": 0}""");
        await CompleteJobAsync(close);
        (await StateAsync(settlement)).ShouldBe("COMPLETED");
        (await OpenTasksAsync(settlement)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_payout_the_payment_api_declines_is_an_incident_on_that_network_while_the_other_network_is_paid()
    {
        var (settlement, _) = await FireFirstOfMonthAsync();
        await CompleteJobAsync(await TakeJobAsync(settlement, "http", "GatherFees"), """
            {"httpStatus": 200, "httpBody": {"fees": [{"serviceOrderId": "A", "network": "net-a", "fee": 10}, {"serviceOrderId": "B", "network": "net-b", "fee": 20}]}}
            """);
        foreach (var task in await OpenTasksAsync(settlement))
        {
            await CompleteTaskAsync(task.Key, """{"approved": true}""");
        }
        var payouts = (await ActivateAsync("refund", 100)).Where(j => j.ProcessInstanceKey == settlement).ToList();
        payouts.Count.ShouldBe(2);
        var declined = payouts.Single(p => p.Variables["amount"]!.GetValue<decimal>() == 10m);
        (await Engine.ThrowJobErrorAsync(declined.Key, "REFUND_DECLINED", "account closed", null, CancellationToken.None)).Ok.ShouldBeTrue();
        await CompleteJobAsync(payouts.Single(p => p != declined), """{"refundId": "P-B", "refundStatus": "REFUNDED"}""");

        var incident = (await IncidentsAsync(settlement)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("PayOut");
        incident.Message.ShouldContain("REFUND_DECLINED");
        (await StateAsync(settlement)).ShouldBe("ACTIVE", "the period is not closed while a payout is open");
        (await HistoryAsync(settlement)).Count(e => e == "PayOut").ShouldBe(1, "net-b's payout completed");
    }

    [Test]
    public async Task A_ledger_answer_without_fees_is_an_incident_on_the_reconciliation_not_a_crash()
    {
        var (settlement, period) = await FireFirstOfMonthAsync();
        await CompleteJobAsync(await TakeJobAsync(settlement, "http", "GatherFees"), """{"httpStatus": 200, "httpBody": "maintenance"}""");

        var incident = (await IncidentsAsync(settlement)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("Reconcile");
        incident.Message.ShouldContain("networks");
    }

    /// <summary>
    /// The cron start is due at 01:00 on a 1st; firing it starts the settlement of the month before and schedules the
    /// next 1st. The fixture shares one database, so a later test finds the timer a test before it left: each test
    /// settles the month its timer is due in.
    /// </summary>
    private async Task<(long Settlement, string Period)> FireFirstOfMonthAsync()
    {
        var start = await StartTimerAsync();
        var due = new DateTimeOffset(start.DueAt, TimeSpan.Zero);
        (due.Day, due.Hour, due.Minute).ShouldBe((1, 1, 0), "01:00 on the 1st");
        due.ShouldBeGreaterThan(StartTime);
        Clock.Set(due);
        var before = await InstancesOfAsync("monthly-settlement");
        (await Engine.TriggerTimerAsync(start.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StartTimerAsync()).DueAt.ShouldBe(due.AddMonths(1).UtcDateTime, "the next month is scheduled");
        var settlement = (await InstancesOfAsync("monthly-settlement")).Except(before).ShouldHaveSingleItem();
        var period = due.AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        (await VariablesAsync(settlement))["period"]!.GetValue<string>().ShouldBe(period);
        return (settlement, period);
    }

    private async Task<(long Key, DateTime DueAt)> StartTimerAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(long, DateTime)>(
            "SELECT key, due_at FROM timer WHERE process_instance_key IS NULL AND element_id = 'FirstOfMonth'")).ToList().ShouldHaveSingleItem();
    }

    /// <summary>A local variable of a task's element instance (the multi-instance input element).</summary>
    private async Task<JsonNode?> TaskLocalAsync(long taskKey, string name)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var text = await connection.ExecuteScalarAsync<string>(
            "SELECT v.value::text FROM variable v JOIN user_task t ON t.element_instance_key = v.scope_key WHERE t.key = @taskKey AND v.name = @name",
            new { taskKey, name });
        return text is null ? null : JsonNode.Parse(text);
    }

    private async Task CompleteTaskAsync(long taskKey, string variables)
    {
        var result = await Engine.CompleteUserTaskAsync(taskKey, Vars(variables), null, null, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    private async Task<ActivatedJob> TakeJobAsync(long settlement, string type, string elementId)
    {
        (await IncidentsAsync(settlement)).ShouldBeEmpty();
        var job = (await ActivateAsync(type, 100)).Where(j => j.ProcessInstanceKey == settlement).ToList().ShouldHaveSingleItem();
        job.ElementId.ShouldBe(elementId);
        return job;
    }

    private async Task CompleteJobAsync(ActivatedJob job, string? variables = null)
    {
        var result = await Engine.CompleteJobAsync(job.Key, variables is null ? null : Vars(variables), CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    private static void ShouldBeJson(JsonNode? actual, string expected) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"{actual?.ToJsonString()} should be {expected}");
}
