using System.Text.Json.Nodes;
using Dapper;
using Processes.Engine.Calendars;
using Processes.Engine.Execution;
using Processes.Tests.Calendars;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// Scenarios of the shipped customer-demand model (Definitions/demand-ticket.bpmn) with its SLA-watched work
/// tickets (Definitions/sla-escalation.bpmn), as deployed by the host. The workers (assign, sms, http) are played by
/// the test: it activates their jobs, checks type, headers and variables, and completes them as a worker would.
/// Time is the business calendar "cn-support" (Asia/Shanghai, Mon–Fri 09–12 and 13–18, Saturday 10–14).
/// </summary>
public sealed class DemandTicketTests : EngineTest
{
    /// <summary>Tuesday 24 Nov 2026, 09:00 in Shanghai: the start of a working day.</summary>
    private static readonly DateTimeOffset TuesdayMorning = TestCalendars.Cn(11, 24, 9);

    private const string CustomerPhone = "+86 138 0000 0077";

    [SetUp]
    public async Task DeployShippedModels()
    {
        Clock.Set(TuesdayMorning);
        var calendars = new CalendarStore(DataSource);
        if (await calendars.GetAsync("cn-support", CancellationToken.None) is null)
        {
            (await calendars.SaveAsync(TestCalendars.CnSupportDefinition, null, CancellationToken.None)).Status.ShouldBe(CalendarSaveStatus.Saved);
        }
        await DeployAsync(ShippedDefinitions.Text("sla-escalation.bpmn"), "sla-escalation.bpmn");
        await DeployAsync(ShippedDefinitions.Text("sla-targets.dmn"), "sla-targets.dmn");
        await DeployAsync(ShippedDefinitions.Text("demand-ticket.bpmn"), "demand-ticket.bpmn");
    }

    [Test]
    public async Task A_demand_resolved_on_the_first_ticket_is_closed_and_surveyed()
    {
        var demand = await StartDemandAsync("D-1001", "regular");

        var route = await TakeJobAsync(demand, "assign");
        route.ElementId.ShouldBe("RouteFirst");
        route.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("central");
        route.Variables["level"]!.GetValue<string>().ShouldBe("first-line");
        route.Variables["scenario"]!["domain"]!.GetValue<string>().ShouldBe("logistics");
        route.Variables["customer"]!["tier"]!.GetValue<string>().ShouldBe("regular");
        await CompleteAsync(route, "ann", "after-sales", "domain logistics, city Hangzhou");

        var ticket = await OpenTicketAsync(demand);
        ticket.ElementId.ShouldBe("WorkTicket");
        ticket.Assignee.ShouldBe("ann");
        ticket.Groups.ShouldBe(["after-sales"]);
        ticket.Priority.ShouldBe(50);
        ticket.FormKey.ShouldBe("form:demand-work-ticket");
        (await ParentOfAsync(ticket.ProcessInstanceKey)).ShouldBe(demand);

        await CompleteTicketAsync(ticket, """{"ticketOutcome": "resolved", "completionStandard": "replacement-delivered", "notes": "parcel re-sent"}""");

        var survey = await TakeJobAsync(demand, "sms");
        survey.ElementId.ShouldBe("Survey");
        survey.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("SATISFACTION_SURVEY");
        survey.Variables["recipient"]!.GetValue<string>().ShouldBe(CustomerPhone);
        ShouldBeJson(survey.Variables["smsParameters"], """{"demandId":"D-1001","completionReason":"resolved"}""");
        (await Engine.CompleteJobAsync(survey.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["completionReason"]!.GetValue<string>().ShouldBe("resolved");
        variables["completionStandard"]!.GetValue<string>().ShouldBe("replacement-delivered", "the agent's pick on the form");
        variables["slaCompliance"]!.GetValue<string>().ShouldBe("within the SLA");
        variables["firstResponseTarget"]!.GetValue<string>().ShouldBe("PT1H");
        variables["ticketOutcome"]!.GetValue<string>().ShouldBe("resolved");
        variables["notes"]!.GetValue<string>().ShouldBe("parcel re-sent");
        variables["slaTarget"]!.GetValue<string>().ShouldBe("PT8H");
        variables["transferCount"]!.GetValue<int>().ShouldBe(0);
        variables.ContainsKey("slaBreach").ShouldBeFalse();
        (await HistoryAsync(demand)).ShouldBe(["DemandReceived", "Triage", "HandlingStarted", "RouteFirst", "NextTicket", "Ticket", "Outcome",
            "Resolved", "HandlingEnded", "Handling", "Closing", "CloseDemand", "Survey", "DemandClosed", "demand-ticket"]);
        (await CountAsync("SELECT count(*) FROM timer")).ShouldBe(0, "the SLA and deadline timers are gone with their elements");
    }

    [Test]
    public async Task A_transferred_ticket_opens_a_new_ticket_for_another_group_and_the_demand_stays_open()
    {
        var demand = await StartDemandAsync("D-1002", "regular");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        var first = await OpenTicketAsync(demand);

        await CompleteTicketAsync(first, """{"ticketOutcome": "transferred", "transferReason": "logistics", "notes": "courier lost it"}""");

        (await StateAsync(demand)).ShouldBe("ACTIVE");
        var route = await TakeJobAsync(demand, "assign");
        route.ElementId.ShouldBe("RouteTransfer");
        route.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("pool");
        route.Variables["reason"]!.GetValue<string>().ShouldBe("logistics");
        ShouldBeJson(route.Variables["candidateGroups"], """["logistics"]""", "the reason decides the next group");
        ShouldBeJson(route.Variables["excludeGroups"], """["after-sales"]""");
        await CompleteAsync(route, null, "logistics-desk", "transfer: logistics");

        var second = await OpenTicketAsync(demand);
        second.Key.ShouldNotBe(first.Key);
        second.Assignee.ShouldBeNull();
        second.Groups.ShouldBe(["logistics-desk"]);
        await CompleteTicketAsync(second, """{"ticketOutcome": "resolved"}""");
        await CompleteJobAsync(demand, "sms", "Survey");

        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["transferCount"]!.GetValue<int>().ShouldBe(1);
        variables["transferReason"]!.GetValue<string>().ShouldBe("logistics");
        variables["completionReason"]!.GetValue<string>().ShouldBe("resolved");
        (await HistoryAsync(demand)).Count(e => e == "Ticket").ShouldBe(2);
    }

    [Test]
    public async Task An_escalated_ticket_goes_to_the_supervisors_and_closes_as_resolved_after_escalation()
    {
        var demand = await StartDemandAsync("D-1003", "VIP");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "vip-desk", "VIP desk");
        var first = await OpenTicketAsync(demand);
        first.Priority.ShouldBe(80, "VIP demands start at priority 80");

        await CompleteTicketAsync(first, """{"ticketOutcome": "escalated", "notes": "customer wants compensation"}""");

        var route = await TakeJobAsync(demand, "assign");
        route.ElementId.ShouldBe("RouteEscalation");
        route.CustomHeaders["mode"]!.GetValue<string>().ShouldBe("pool");
        route.Variables["level"]!.GetValue<string>().ShouldBe("supervisor");
        ShouldBeJson(route.Variables["candidateGroups"], """["supervisors"]""");
        route.Variables["reason"]!.GetValue<string>().ShouldBe("customer wants compensation");
        await CompleteAsync(route, "sue", "supervisors", "escalation");

        var supervisorTicket = await OpenTicketAsync(demand);
        supervisorTicket.Assignee.ShouldBe("sue");
        supervisorTicket.Groups.ShouldBe(["supervisors"]);
        await CompleteTicketAsync(supervisorTicket, """{"ticketOutcome": "resolved"}""");
        var survey = await CompleteJobAsync(demand, "sms", "Survey");
        survey.Variables["smsParameters"]!["completionReason"]!.GetValue<string>().ShouldBe("resolved after escalation");

        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["escalationCount"]!.GetValue<int>().ShouldBe(1);
        variables["completionReason"]!.GetValue<string>().ShouldBe("resolved after escalation");
        variables["slaTarget"]!.GetValue<string>().ShouldBe("PT4H", "VIP target");
    }

    [Test]
    public async Task Chasing_raises_the_priority_and_notifies_the_assignee_without_interrupting_the_ticket()
    {
        var demand = await StartDemandAsync("D-1004", "regular");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        var ticket = await OpenTicketAsync(demand);

        var chased = await PublishAsync("demand-chased", "D-1004", Vars("""{"chaseChannel": "hotline"}"""));
        chased.Ok.ShouldBeTrue(chased.Message);
        chased.Value!.CorrelatedProcessInstanceKeys.ShouldBe([demand]);

        var reprioritise = await RunTaskUpdateAsync(demand);
        reprioritise.ElementId.ShouldBe("Reprioritise");
        reprioritise.CustomHeaders["elementIds"]!.GetValue<string>().ShouldBe("WorkTicket");
        reprioritise.Variables["taskPriority"]!.GetValue<int>().ShouldBe(70);
        (await OpenTicketAsync(demand)).Priority.ShouldBe(70, "the open ticket's priority rose without interrupting it");
        var notify = await TakeJobAsync(demand, "sms");
        notify.ElementId.ShouldBe("NotifyAssignee");
        notify.CustomHeaders["templateId"]!.GetValue<string>().ShouldBe("DEMAND_CHASED");
        notify.Variables["recipient"]!.GetValue<string>().ShouldBe("ann");
        ShouldBeJson(notify.Variables["smsParameters"], """{"demandId":"D-1004","priority":70,"chaseCount":1}""");
        (await Engine.CompleteJobAsync(notify.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();

        var still = await OpenTicketAsync(demand);
        still.Key.ShouldBe(ticket.Key, "the work ticket was not interrupted");
        (await ActiveElementsAsync(demand)).ShouldBe(["Handling", "Ticket"]);
        (await VariablesAsync(demand))["priority"]!.GetValue<int>().ShouldBe(70);

        // The supervisor moved the ticket to bob meanwhile: the next chase tells bob, who holds it now.
        (await Engine.AssignUserTaskAsync(ticket.Key, "bob", null, "sue", "ann is off sick", CancellationToken.None)).Ok.ShouldBeTrue();
        (await PublishAsync("demand-chased", "D-1004")).Ok.ShouldBeTrue();
        await RunTaskUpdateAsync(demand);
        (await CompleteJobAsync(demand, "sms", "NotifyAssignee")).Variables["recipient"]!.GetValue<string>().ShouldBe("bob");
        (await OpenTicketAsync(demand)).Priority.ShouldBe(90);
        (await VariablesAsync(demand))["priority"]!.GetValue<int>().ShouldBe(90);

        await CompleteTicketAsync(await OpenTicketAsync(demand), """{"ticketOutcome": "resolved"}""");
        await CompleteJobAsync(demand, "sms", "Survey");
        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["chaseCount"]!.GetValue<int>().ShouldBe(2);
        variables["priority"]!.GetValue<int>().ShouldBe(90, "the ticket's completion does not overwrite the raised priority");
        variables["chaseChannel"]!.GetValue<string>().ShouldBe("hotline");
        (await HistoryAsync(demand)).Count(e => e == "ChaseHandled").ShouldBe(2);
    }

    [Test]
    public async Task A_chase_published_with_a_time_to_live_during_routing_reaches_the_ticket_once_it_opens()
    {
        var demand = await StartDemandAsync("D-1007", "regular");

        (await PublishAsync("demand-chased", "D-1007", timeToLive: TimeSpan.FromHours(1))).Value!.CorrelatedProcessInstanceKeys.ShouldBeEmpty();
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");

        await RunTaskUpdateAsync(demand);
        var notify = await TakeJobAsync(demand, "sms");
        notify.ElementId.ShouldBe("NotifyAssignee");
        notify.Variables["recipient"]!.GetValue<string>().ShouldBe("ann");
        (await Engine.CompleteJobAsync(notify.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        (await OpenTicketAsync(demand)).ElementId.ShouldBe("WorkTicket");
        (await OpenTicketAsync(demand)).Priority.ShouldBe(70);
        (await VariablesAsync(demand))["priority"]!.GetValue<int>().ShouldBe(70);
        (await Engine.CancelInstanceAsync(demand, CancellationToken.None)).Ok.ShouldBeTrue();
    }

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
            "RespondedInTime", "ResponseInTime", "Sla50", "RemindAssignee", "Reminded", "Sla75", "NotifySupervisor", "SupervisorNotified", "Sla100",
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
        var variables = await VariablesAsync(demand);
        variables["firstResponseBreach"]!["firstResponseTarget"]!.GetValue<string>().ShouldBe("PT30M");
        DateTimeOffset.Parse(variables["firstResponseAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(TestCalendars.Cn(11, 24, 9, 45));
    }

    [Test]
    public async Task A_demand_open_past_its_deadline_closes_unresolved_and_still_gets_the_survey()
    {
        var demand = await StartDemandAsync("D-1006", "VIP", """{"slaTarget": "PT40H", "firstResponseTarget": "PT40H", "demandDeadline": "PT24H"}""");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "vip-desk", "VIP desk");
        var ticket = await OpenTicketAsync(demand);

        // 24 working hours from Tuesday 09:00: Tuesday, Wednesday, Thursday (8 h each) end Thursday 18:00.
        var deadline = (await TimersAsync(demand)).ShouldHaveSingleItem();
        deadline.ElementId.ShouldBe("DeadlinePassed");
        deadline.DueAt.ShouldBe(TestCalendars.Cn(11, 26, 18).UtcDateTime);

        Clock.Set(TestCalendars.Cn(11, 26, 18));
        (await FireDueTimersAsync(demand)).ShouldBe(["DeadlinePassed"]);

        (await CountAsync("SELECT count(*) FROM user_task WHERE key = @k AND state = 'CANCELED'", new { k = ticket.Key })).ShouldBe(1);
        (await StateAsync(ticket.ProcessInstanceKey)).ShouldBe("TERMINATED");
        var survey = await CompleteJobAsync(demand, "sms", "Survey");
        survey.Variables["smsParameters"]!["completionReason"]!.GetValue<string>().ShouldBe("unresolved - timed out");
        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["completionReason"]!.GetValue<string>().ShouldBe("unresolved - timed out");
        variables["completionStandard"]!.GetValue<string>().ShouldBe("none");
        variables["slaCompliance"]!.GetValue<string>().ShouldBe("closed at the demand deadline");
        (await HistoryAsync(demand, "ELEMENT_TERMINATED")).ShouldContain("Handling");
    }

    private static void ShouldBeJson(JsonNode? actual, string expected, string? why = null) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"{actual?.ToJsonString()} is not {expected} {why}");

    private sealed class Ticket
    {
        public long Key { get; init; }
        public long ProcessInstanceKey { get; init; }
        public string ElementId { get; init; } = "";
        public string? Assignee { get; init; }
        public string[] Groups { get; init; } = [];
        public int Priority { get; init; }
        public string? FormKey { get; init; }
        public int Version { get; init; }
    }

    private async Task<long> StartDemandAsync(string demandId, string tier, string extra = "{}")
    {
        var variables = Vars($$"""
            {"demandId": "{{demandId}}", "entrance": "app", "appeal": "Where is my parcel?",
             "customer": {"id": "C-77", "phone": "{{CustomerPhone}}", "tier": "{{tier}}", "city": "Hangzhou"},
             "scenario": {"orderId": "O-5531", "domain": "logistics", "defectType": "late-delivery"} }
            """);
        foreach (var (name, value) in Vars(extra))
        {
            variables[name] = value?.DeepClone();
        }
        var key = await StartAsync("demand-ticket", variables, demandId);
        (await IncidentsAsync(key)).ShouldBeEmpty();
        return key;
    }

    /// <summary>The instance and the work-ticket instances it called.</summary>
    private async Task<long[]> FamilyAsync(long demand)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return [.. await connection.QueryAsync<long>("SELECT key FROM process_instance WHERE root_process_instance_key = @demand", new { demand })];
    }

    private async Task<long?> ParentOfAsync(long key)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>("SELECT parent_process_instance_key FROM process_instance WHERE key = @key", new { key });
    }

    /// <summary>Activates the one job of a type the demand has waiting (no incident anywhere in it).</summary>
    private async Task<ActivatedJob> TakeJobAsync(long demand, string type)
    {
        var family = await FamilyAsync(demand);
        foreach (var key in family)
        {
            (await IncidentsAsync(key)).ShouldBeEmpty();
        }
        var jobs = (await ActivateAsync(type, 100)).Where(j => family.Contains(j.ProcessInstanceKey)).ToList();
        return jobs.ShouldHaveSingleItem($"one {type} job");
    }

    private async Task<ActivatedJob> CompleteJobAsync(long demand, string type, string elementId)
    {
        var job = await TakeJobAsync(demand, type);
        job.ElementId.ShouldBe(elementId);
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
        return job;
    }

    /// <summary>
    /// Runs the demand's one user-task-update job through the real handler, as the host's engine node would;
    /// <paramref name="runs"/> 2 plays a re-run after an expired lease, which must change nothing more.
    /// </summary>
    private async Task<ActivatedJob> RunTaskUpdateAsync(long demand, int runs = 1)
    {
        var job = await TakeJobAsync(demand, "user-task-update");
        var handler = new Processes.Activities.Tasks.UserTaskUpdateHandler(DataSource, Engine);
        var context = new Processes.Engine.Jobs.JobContext(job.Key, job.Type, job.Retries, job.ProcessInstanceKey, job.ElementInstanceKey, job.ElementId,
            job.BpmnProcessId, job.CustomHeaders, job.Variables, DateTimeOffset.UtcNow.AddMinutes(5));
        var outcome = await handler.HandleAsync(context, CancellationToken.None);
        for (var run = 1; run < runs; run++)
        {
            outcome = await handler.HandleAsync(context, CancellationToken.None);
        }
        var completed = outcome.ShouldBeOfType<Processes.Engine.Jobs.JobOutcome.Completed>(outcome.ToString());
        (await Engine.CompleteJobAsync(job.Key, completed.Variables, CancellationToken.None)).Ok.ShouldBeTrue();
        return job;
    }

    /// <summary>Completes an assign job as the assignment worker does.</summary>
    private async Task CompleteAsync(ActivatedJob assign, string? assignee, string group, string reason)
    {
        var variables = new JsonObject { ["assignee"] = assignee, ["candidateGroups"] = new JsonArray(group), ["assignmentReason"] = reason };
        (await Engine.CompleteJobAsync(assign.Key, variables, CancellationToken.None)).Ok.ShouldBeTrue();
    }

    private async Task<Ticket> OpenTicketAsync(long demand)
    {
        var family = await FamilyAsync(demand);
        foreach (var key in family)
        {
            (await IncidentsAsync(key)).ShouldBeEmpty();
        }
        await using var connection = await DataSource.OpenConnectionAsync();
        var tickets = (await connection.QueryAsync<Ticket>("""
            SELECT key, process_instance_key AS ProcessInstanceKey, element_id AS ElementId, assignee, candidate_groups AS Groups, priority,
                   form_key AS FormKey, version
            FROM user_task WHERE process_instance_key = ANY(@family) AND state = 'CREATED'
            """, new { family })).ToList();
        return tickets.ShouldHaveSingleItem("one open work ticket");
    }

    private async Task CompleteTicketAsync(Ticket ticket, string form)
    {
        var result = await Engine.CompleteUserTaskAsync(ticket.Key, Vars(form), ticket.Version, ticket.Assignee, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
    }

    /// <summary>Fires the demand's timers that are due by the clock; returns their element ids.</summary>
    private async Task<List<string>> FireDueTimersAsync(long demand)
    {
        var fired = new List<string>();
        foreach (var key in await FamilyAsync(demand))
        {
            foreach (var (timerKey, elementId, dueAt) in await TimersAsync(key))
            {
                if (dueAt <= Clock.GetUtcNow().UtcDateTime)
                {
                    (await Engine.TriggerTimerAsync(timerKey, CancellationToken.None)).Ok.ShouldBeTrue();
                    fired.Add(elementId);
                }
            }
        }
        return fired;
    }
}
