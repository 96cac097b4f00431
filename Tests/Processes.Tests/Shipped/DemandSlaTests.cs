using Dapper;
using Processes.Engine.Execution;
using Processes.Tests.Calendars;

namespace Processes.Tests.Shipped;

/// <summary>
/// The SLA of a demand's work ticket: first response, 50/75/100 % of the resolution target in working time, and the
/// targets from the sla-targets decision.
/// </summary>
public sealed class DemandSlaTests : DemandModelTest
{
    [Test]
    public async Task The_sla_reminds_at_50_notifies_the_supervisors_at_75_and_escalates_at_100_percent_in_working_time()
    {
        var demand = await StartDemandAsync("D-1005", "regular");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        var ticket = await OpenTicketAsync(demand);

        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            var (due, followUp) = await connection.QuerySingleAsync<(DateTime, DateTime)>(
                "SELECT due_date, follow_up_date FROM user_task WHERE key = @Key", new { ticket.Key });
            due.ShouldBe(TestCalendars.Cn(11, 24, 18).UtcDateTime, "due when the SLA breaks: 8 working hours");
            followUp.ShouldBe(TestCalendars.Cn(11, 24, 10).UtcDateTime, "follow up when the first response is due");
        }

        // PT8H of working time from Tuesday 09:00 (lunch 12–13): 50 % at 14:00, 75 % at 16:00, 100 % at 18:00;
        // the first response is due after PT1H, at 10:00.
        var timers = await TimersAsync(ticket.ProcessInstanceKey);
        timers.Select(t => (t.ElementId, t.DueAt)).OrderBy(t => t.DueAt).ShouldBe([
            ("FirstResponseDue", TestCalendars.Cn(11, 24, 10).UtcDateTime),
            ("Sla50", TestCalendars.Cn(11, 24, 14).UtcDateTime),
            ("Sla75", TestCalendars.Cn(11, 24, 16).UtcDateTime),
            ("Sla100", TestCalendars.Cn(11, 24, 18).UtcDateTime)]);

        Clock.Set(TestCalendars.Cn(11, 24, 9, 40));
        (await PublishAsync("demand-first-response", "D-1005")).Value!.CorrelatedProcessInstanceKeys.ShouldBe([ticket.ProcessInstanceKey]);
        Clock.Set(TestCalendars.Cn(11, 24, 10));
        (await FireDueTimersAsync(demand)).ShouldBe(["FirstResponseDue"]);

        Clock.Set(TestCalendars.Cn(11, 24, 14));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla50"]);
        (await RunTaskUpdateAsync(demand)).ElementId.ShouldBe("FindHolder");
        var remind = await TakeJobAsync(demand, "sms");
        remind.ElementId.ShouldBe("RemindAssignee");
        remind.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("SLA_REMINDER");
        remind.Variables["recipient"]!.GetValue<string>().ShouldBe("ann");
        remind.Variables["smsParameters"]!["level"]!.GetValue<int>().ShouldBe(50);
        (await Engine.CompleteJobAsync(remind.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await OpenTicketAsync(demand)).Key.ShouldBe(ticket.Key);

        Clock.Set(TestCalendars.Cn(11, 24, 16));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla75"]);
        var notify = await TakeJobAsync(demand, "http");
        notify.ElementId.ShouldBe("NotifySupervisor");
        notify.CustomHeaders["method"]!.GetValue<string>().ShouldBe("POST");
        notify.CustomHeaders["url"]!.GetValue<string>().ShouldBe("{{secrets.SUPERVISOR_CHAT_WEBHOOK}}");
        notify.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>().ShouldBe("Work ticket of demand D-1005 assigned to ann is at 75 % of its SLA (PT8H)");
        (await Engine.CompleteJobAsync(notify.Key, Vars("""{"status": 200}"""), CancellationToken.None)).Ok.ShouldBeTrue();
        (await OpenTicketAsync(demand)).Key.ShouldBe(ticket.Key);

        Clock.Set(TestCalendars.Cn(11, 24, 18));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla100"]);
        var reassign = await TakeJobAsync(demand, "assign");
        reassign.ElementId.ShouldBe("ReassignToEscalation");
        reassign.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("pool");
        ShouldBeJson(reassign.Variables["candidateGroups"], """["escalation"]""");
        reassign.Variables["slaBreach"]!["assignee"]!.GetValue<string>().ShouldBe("ann");
        await CompleteAsync(reassign, null, "escalation", "pool: left to the candidate group(s) escalation");
        var move = await RunTaskUpdateAsync(demand, runs: 2);
        move.ElementId.ShouldBe("MoveTicket");
        var apology = await TakeJobAsync(demand, "sms");
        apology.ElementId.ShouldBe("Apologise");
        apology.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("SLA_APOLOGY");
        apology.Variables["recipient"]!.GetValue<string>().ShouldBe(CustomerPhone);
        ShouldBeJson(apology.Variables["smsParameters"], """{"demandId":"D-1005","orderId":"O-5531"}""");
        (await Engine.CompleteJobAsync(apology.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        // The same ticket, moved: unassigned in the escalation group's queue, 20 points more urgent.
        var moved = await OpenTicketAsync(demand);
        moved.Key.ShouldBe(ticket.Key, "the breach moves the ticket, it does not replace it");
        moved.Assignee.ShouldBeNull();
        moved.Groups.ShouldBe(["escalation"]);
        moved.Priority.ShouldBe(70, "raised by 20 once, though the job ran twice");
        (await Engine.AssignUserTaskAsync(moved.Key, "eve", null, "eve", null, CancellationToken.None)).Ok.ShouldBeTrue();
        await CompleteTicketAsync(await OpenTicketAsync(demand), """{"ticketOutcome": "resolved", "completionStandard": "compensation-received"}""");
        await CompleteJobAsync(demand, "sms", "Survey");
        await AnswerSurveyAsync(demand);

        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        DateTimeOffset.Parse(variables["slaBreach"]!["breachedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(TestCalendars.Cn(11, 24, 18));
        DateTimeOffset.Parse(variables["firstResponseAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(TestCalendars.Cn(11, 24, 9, 40));
        variables.ContainsKey("firstResponseBreach").ShouldBeFalse();
        variables["completionReason"]!.GetValue<string>().ShouldBe("resolved after escalation");
        variables["completionStandard"]!.GetValue<string>().ShouldBe("compensation-received");
        variables["slaCompliance"]!.GetValue<string>().ShouldBe("outside the SLA");
        (await HistoryAsync(ticket.ProcessInstanceKey)).ShouldBe(["TicketOpened", "FirstResponse", "RecordFirstResponse", "Responded", "FirstResponseDue",
            "RespondedInTime", "ResponseInTime", "Sla50", "FindHolder", "HolderKnown", "RemindAssignee", "Reminded", "Sla75", "NotifySupervisor", "SupervisorNotified", "Sla100",
            "RecordBreach", "ReassignToEscalation", "MoveTicket", "Apologise", "Escalated", "WorkTicket", "TicketClosed", "sla-escalation"]);
        (await HistoryAsync(ticket.ProcessInstanceKey, "ELEMENT_TERMINATED")).ShouldBeEmpty();
    }

    [Test]
    public async Task The_targets_come_from_the_sla_targets_decision_so_a_new_version_of_the_table_changes_new_demands()
    {
        var before = await StartDemandAsync("D-1009", "international");
        (await VariablesAsync(before))["slaTarget"]!.GetValue<string>().ShouldBe("PT16H");
        await Engine.CancelInstanceAsync(before, CancellationToken.None);

        // An admin tightens the international target: a new version of the decision, no change to the process.
        await DeployAsync(ShippedDefinitions.Text("sla-targets.dmn").Replace("\"PT16H\"", "\"PT12H\"", StringComparison.Ordinal), "sla-targets.dmn");
        var after = await StartDemandAsync("D-1010", "international");
        var variables = await VariablesAsync(after);
        variables["slaTarget"]!.GetValue<string>().ShouldBe("PT12H");
        variables["firstResponseTarget"]!.GetValue<string>().ShouldBe("PT1H");
        (await HistoryAsync(after, "DECISION_EVALUATED")).ShouldBe(["Triage"]);

        var given = await StartDemandAsync("D-1011", "international", """{"slaTarget": "PT2H", "priority": 95}""");
        (await VariablesAsync(given))["slaTarget"]!.GetValue<string>().ShouldBe("PT2H", "a target given at the start wins over the table");
        (await VariablesAsync(given))["priority"]!.GetValue<int>().ShouldBe(95);
    }

    [Test]
    public async Task At_50_percent_a_ticket_waiting_unassigned_in_a_queue_has_nobody_to_remind()
    {
        var demand = await StartDemandAsync("D-1012", "regular", """{"firstResponseTarget": "PT40H"}""");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), null, "after-sales", "pool");
        var ticket = await OpenTicketAsync(demand);
        ticket.Assignee.ShouldBeNull();

        Clock.Set(TestCalendars.Cn(11, 24, 14));
        (await FireDueTimersAsync(demand)).ShouldBe(["Sla50"]);
        await RunTaskUpdateAsync(demand);
        (await ActivateAsync("sms", 10)).ShouldBeEmpty("no SMS to nobody");
        (await HistoryAsync(ticket.ProcessInstanceKey)).ShouldContain("NobodyToRemind");
        (await OpenTicketAsync(demand)).Key.ShouldBe(ticket.Key);
    }

    [Test]
    public async Task A_first_response_missed_is_recorded_and_the_supervisors_are_told()
    {
        var demand = await StartDemandAsync("D-1008", "VIP");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "vip-desk", "VIP desk");
        var ticket = await OpenTicketAsync(demand);

        Clock.Set(TestCalendars.Cn(11, 24, 9, 30));
        (await FireDueTimersAsync(demand)).ShouldBe(["FirstResponseDue"], "VIP: the first response is due after PT30M");
        var notify = await TakeJobAsync(demand, "http");
        notify.ElementId.ShouldBe("FirstResponseMissed");
        notify.Variables["httpRequestBody"]!["text"]!["content"]!.GetValue<string>()
            .ShouldBe("Work ticket of demand D-1008 has had no first response within PT30M (assignee ann)");
        (await Engine.CompleteJobAsync(notify.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await OpenTicketAsync(demand)).Key.ShouldBe(ticket.Key, "a missed first response does not interrupt the ticket");

        // A late first response is still recorded; the miss stays on record.
        Clock.Set(TestCalendars.Cn(11, 24, 9, 45));
        (await PublishAsync("demand-first-response", "D-1008")).Ok.ShouldBeTrue();
        await CompleteTicketAsync(ticket, """{"ticketOutcome": "resolved", "completionStandard": "refund-received"}""");
        await CompleteJobAsync(demand, "sms", "Survey");
        await AnswerSurveyAsync(demand);
        var variables = await VariablesAsync(demand);
        variables["firstResponseBreach"]!["firstResponseTarget"]!.GetValue<string>().ShouldBe("PT30M");
        DateTimeOffset.Parse(variables["firstResponseAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(TestCalendars.Cn(11, 24, 9, 45));
    }
}
