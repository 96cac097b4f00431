using Dapper;
using Processes.Engine.Execution;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>The shipped monthly settlement (Definitions/monthly-settlement.bpmn): started by its cron timer on the 1st.</summary>
public sealed class MonthlySettlementTests : EngineTest
{
    [Test]
    public async Task The_first_of_the_month_starts_the_settlement_of_the_previous_month_reviewed_corrected_and_published()
    {
        await DeployAsync(ShippedDefinitions.Text("monthly-settlement.bpmn"), "monthly-settlement.bpmn");

        var start = await StartTimerAsync();
        start.DueAt.ShouldBe(new DateTime(2026, 12, 1, 1, 0, 0, DateTimeKind.Utc), "01:00 on the 1st after Monday 23 Nov 2026");
        Clock.Set(new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero));
        (await Engine.TriggerTimerAsync(start.Key, CancellationToken.None)).Ok.ShouldBeTrue();
        (await StartTimerAsync()).DueAt.ShouldBe(new DateTime(2027, 1, 1, 1, 0, 0, DateTimeKind.Utc), "the next month is scheduled");

        var settlement = (await InstancesOfAsync("monthly-settlement")).ShouldHaveSingleItem();
        (await IncidentsAsync(settlement)).ShouldBeEmpty();
        (await VariablesAsync(settlement))["period"]!.GetValue<string>().ShouldBe("2026-11");

        var compute = await TakeJobAsync(settlement, "ComputeSettlement");
        compute.CustomHeaders["method"]!.GetValue<string>().ShouldBe("POST");
        compute.Variables["httpRequestBody"]!["period"]!.GetValue<string>().ShouldBe("2026-11");
        (await Engine.CompleteJobAsync(compute.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        await CompleteTaskAsync(settlement, "ReviewSettlement", """{"settlementApproved": false, "settlementNotes": "refunds of 30 Nov missing"}""");
        await CompleteTaskAsync(settlement, "CorrectSettlement", "{}");
        (await Engine.CompleteJobAsync((await TakeJobAsync(settlement, "ComputeSettlement")).Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        await CompleteTaskAsync(settlement, "ReviewSettlement", """{"settlementApproved": true, "settlementNotes": "checked"}""");

        var publish = await TakeJobAsync(settlement, "PublishSettlement");
        publish.Variables["httpRequestBody"]!["notes"]!.GetValue<string>().ShouldBe("checked");
        (await Engine.CompleteJobAsync(publish.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(settlement)).ShouldBe("COMPLETED");
        (await VariablesAsync(settlement))["settlementRounds"]!.GetValue<int>().ShouldBe(2);
    }

    private async Task<(long Key, DateTime DueAt)> StartTimerAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(long, DateTime)>(
            "SELECT key, due_at FROM timer WHERE process_instance_key IS NULL AND element_id = 'FirstOfMonth'")).ToList().ShouldHaveSingleItem();
    }

    private async Task<ActivatedJob> TakeJobAsync(long settlement, string elementId)
    {
        (await IncidentsAsync(settlement)).ShouldBeEmpty();
        var job = (await ActivateAsync("http", 100)).Where(j => j.ProcessInstanceKey == settlement).ToList().ShouldHaveSingleItem();
        job.ElementId.ShouldBe(elementId);
        return job;
    }

    private async Task CompleteTaskAsync(long settlement, string elementId, string variables)
    {
        (await IncidentsAsync(settlement)).ShouldBeEmpty();
        var task = (await OpenTasksAsync(settlement)).ShouldHaveSingleItem();
        task.ElementId.ShouldBe(elementId);
        (await Engine.CompleteUserTaskAsync(task.Key, Vars(variables), task.Version, null, CancellationToken.None)).Ok.ShouldBeTrue();
    }
}
