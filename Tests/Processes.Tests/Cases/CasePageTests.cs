using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// The /cases/{key} page in headless Chromium against the real host, with the shipped customer demand: central
/// dispatch with no agent profiles offers the work ticket to the group <c>dispatch</c>, so its agents see the case.
/// At a desktop and a phone width: the diagram with the live call activity marked, the called work ticket and its
/// task, the last three history entries with the rest behind "Show all", the variables; no sideways scrolling on
/// the phone. Someone the case is not visible to is told it was not found; an admin cancels it from the page.
/// </summary>
public sealed class CasePageTests : PageTest
{
    private HttpClient _admin = null!;
    private TestUser _stranger = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "dispatch", "Dispatch");
        await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "elsewhere", displayName = "Elsewhere" });
        _stranger = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["elsewhere"]);
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task An_agent_of_the_group_sees_the_demand_with_its_token_its_work_ticket_history_and_variables(int width, int height)
    {
        var demand = await StartDemandAsync($"D-CASE-{width}");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var browser = await OpenAsync(agent, $"/cases/{demand}", "processesCase");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesCase.ready");

        (await page.Locator("#case-title").TextContentAsync())!.ShouldContain(demand);
        await page.Locator("#diagram .djs-element.token[data-element-id='Ticket']").WaitForAsync();
        (await page.Locator("#called").TextContentAsync())!.ShouldContain("sla-escalation");
        (await page.Locator("#task-rows tr").CountAsync()).ShouldBe(1);
        (await page.Locator("#task-rows").TextContentAsync())!.ShouldContain("dispatch");
        (await page.Locator("#history > li").CountAsync()).ShouldBe(3, "the last three updates on top");
        await page.ClickAsync("#history-all");
        (await page.Locator("#history > li").CountAsync()).ShouldBeGreaterThan(3);
        (await page.Locator("#variables").TextContentAsync())!.ShouldContain($"D-CASE-{width}");
        (await page.Locator("#cancel-case").CountAsync()).ShouldBe(0, "cancelling is the operators'");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/case-{width}.png", FullPage = true });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    [Test]
    public async Task A_case_not_visible_to_the_user_is_not_found_and_an_admin_cancels_one_from_the_page()
    {
        var demand = await StartDemandAsync("D-CASE-CANCEL");
        var strangerPage = await OpenAsync(_stranger, $"/cases/{demand}", "processesCase");
        var stranger = strangerPage.Page;
        (await stranger.Locator("#message").TextContentAsync())!.ShouldContain("was not found");
        (await stranger.Locator("#case").IsVisibleAsync()).ShouldBeFalse();
        // The browser logs the API's 404 as a failed resource; that answer is the point here.
        strangerPage.Errors.RemoveAll(error => error.Contains("404 (Not Found)", StringComparison.Ordinal));

        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, $"/cases/{demand}", "processesCase")).Page;
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("#cancel-case");
        await page.Locator("#message").GetByText("Case cancelled.").WaitForAsync();
        var instance = await ViewAsync($"/v2/process-instances/{demand}");
        instance.GetProperty("state").GetString().ShouldBe("TERMINATED");
    }

    [Test]
    public async Task The_inbox_links_the_task_to_its_case_and_to_the_instance_that_runs_it()
    {
        var demand = await StartDemandAsync("D-CASE-LINK");
        var page = (await OpenAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]), "/inbox", "processesInbox")).Page;
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator("#tasks li", new PageLocatorOptions { HasText = "D-CASE-LINK" }).ClickAsync();
        (await page.Locator("#case-link").TextContentAsync()).ShouldBe(demand, "the case is the demand");
        await page.ClickAsync("#instance-link");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/cases/\\d+$"));
        await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
        await page.EvaluateAsync("() => window.processesCase.ready");
        (await page.Locator("#case-facts").TextContentAsync())!.ShouldContain("Called by");
    }

    private async Task<string> StartDemandAsync(string demandId)
    {
        var demand = await Shipped.ShippedDemands.StartAsync(_admin, demandId);
        await Shipped.ShippedDemands.NextTicketAsync(_admin, demand, null);
        return demand;
    }

    private async Task<JsonElement> ViewAsync(string path) => await _admin.GetFromJsonAsync<JsonElement>(path);
}
