using Processes.Engine.Execution;
using Processes.Tests.Calendars;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped demand model's paths: resolution, transfer, escalation, chasing and the demand deadline.
/// </summary>
public sealed class DemandTicketTests : DemandModelTest
{
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
        (await StateAsync(demand)).ShouldBe("ACTIVE", "the closed demand waits for the survey answer");
        (await VariablesAsync(demand))["completionStandard"]!.GetValue<string>().ShouldBe("replacement-delivered", "closed before the survey");
        await AnswerSurveyAsync(demand, 4, "quick, but the parcel came late");

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
            "Resolved", "HandlingEnded", "Handling", "Closing", "CloseDemand", "Survey", "AwaitSurvey", "SurveyAnswered", "DemandClosed", "demand-ticket"]);
        ShouldBeJson((await VariablesAsync(demand))["survey"]!["score"], "4");
        (await VariablesAsync(demand))["survey"]!["comment"]!.GetValue<string>().ShouldBe("quick, but the parcel came late");
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
        await AnswerSurveyAsync(demand);

        (await StateAsync(demand)).ShouldBe("COMPLETED");
        var variables = await VariablesAsync(demand);
        variables["transferCount"]!.GetValue<int>().ShouldBe(1);
        variables["transferReason"]!.GetValue<string>().ShouldBe("logistics");
        variables["completionReason"]!.GetValue<string>().ShouldBe("resolved");
        (await HistoryAsync(demand)).Count(e => e == "Ticket").ShouldBe(2);
    }

    [TestCase("", "logistics")]
    [TestCase("   ", "logistics")]
    [TestCase(" billing ", "billing")]
    public async Task A_transfer_group_left_empty_on_the_form_lets_the_reason_decide(string transferGroup, string expectedGroup)
    {
        var demand = await StartDemandAsync($"D-1012-{expectedGroup}-{transferGroup.Length}", "regular");
        await CompleteAsync(await TakeJobAsync(demand, "assign"), "ann", "after-sales", "first line");
        var first = await OpenTicketAsync(demand);

        // The form sends "" for its optional text field left empty; that must not name a group.
        await CompleteTicketAsync(first, $$"""{"ticketOutcome": "transferred", "transferReason": "logistics", "transferGroup": "{{transferGroup}}"}""");

        var route = await TakeJobAsync(demand, "assign");
        route.ElementId.ShouldBe("RouteTransfer");
        ShouldBeJson(route.Variables["candidateGroups"], $$"""["{{expectedGroup}}"]""");
        await CompleteAsync(route, null, expectedGroup, "transfer");
        (await CountAsync("SELECT count(*) FROM incident WHERE process_instance_key = @demand", new { demand })).ShouldBe(0);

        var second = await OpenTicketAsync(demand);
        second.Groups.ShouldBe([expectedGroup]);
        await CompleteTicketAsync(second, """{"ticketOutcome": "resolved"}""");
        await CompleteJobAsync(demand, "sms", "Survey");
        await AnswerSurveyAsync(demand);
        (await StateAsync(demand)).ShouldBe("COMPLETED");
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
        await AnswerSurveyAsync(demand, 2);

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
        await AnswerSurveyAsync(demand);
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
        // Nobody answers the survey: three days (wall clock) later the window passes and the demand ends without one.
        (await StateAsync(demand)).ShouldBe("ACTIVE");
        Clock.Set(Clock.GetUtcNow().AddDays(3));
        (await FireDueTimersAsync(demand)).ShouldBe(["SurveyWindowPassed"]);
        (await StateAsync(demand)).ShouldBe("COMPLETED");
        ShouldBeJson((await VariablesAsync(demand))["survey"], """{"result":"no answer"}""");
        var variables = await VariablesAsync(demand);
        variables["completionReason"]!.GetValue<string>().ShouldBe("unresolved - timed out");
        variables["completionStandard"]!.GetValue<string>().ShouldBe("none");
        variables["slaCompliance"]!.GetValue<string>().ShouldBe("closed at the demand deadline");
        (await HistoryAsync(demand, "ELEMENT_TERMINATED")).ShouldContain("Handling");
    }
}
