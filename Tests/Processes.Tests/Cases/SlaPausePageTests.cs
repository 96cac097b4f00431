using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// SLA pauses on the pages, in headless Chromium at a desktop and a phone width: an agent of the task's group pauses
/// the case's SLA from the case page with a reason, the inbox shows "paused" instead of the task's countdown, and the
/// agent resumes it from the case page (the countdown is back). Finance sees the clock but no button (the pause API
/// is the agents' and supervisors').
/// </summary>
public sealed class SlaPausePageTests : PageTest
{
    private const string Team = "sla-pause-team";

    /// <summary>A task in the group with a due date, watched by a non-interrupting 8-hour SLA timer (slaClock) on it.</summary>
    private static readonly string Model = DrawnModels.Line("sla-pause-page", "SLA pause", [
            DrawnModels.Start("start"),
            DrawnModels.UserTask("work", "Call the customer back",
                $"""<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="{Team}" /><zeebe:taskSchedule dueDate="=due" />"""),
            DrawnModels.End("end"),
        ])
        .Replace("  </bpmn:process>", """
                <bpmn:boundaryEvent id="Sla100" attachedToRef="work" cancelActivity="false">
                  <bpmn:extensionElements><zeebe:properties><zeebe:property name="slaClock" value="100" /></zeebe:properties></bpmn:extensionElements>
                  <bpmn:timerEventDefinition><bpmn:timeDuration>PT8H</bpmn:timeDuration></bpmn:timerEventDefinition>
                </bpmn:boundaryEvent>
              </bpmn:process>
            """, StringComparison.Ordinal)
        .Replace("    </bpmndi:BPMNPlane>", """
                  <bpmndi:BPMNShape id="Sla100_di" bpmnElement="Sla100"><dc:Bounds x="300" y="142" width="36" height="36" /></bpmndi:BPMNShape>
                </bpmndi:BPMNPlane>
            """, StringComparison.Ordinal);

    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task Deploy()
    {
        _admin = await Browser.Host.AdminAsync();
        var deployed = await IdentityHost.DeployAsync(_admin, "sla-pause-page.bpmn", Model);
        deployed.IsSuccessStatusCode.ShouldBeTrue(await deployed.Content.ReadAsStringAsync());
        await IdentityHost.EnsureGroupAsync(_admin, Team, "SLA pause team");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task An_agent_pauses_the_sla_from_the_case_page_the_inbox_shows_paused_and_the_agent_resumes_it(int width, int height)
    {
        var due = DateTimeOffset.UtcNow.AddHours(8).ToString("o", CultureInfo.InvariantCulture);
        var instance = (await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "sla-pause-page", variables = new { due } }))
            .GetProperty("processInstanceKey").GetString()!;
        var task = (await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } }))
            .GetProperty("items")[0].GetProperty("userTaskKey").GetString()!;
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: [Team]);
        var page = (await OpenAsync(agent, $"/cases/{instance}", "processesCase")).Page;
        await page.SetViewportSizeAsync(width, height);

        (await page.Locator("#sla-state").TextContentAsync())!.ShouldContain("running");
        await page.ClickAsync("#sla-pause");
        await page.FillAsync("#sla-reason", "waiting on the customer's photo");
        await page.ClickAsync("#sla-pause-submit");
        await page.Locator("#message", new() { HasText = "SLA paused" }).WaitForAsync();
        await page.Locator("#sla-state[data-state='paused']").WaitForAsync();
        (await page.Locator("#sla-state").TextContentAsync())!.ShouldContain("waiting on the customer's photo");
        (await page.Locator("#sla-state").TextContentAsync())!.ShouldContain(agent.UserName);
        await NoSidewaysScrollAsync(page, width);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"sla-paused-case-{width}.png"), FullPage = true });
        var clock = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{instance}/sla");
        clock.GetProperty("state").GetString().ShouldBe("paused", "the page's pause is the API's");

        // The inbox shows the task's SLA as paused, not counting down.
        await page.GotoAsync("/inbox");
        await page.WaitForFunctionAsync("() => window.processesInbox !== undefined");
        await page.EvaluateAsync("() => window.processesInbox.ready");
        await page.ClickAsync("#views [data-view='group']");
        var sla = page.Locator($"#tasks [data-key='{task}'] .sla");
        await sla.WaitForAsync();
        (await sla.TextContentAsync()).ShouldBe("paused");
        await NoSidewaysScrollAsync(page, width);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"sla-paused-inbox-{width}.png") });

        // Resumed from the case page: the clock runs and the inbox counts down again.
        await page.GotoAsync($"/cases/{instance}");
        await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
        await page.EvaluateAsync("() => window.processesCase.ready");
        await page.ClickAsync("#sla-resume");
        await page.Locator("#message", new() { HasText = "SLA resumed" }).WaitForAsync();
        (await page.Locator("#sla-state").GetAttributeAsync("data-state")).ShouldBe("running");
        await page.GotoAsync("/inbox");
        await page.WaitForFunctionAsync("() => window.processesInbox !== undefined");
        await page.EvaluateAsync("() => window.processesInbox.ready");
        await page.ClickAsync("#views [data-view='group']");
        await page.WaitForFunctionAsync("key => { const s = document.querySelector(`#tasks [data-key='${key}'] .sla`); return s && /\\d/.test(s.textContent); }", task);
    }

    [Test]
    public async Task Finance_sees_the_clock_but_no_button()
    {
        var instance = (await IdentityHost.PostAsync(_admin, "/v2/process-instances",
            new { processDefinitionId = "sla-pause-page", variables = new { due = DateTimeOffset.UtcNow.AddHours(8).ToString("o", CultureInfo.InvariantCulture) } }))
            .GetProperty("processInstanceKey").GetString()!;
        var finance = await Browser.Host.CreateUserAsync(roles: [Roles.Finance], groups: [Team]);
        var page = (await OpenAsync(finance, $"/cases/{instance}", "processesCase")).Page;
        (await page.Locator("#sla-state").TextContentAsync())!.ShouldContain("running");
        (await page.Locator("#sla-pause").CountAsync()).ShouldBe(0);
    }

    private static async Task NoSidewaysScrollAsync(IPage page, int width)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    private static string Shot(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sla-pause");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }
}
