using Processes.Engine.Calendars;
using Processes.Engine.Visibility;
using Processes.Tests.Calendars;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>
/// The shipped demand model counts working time of the calendar "cn-support". On a server where it was not
/// created yet, a demand stops with an incident naming the calendar; creating it and resolving the incident (a
/// minute later: the engine caches look-ups for a minute) goes on.
/// </summary>
public sealed class MissingCalendarTests : EngineTest
{
    [Test]
    public async Task A_demand_waits_in_an_incident_until_the_calendar_exists()
    {
        await DeployAsync(ShippedDefinitions.Text("sla-escalation.bpmn"), "sla-escalation.bpmn");
        await DeployAsync(ShippedDefinitions.Text("sla-targets.dmn"), "sla-targets.dmn");
        await DeployAsync(ShippedDefinitions.Text("demand-ticket.bpmn"), "demand-ticket.bpmn");

        var demand = await StartAsync("demand-ticket", Vars("""
            {"demandId": "D-9", "entrance": "hotline", "appeal": "refund please",
             "customer": {"id": "C-1", "tier": "international", "city": "Singapore"},
             "scenario": {"orderId": "O-9", "domain": "payment", "defectType": "double-charge"} }
            """), "D-9");

        var incident = (await IncidentsAsync(demand)).ShouldHaveSingleItem();
        incident.ElementId.ShouldBe("Handling");
        incident.Message.ShouldContain("cn-support");

        (await new CalendarStore(DataSource).SaveAsync(TenantIds.Default, TestCalendars.CnSupportDefinition, null, CancellationToken.None)).Status.ShouldBe(CalendarSaveStatus.Saved);
        Clock.Advance(TimeSpan.FromMinutes(1)); // the engine keeps a calendar look-up, a miss too, for a minute
        (await Engine.ResolveIncidentAsync(incident.Key, CancellationToken.None)).Ok.ShouldBeTrue();

        (await IncidentsAsync(demand)).ShouldBeEmpty();
        (await ActiveElementsAsync(demand)).ShouldBe(["Handling", "RouteFirst"]);
        var variables = await VariablesAsync(demand);
        variables["slaTarget"]!.GetValue<string>().ShouldBe("PT16H", "international target");
        variables["demandDeadline"]!.GetValue<string>().ShouldBe("PT40H");
        variables["priority"]!.GetValue<int>().ShouldBe(50);
    }
}
