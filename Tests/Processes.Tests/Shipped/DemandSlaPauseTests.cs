using Dapper;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Tests.Calendars;

namespace Processes.Tests.Shipped;

/// <summary>
/// SLA clocks that pause: a demand waiting on the customer stops consuming its resolution budget; its 50/75/100 %
/// timers come back on resume, planned from what was left, in working time of "cn-support" (Mon–Fri 09–12, 13–18,
/// Saturday 10–14). The clock is the test's manual clock.
/// </summary>
public sealed class DemandSlaPauseTests : DemandModelTest
{
    private static readonly DateTimeOffset FridayMorning = TestCalendars.Cn(11, 27, 9);
    private static readonly AuditActor Ann = new("ann");

    private async Task<Ticket> OpenFridayTicketAsync(string demandId)
    {
        Clock.Set(FridayMorning);
        var demand = await StartDemandAsync(demandId, "regular", """{"firstResponseTarget": "PT40H"}""");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        return await OpenTicketAsync(demand);
    }

    [Test]
    public async Task A_demand_paused_over_the_weekend_breaches_when_its_remaining_working_time_runs_out_not_earlier()
    {
        var ticket = await OpenFridayTicketAsync("D-2001");
        var demand = (await ParentOfAsync(ticket.ProcessInstanceKey))!.Value;
        (await TimersAsync(ticket.ProcessInstanceKey)).Where(t => t.ElementId == "Sla100").ShouldHaveSingleItem().DueAt
            .ShouldBe(TestCalendars.Cn(11, 27, 18).UtcDateTime, "PT8H from Friday 09:00");

        // Friday 11:00: two working hours used, six left. The agent asks the customer for a photo and waits.
        Clock.Set(TestCalendars.Cn(11, 27, 11));
        var paused = await Engine.PauseSlaAsync(Caller.System, ticket.ProcessInstanceKey, "waiting on the customer's photo", Ann, CancellationToken.None);
        paused.Ok.ShouldBeTrue(paused.Message);
        paused.Value!.ProcessInstanceKey.ShouldBe(demand, "the case is the demand, whichever of its instances was named");
        paused.Value.Timers.ShouldBe(3);
        (await TimersAsync(ticket.ProcessInstanceKey)).Select(t => t.ElementId).ShouldBe(["FirstResponseDue"], "the first-response timer has no slaClock");
        (await Engine.PauseSlaAsync(Caller.System, demand, "again", Ann, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);
        (await CountAsync("SELECT count(*) FROM sla_paused_task WHERE user_task_key = @Key", new { ticket.Key })).ShouldBe(1, "the inbox shows it paused");

        // Friday 18:00 — when the SLA would have broken — and the whole Saturday pass without a firing.
        foreach (var at in new[] { TestCalendars.Cn(11, 27, 18), TestCalendars.Cn(11, 28, 14), TestCalendars.Cn(11, 30, 9, 59) })
        {
            Clock.Set(at);
            (await FireDueTimersAsync(demand)).ShouldBeEmpty($"nothing fires while paused ({at:O})");
        }
        (await Engine.UserTasks.RecordSlaWarningsAsync(TestCalendars.Cn(11, 30, 9, 59), CancellationToken.None)).ShouldBe(0);
        (await CountAsync("SELECT count(*) FROM execution_history WHERE event = 'TASK_SLA_BREACHED' AND process_instance_key = @p",
            new { p = ticket.ProcessInstanceKey })).ShouldBe(0, "a paused task is not past its due date");

        // Monday 10:00 the customer answers: six working hours left, from now.
        Clock.Set(TestCalendars.Cn(11, 30, 10));
        var resumed = await Engine.ResumeSlaAsync(Caller.System, ticket.ProcessInstanceKey, Ann, CancellationToken.None);
        resumed.Ok.ShouldBeTrue(resumed.Message);
        resumed.Value!.Timers.ShouldBe(3);
        resumed.Value.PausedFor.ShouldBe(TimeSpan.FromHours(71));
        resumed.Value.PausedWorkingTime.ShouldBe(TimeSpan.FromHours(11), "Friday 11–12 and 13–18, Saturday 10–14, Monday 09–10");
        (await TimersAsync(ticket.ProcessInstanceKey)).Where(t => t.ElementId.StartsWith("Sla", StringComparison.Ordinal))
            .Select(t => (t.ElementId, t.DueAt)).OrderBy(t => t.DueAt).ShouldBe([
                ("Sla50", TestCalendars.Cn(11, 30, 12).UtcDateTime),
                ("Sla75", TestCalendars.Cn(11, 30, 15).UtcDateTime),
                ("Sla100", TestCalendars.Cn(11, 30, 17).UtcDateTime)]);
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            (await connection.QuerySingleAsync<DateTime>("SELECT due_date FROM user_task WHERE key = @Key", new { ticket.Key }))
                .ShouldBe(TestCalendars.Cn(11, 30, 17).UtcDateTime, "the ticket's due date moves with its SLA");
        }
        (await CountAsync("SELECT count(*) FROM sla_paused_task")).ShouldBe(0);
        (await Engine.ResumeSlaAsync(Caller.System, demand, Ann, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState);

        // The breach comes exactly when the remaining budget runs out: not at 16:59, at 17:00.
        Clock.Set(TestCalendars.Cn(11, 30, 16, 59));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla50", "Sla75"], ignoreOrder: true);
        Clock.Set(TestCalendars.Cn(11, 30, 17));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla100"]);

        // The ledger and the history show the paused time separately; both commands were audited.
        var clock = (await new SlaClockQueries(DataSource).ClockAsync(Caller.System, ticket.ProcessInstanceKey, CancellationToken.None))!;
        clock.ProcessInstanceKey.ShouldBe(demand);
        clock.Paused.ShouldBeFalse();
        clock.Pauses.ShouldHaveSingleItem().Reason.ShouldBe("waiting on the customer's photo");
        clock.PausedTotal.ShouldBe(TimeSpan.FromHours(71));
        clock.PausedWorkingTotal.ShouldBe(TimeSpan.FromHours(11));
        (await HistoryAsync(ticket.ProcessInstanceKey, "SLA_PAUSED")).ShouldBe(["WorkTicket"]);
        (await CountAsync("SELECT count(*) FROM execution_history WHERE event = 'SLA_RESUMED' AND process_instance_key = @demand AND details->>'pausedWorkingTime' = 'PT11H'",
            new { demand })).ShouldBe(1);
        (await CountAsync("SELECT count(*) FROM audit_log WHERE target_id = @id AND action IN ('sla.paused', 'sla.resumed')", new { id = demand.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
            .ShouldBe(2);

        // The SLA report counts the paused task and its paused time apart from the rest.
        var sla = await new Processes.Engine.Reports.ReportQueries(DataSource, Clock).SlaAsync(Caller.System,
            new Processes.Engine.Reports.ReportFilter(FridayMorning.AddDays(-1), FridayMorning.AddDays(5), "sla-escalation"),
            Processes.Engine.Reports.ReportDimension.Process, CancellationToken.None);
        var row = sla.ShouldHaveSingleItem();
        row.Paused.ShouldBe(1);
        row.PausedSeconds.ShouldBe(71 * 3600);
        row.PausedWorkingSeconds.ShouldBe(11 * 3600);
    }

    [Test]
    public async Task A_ticket_closed_while_paused_leaves_nothing_to_replan_and_a_case_without_a_running_sla_cannot_pause()
    {
        var ticket = await OpenFridayTicketAsync("D-2002");
        var demand = (await ParentOfAsync(ticket.ProcessInstanceKey))!.Value;
        (await Engine.PauseSlaAsync(Caller.System, demand, " ", Ann, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidArgument);
        (await Engine.PauseSlaAsync(Caller.System, 4242, "waiting", Ann, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        (await Engine.PauseSlaAsync(Caller.System, demand, "waiting on the merchant", Ann, CancellationToken.None)).Ok.ShouldBeTrue();

        Clock.Set(TestCalendars.Cn(11, 27, 15));
        await CompleteTicketAsync(ticket, """{"ticketOutcome": "resolved", "completionStandard": "information-provided"}""");
        var resumed = await Engine.ResumeSlaAsync(Caller.System, demand, Ann, CancellationToken.None);
        resumed.Ok.ShouldBeTrue(resumed.Message);
        resumed.Value!.Timers.ShouldBe(0, "the ticket it watched is closed");
        (await CountAsync("SELECT count(*) FROM timer WHERE process_instance_key = @p", new { p = ticket.ProcessInstanceKey })).ShouldBe(0);
        (await Engine.PauseSlaAsync(Caller.System, demand, "waiting", Ann, CancellationToken.None)).Error.ShouldBe(CommandError.InvalidState,
            "no SLA timer runs any more");
    }
}
