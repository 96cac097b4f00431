using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Inbox;

/// <summary>
/// Work tickets of the shipped demand through the inbox at a desktop, a tablet and a phone width: an agent transfers a
/// ticket with the target group left empty (it goes back to dispatch, no incident), then naming logistics (it goes there), another escalates one to the
/// supervisors; a supervisor takes a member's ticket over from the team view with a reason, and the reassign picker
/// offers only the task's group. Inbox and case pages pass axe with no serious or critical violation.
/// </summary>
public sealed class TeamJourneyTests : PageTest
{
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task CreateGroups()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "dispatch", "Dispatch");
        await IdentityHost.EnsureGroupAsync(_admin, "supervisors", "Supervisors");
        await IdentityHost.EnsureGroupAsync(_admin, "logistics", "Logistics");
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    [TearDown]
    public async Task ScreenshotOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            await Screenshot(LastPage.Page, "failed-" + TestContext.CurrentContext.Test.Name.Replace('(', '-').Replace(')', '-').Replace(',', '-'));
        }
    }

    [TestCase(1280, 800)]
    [TestCase(768, 1024)]
    [TestCase(390, 844)]
    public async Task An_agent_transfers_a_ticket_without_and_with_a_group_and_another_escalates_one_to_the_supervisors(int width, int height)
    {
        var (demand, ticket) = await StartDemandAsync($"D-TRANSFER-{width}");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var page = await OpenInboxAtAsync(agent, width, height);

        await WorkAsync(page, ticket, "Transfer to another group");
        await ChooseAsync(page, page.Locator("#form"), "Transfer reason", "Wrong skill group");
        await Screenshot(page, $"transfer-{width}");
        await page.ClickAsync("#complete");
        await page.Locator("#no-selection").GetByText("Completed").WaitForAsync();
        // The empty "Transfer to group" names no group: the ticket goes back to dispatch instead of failing.
        var next = await NextTicketAsync(demand, ticket);
        next.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["dispatch"]);
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}");
        view.GetProperty("instance").GetProperty("hasIncident").GetBoolean().ShouldBeFalse();
        view.GetProperty("incidents").GetArrayLength().ShouldBe(0);

        // The ticket back at dispatch, transferred again naming a group: it goes there.
        await page.ReloadAsync();
        await ReadyAsync(page);
        var nextKey = next.GetProperty("userTaskKey").GetString()!;
        await WorkAsync(page, nextKey, "Transfer to another group");
        await ChooseAsync(page, page.Locator("#form"), "Transfer reason", "Needs the logistics team");
        await page.Locator("#form").GetByLabel("Transfer to group").FillAsync("logistics");
        await page.ClickAsync("#complete");
        await page.Locator("#no-selection").GetByText("Completed").WaitForAsync();
        var logistics = await NextTicketAsync(demand, nextKey);
        logistics.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["logistics"]);

        var (escalatedDemand, escalated) = await StartDemandAsync($"D-ESCALATE-{width}");
        await page.ReloadAsync();
        await ReadyAsync(page);
        await WorkAsync(page, escalated, "Escalate to a supervisor");
        await page.Locator("#form").GetByLabel("Supervisors").CheckAsync();
        await page.ClickAsync("#complete");
        await page.Locator("#no-selection").GetByText("Completed").WaitForAsync();
        var up = await NextTicketAsync(escalatedDemand, escalated);
        up.GetProperty("candidateGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["supervisors"]);

        var supervisor = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["supervisors"]);
        var lead = await OpenInboxAtAsync(supervisor, width, height);
        await lead.ClickAsync("#views [data-view='group']");
        await lead.Locator($"#tasks [data-key='{up.GetProperty("userTaskKey").GetString()}']").WaitForAsync();
        await NoSidewaysScrollingAsync(lead, width);
    }

    [TestCase(1280, 800)]
    [TestCase(768, 1024)]
    [TestCase(390, 844)]
    public async Task A_supervisor_takes_a_members_ticket_over_with_a_reason_and_the_picker_offers_only_the_group(int width, int height)
    {
        var (demand, ticket) = await StartDemandAsync($"D-TAKEOVER-{width}");
        var member = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var outsider = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["logistics"]);
        using (var api = Browser.Host.Bearer(member.ApiKey))
        {
            using var claimed = await api.PostAsJsonAsync($"/v2/user-tasks/{ticket}/assignment", new { assignee = member.UserName });
            claimed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await claimed.Content.ReadAsStringAsync());
        }
        var supervisor = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["dispatch"]);
        var page = await OpenInboxAtAsync(supervisor, width, height);

        await page.ClickAsync("#views [data-view='team']");
        var row = page.Locator($"#tasks [data-key='{ticket}']");
        (await row.Locator(".assignee").TextContentAsync()).ShouldBe($"→ {member.UserName}");
        await row.ClickAsync();
        await page.Locator("#take-over").WaitForAsync();
        // The picker fills from GET /api/tasks/{key}/eligible once the task shows.
        await page.Locator($"#reassign-assignee option[value='{supervisor.UserName}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var options = await page.Locator("#reassign-assignee option").AllTextContentsAsync();
        options.ShouldContain(o => o.Contains(supervisor.UserName, StringComparison.Ordinal));
        options.ShouldNotContain(o => o.Contains(outsider.UserName, StringComparison.Ordinal), "not of the ticket's group");
        options.ShouldNotContain(o => o.Contains(member.UserName, StringComparison.Ordinal), "already holds it");
        await AssertAccessibleAsync(page, "inbox");
        await page.FillAsync("#take-over-reason", "Customer asked for the team lead");
        await Screenshot(page, $"take-over-{width}");
        await page.ClickAsync("#take-over button[type=submit]");

        await page.Locator("#task-message").GetByText("Taken over").WaitForAsync();
        (await page.Locator("#task-facts").TextContentAsync())!.ShouldContain(supervisor.UserName);
        (await page.Locator("#complete").IsVisibleAsync()).ShouldBeTrue("the ticket is the supervisor's now");
        var history = (await _admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=task.reassigned&actor={supervisor.UserName}"))
            .GetProperty("items").EnumerateArray().ToList();
        history.ShouldContain(entry => entry.GetProperty("targetId").GetString() == ticket
            && entry.GetProperty("details").GetRawText().Contains("Customer asked for the team lead", StringComparison.Ordinal));
        await NoSidewaysScrollingAsync(page, width);

        await page.GotoAsync(new Uri(Browser.BaseAddress, $"/cases/{demand}").ToString());
        await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
        await page.EvaluateAsync("() => window.processesCase.ready");
        await Screenshot(page, $"case-{width}");
        await AssertAccessibleAsync(page, "case");
    }

    private async Task<IPage> OpenInboxAtAsync(TestUser user, int width, int height)
    {
        var page = (await OpenAsync(user, "/inbox", "processesInbox")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await ReadyAsync(page);
        return page;
    }

    private static async Task ReadyAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => window.processesInbox !== undefined");
        await page.EvaluateAsync("() => window.processesInbox.ready");
    }

    /// <summary>
    /// Claims the ticket in the group view and picks the outcome in its form. The keyboard focus follows the work: on
    /// the task's heading once it is selected, in its form once claimed — never back on the page body.
    /// </summary>
    private static async Task WorkAsync(IPage page, string ticket, string outcome)
    {
        await page.ClickAsync("#views [data-view='group']");
        await page.ClickAsync($"#tasks [data-key='{ticket}']");
        await page.WaitForFunctionAsync("() => document.activeElement?.id === 'task-name'", null, new PageWaitForFunctionOptions { Timeout = 10000 });
        await page.ClickAsync("#claim");
        await page.Locator("#complete").WaitForAsync();
        await page.WaitForFunctionAsync("() => document.activeElement?.closest('#form') !== null", null, new PageWaitForFunctionOptions { Timeout = 10000 });
        (await page.EvaluateAsync<string>("() => document.activeElement.tagName")).ShouldBe("INPUT", "the form's first field");
        await page.Locator("#form").GetByLabel(outcome).CheckAsync();
    }

    private static async Task ChooseAsync(IPage page, ILocator form, string label, string option)
    {
        var field = form.Locator(".fjs-form-field-select", new LocatorLocatorOptions { Has = page.Locator("label", new PageLocatorOptions { HasText = label }) });
        await field.Locator(".fjs-input-group").ClickAsync();
        await field.Locator(".fjs-dropdownlist-item", new LocatorLocatorOptions { HasText = option }).ClickAsync();
    }

    /// <summary>axe-core on the page as it is: nothing serious or critical (each violation named with its first node).</summary>
    private static async Task AssertAccessibleAsync(IPage page, string name)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{name}: {v.Id} ({v.Impact}) {v.Help} at {v.Nodes.FirstOrDefault()?.Target}").ToList();
        serious.ShouldBeEmpty();
    }

    private async Task<(string Demand, string Ticket)> StartDemandAsync(string demandId)
    {
        var demand = await Shipped.ShippedDemands.StartAsync(_admin, demandId);
        return (demand, (await NextTicketAsync(demand, null)).GetProperty("userTaskKey").GetString()!);
    }

    private Task<JsonElement> NextTicketAsync(string demand, string? after) => Shipped.ShippedDemands.NextTicketAsync(_admin, demand, after);

    private static async Task NoSidewaysScrollingAsync(IPage page, int width)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    private static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "journeys", $"{name}.png"), FullPage = true });
}
