using System.Text;
using Dapper;
using Processes.Activities.Assignment;
using Processes.Activities.Sms;
using Processes.Engine.Calendars;
using Processes.Engine.Deployment;
using Processes.Engine.Visibility;
using Processes.Tests.Activities;
using Processes.Tests.Calendars;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Tenants;

/// <summary>
/// A timer counts working time in its own tenant's business calendar: two tenants may name a calendar alike and
/// mean different hours, and a tenant without the calendar gets an incident, never another tenant's hours.
/// </summary>
public sealed class TenantCalendarTests : EngineTest
{
    private const string Bound = """<bpmn:intermediateCatchEvent id="wait"><bpmn:extensionElements><zeebe:properties><zeebe:property name="businessCalendar" value="ts-hours" /></zeebe:properties></bpmn:extensionElements>""";

    [Test]
    public async Task A_timer_counts_in_the_calendar_of_its_instances_tenant()
    {
        var store = new CalendarStore(DataSource);
        (await store.SaveAsync("ts-north", TestCalendars.CnSupportDefinition with { Name = "ts-hours" }, null, CancellationToken.None)).Status.ShouldBe(CalendarSaveStatus.Saved);
        var berlin = new CalendarDefinition
        {
            Name = "ts-hours",
            TimeZone = "Europe/Berlin",
            Week = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>> { ["monday"] = [["08:00", "16:00"]], ["tuesday"] = [["08:00", "16:00"]] },
        };
        (await store.SaveAsync("ts-south", berlin, null, CancellationToken.None)).Status.ShouldBe(CalendarSaveStatus.Saved);
        (await store.GetAsync(TenantIds.Default, "ts-hours", CancellationToken.None)).ShouldBeNull("a calendar of one tenant is not the default tenant's");
        var model = Process("ts-timer", Start() + Bound + TimerDuration("PT2H") + "</bpmn:intermediateCatchEvent>" + End() + Flows("start->wait->end"));
        foreach (var tenant in new[] { "ts-north", "ts-south", "ts-east" })
        {
            var deployed = await new DeploymentService(DataSource, Definitions)
                .DeployAsync([new DeploymentResource("timer.bpmn", Encoding.UTF8.GetBytes(model))], CancellationToken.None, tenant);
            deployed.ShouldBeOfType<DeploymentResult.Deployed>(deployed.ToString());
        }

        // Monday 23 Nov 2026 09:00 UTC: 17:00 in Shanghai (one working hour left, the second Tuesday 09:00 there), 10:00 in Berlin.
        var north = await StartInAsync("ts-north");
        var south = await StartInAsync("ts-south");
        var east = await StartInAsync("ts-east");

        (await TimersAsync(north)).ShouldHaveSingleItem().DueAt.ShouldBe(new DateTime(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc));
        (await TimersAsync(south)).ShouldHaveSingleItem().DueAt.ShouldBe(new DateTime(2026, 11, 23, 11, 0, 0, DateTimeKind.Utc));
        (await TimersAsync(east)).ShouldBeEmpty();
        (await IncidentsAsync(east)).ShouldHaveSingleItem().Message.ShouldContain("'ts-hours' does not exist in tenant 'ts-east'");
    }

    private async Task<long> StartInAsync(string tenant)
    {
        var result = await Engine.CreateInstanceAsync("ts-timer", null, null, null, CancellationToken.None, tenantId: tenant);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!.ProcessInstanceKey;
    }
}

/// <summary>
/// An SMS job renders its own tenant's template and reaches its own tenant's agent profile; central dispatch picks
/// among the job's tenant's agents only.
/// </summary>
public sealed class TenantActivitySettingsTests : ActivityTest
{
    [Test]
    public async Task An_sms_job_sends_its_tenants_text_to_its_tenants_agent()
    {
        var templates = new SmsTemplateStore(DataSource);
        (await templates.SaveAsync(new SmsTemplate("ts-hello", "North says hi {name}", ["name"]) { TenantId = "ts-north" }, CancellationToken.None)).Saved.ShouldBeTrue();
        (await templates.SaveAsync(new SmsTemplate("ts-hello", "South says hi {name}", ["name"]) { TenantId = "ts-south" }, CancellationToken.None)).Saved.ShouldBeTrue();
        await new AgentStore(DataSource).SaveAsync(new AgentProfile("ts.agent", [], [], [], [], 5, true, "+4917011111") { TenantId = "ts-north" }, CancellationToken.None);
        (await templates.ListAsync("ts-south", CancellationToken.None)).ShouldHaveSingleItem().Text.ShouldBe("South says hi {name}");
        (await templates.FindAsync(TenantIds.Default, "ts-hello", CancellationToken.None)).ShouldBeNull();
        var sms = Handler("sms", []);

        Completed(await sms.HandleAsync(Job("sms", """{"recipient": "ts.agent", "name": "Ada"}""", """{"templateId": "ts-hello"}""") with { TenantId = "ts-north" },
            CancellationToken.None));
        var southJob = Job("sms", """{"recipient": "+4917022222", "name": "Bo"}""", """{"templateId": "ts-hello"}""") with { TenantId = "ts-south" };
        Completed(await sms.HandleAsync(southJob, CancellationToken.None));
        var noAgent = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "ts.agent", "name": "Cy"}""", """{"templateId": "ts-hello"}""") with { TenantId = "ts-south" },
            CancellationToken.None));
        var noTemplate = Failed(await sms.HandleAsync(Job("sms", """{"recipient": "+4917033333", "name": "Di"}""", """{"templateId": "ts-hello"}""") with { TenantId = "ts-east" },
            CancellationToken.None));

        await using var connection = await DataSource.OpenConnectionAsync();
        (await connection.QuerySingleAsync<string>("SELECT recipient FROM sms_outbox WHERE text = 'North says hi Ada'")).ShouldBe("+4917011111");
        (await connection.QuerySingleAsync<string>("SELECT recipient FROM sms_outbox WHERE text = 'South says hi Bo'")).ShouldBe("+4917022222");
        noAgent.Message.ShouldContain("'ts.agent' is neither a phone number nor an agent", customMessage: "north's agent profile is not south's");
        noTemplate.Message.ShouldBe("SMS template 'ts-hello' does not exist in tenant 'ts-east'.");
    }

    [Test]
    public async Task Central_dispatch_chooses_among_the_agents_of_the_jobs_tenant()
    {
        var agents = new AgentStore(DataSource);
        await agents.SaveAsync(new AgentProfile("ts-nora", ["ts-skill"], [], [], [], 5, true) { TenantId = "ts-north" }, CancellationToken.None);
        await agents.SaveAsync(new AgentProfile("ts-sam", ["ts-skill"], [], [], [], 5, true) { TenantId = "ts-south" }, CancellationToken.None);
        (await agents.ListAsync("ts-north", CancellationToken.None)).Select(a => a.UserName).ShouldContain("ts-nora");
        (await agents.ListAsync("ts-north", CancellationToken.None)).Select(a => a.UserName).ShouldNotContain("ts-sam");
        var assign = Handler("assign", []);

        for (var i = 0; i < 3; i++)
        {
            var north = Completed(await assign.HandleAsync(Job("assign", """{"requiredSkills": ["ts-skill"]}""") with { TenantId = "ts-north" }, CancellationToken.None));
            var south = Completed(await assign.HandleAsync(Job("assign", """{"requiredSkills": ["ts-skill"]}""") with { TenantId = "ts-south" }, CancellationToken.None));
            north["assignee"]!.GetValue<string>().ShouldBe("ts-nora");
            south["assignee"]!.GetValue<string>().ShouldBe("ts-sam");
        }
        var east = Completed(await assign.HandleAsync(Job("assign", """{"requiredSkills": ["ts-skill"]}""") with { TenantId = "ts-east" }, CancellationToken.None));
        east["assignee"].ShouldBeNull("no agent profile exists in tenant ts-east");
    }
}
