using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Inbox;

/// <summary>
/// The /inbox page in headless Chromium against the real host, with the shipped customer-demand model: with no agent
/// profiles central dispatch offers the work ticket to the group <c>dispatch</c>, whose agents see it, claim it and
/// complete it with its form; a colleague sees a claimed ticket without being able to complete it.
/// </summary>
public sealed partial class InboxPageTests : PageTest
{
    /// <summary>A task of the group dispatch whose due date is whatever the variable <c>due</c> says.</summary>
    private const string DueModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="inbox-page-due" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="late" name="Call back the customer">
              <bpmn:extensionElements>
                <zeebe:userTask />
                <zeebe:assignmentDefinition candidateGroups="dispatch" />
                <zeebe:taskSchedule dueDate="=due" />
              </bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="late" />
            <bpmn:sequenceFlow id="f2" sourceRef="late" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private HttpClient _admin = null!;
    private TestUser _ann = null!;
    private TestUser _sam = null!;
    private TestUser _carl = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "dispatch", "Dispatch");
        _ann = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        _sam = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["dispatch"]);
        _carl = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        using var deployed = await IdentityHost.DeployAsync(_admin, "inbox-page-due.bpmn", DueModel);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    private Task<BrowserPage> OpenInboxAsync(TestUser user) => OpenAsync(user, "/inbox", "processesInbox");

    [Test]
    public async Task An_agent_claims_a_demands_work_ticket_and_completes_it_with_its_form()
    {
        var (demand, ticket) = await StartDemandAsync("D-INBOX-1");
        var page = (await OpenInboxAsync(_ann)).Page;

        await page.ClickAsync("#views [data-view='unassigned']");
        await page.Locator($"#tasks [data-key='{ticket}']").WaitForAsync();
        await page.ClickAsync("#views [data-view='group']");
        var item = page.Locator($"#tasks [data-key='{ticket}']");
        (await item.Locator(".assignee").TextContentAsync()).ShouldBe("unassigned");
        await item.ClickAsync();
        await page.Locator("#claim").WaitForAsync();
        (await page.Locator("#complete").IsVisibleAsync()).ShouldBeFalse("only the assignee completes");

        await page.ClickAsync("#claim");
        await page.Locator("#complete").WaitForAsync();
        (await page.Locator("#task-facts").TextContentAsync())!.ShouldContain(_ann.UserName);
        (await page.Locator("#form").TextContentAsync())!.ShouldContain("Demand D-INBOX-1", Case.Sensitive);
        (await page.Locator("#form").GetByText("Completion standard").CountAsync()).ShouldBe(0, "shown only for a resolved ticket");
        await page.Locator("#form").GetByLabel("Resolved").CheckAsync();
        await page.Locator("#form .fjs-form-field-select .fjs-input-group").ClickAsync();
        await page.Locator("#form .fjs-dropdownlist-item", new PageLocatorOptions { HasText = "Replacement delivered" }).ClickAsync();
        await page.Locator("#form").GetByLabel("Notes").FillAsync("Courier delivered a replacement.");
        if (Environment.GetEnvironmentVariable("PROCESSES_INBOX_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        }
        await page.ClickAsync("#complete");

        await page.Locator($"#tasks [data-key='{ticket}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        (await page.Locator("#no-selection").TextContentAsync())!.ShouldContain("Completed");
        var variables = await EventuallyAsync(async () =>
        {
            var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{demand}");
            var found = view.GetProperty("variables");
            return found.TryGetProperty("completionStandard", out _) ? found : (JsonElement?)null;
        });
        variables.GetProperty("ticketOutcome").GetString().ShouldBe("resolved");
        variables.GetProperty("completionStandard").GetString().ShouldBe("replacement-delivered");
        variables.GetProperty("notes").GetString().ShouldBe("Courier delivered a replacement.");
    }

    [Test]
    public async Task A_colleague_sees_a_claimed_ticket_cannot_complete_it_and_a_supervisor_reassigns_it_with_a_reason()
    {
        var (_, ticket) = await StartDemandAsync("D-INBOX-2");
        using (var ann = Browser.Host.Bearer(_ann.ApiKey))
        {
            using var claimed = await ann.PostAsJsonAsync($"/v2/user-tasks/{ticket}/assignment", new { assignee = _ann.UserName });
            claimed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await claimed.Content.ReadAsStringAsync());
        }

        // A plain agent of the group: sees it, may neither complete nor reassign it, and the API says the same.
        var carl = (await OpenInboxAsync(_carl)).Page;
        await carl.ClickAsync($"#tasks [data-key='{ticket}']");
        await carl.Locator("#task-facts").GetByText(_ann.UserName).WaitForAsync();
        (await carl.Locator("#complete").IsVisibleAsync()).ShouldBeFalse();
        (await carl.Locator("#claim").IsVisibleAsync()).ShouldBeFalse();
        (await carl.Locator("#reassign").IsVisibleAsync()).ShouldBeFalse();
        using (var api = Browser.Host.Bearer(_carl.ApiKey))
        {
            using var refused = await api.PostAsJsonAsync($"/v2/user-tasks/{ticket}/completion", new { variables = new { ticketOutcome = "resolved" } });
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // The supervisor of the group: no Complete either, but Reassign, which needs a reason.
        var sam = (await OpenInboxAsync(_sam)).Page;
        await sam.ClickAsync($"#tasks [data-key='{ticket}']");
        await sam.Locator("#reassign").WaitForAsync();
        (await sam.Locator("#complete").IsVisibleAsync()).ShouldBeFalse();
        await sam.SelectOptionAsync("#reassign select[name=assignee]", _carl.UserName);
        await sam.FillAsync("#reassign input[name=reason]", "Ann is off sick");
        await sam.ClickAsync("#reassign button[type=submit]");
        await sam.Locator("#task-message").GetByText($"Reassigned to {_carl.UserName}.").WaitForAsync();
        (await sam.Locator("#task-facts").TextContentAsync())!.ShouldContain(_carl.UserName);
        var task = await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{ticket}");
        task.GetProperty("assignee").GetString().ShouldBe(_carl.UserName);
    }

    [Test]
    public async Task Completing_a_task_that_changed_since_the_page_read_it_shows_the_apis_conflict_and_keeps_the_task()
    {
        var (_, ticket) = await StartDemandAsync("D-INBOX-4");
        var agent = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);
        var browser = await OpenInboxAsync(agent);
        var page = browser.Page;
        await page.ClickAsync($"#tasks [data-key='{ticket}']");
        await page.ClickAsync("#claim");
        await page.Locator("#complete").WaitForAsync();
        await page.Locator("#form").GetByLabel("Escalate to a supervisor").CheckAsync();

        // A supervisor raises the priority meanwhile: a new task version the page has not read (no event for it).
        using (var supervisor = Browser.Host.Bearer(_sam.ApiKey))
        {
            using var patched = await supervisor.PatchAsJsonAsync($"/v2/user-tasks/{ticket}", new { changeset = new { priority = 90 } });
            patched.StatusCode.ShouldBe(HttpStatusCode.NoContent, await patched.Content.ReadAsStringAsync());
        }
        await page.ClickAsync("#complete");

        await page.Locator("#task-message.error").GetByText("changed since it was read").WaitForAsync();
        (await page.Locator("#complete").IsVisibleAsync()).ShouldBeTrue("the task stays open for another try");
        // Chromium logs every refused request; this one was expected (and only this one).
        browser.Errors.RemoveAll(e => e.Contains("status of 409", StringComparison.Ordinal) && e.Contains("/completion", StringComparison.Ordinal)).ShouldBe(1);
        (await _admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{ticket}")).GetProperty("state").GetString().ShouldBe("CREATED");
    }

    [Test]
    public async Task The_sla_countdown_ticks_and_a_breached_task_is_marked()
    {
        var (_, ticket) = await StartDemandAsync("D-INBOX-3");
        var breached = await StartDueAsync(DateTimeOffset.UtcNow.AddHours(-1));
        // A user of its own: signing in changes the password, so each test user signs in once.
        var page = (await OpenInboxAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]))).Page;

        var sla = page.Locator($"#tasks [data-key='{ticket}'] .sla");
        var first = await sla.TextContentAsync();
        first.ShouldNotBeNull();
        ClockText().IsMatch(first).ShouldBeTrue($"a countdown, not '{first}'");
        (await sla.GetAttributeAsync("class"))!.ShouldNotContain("breached");
        await page.WaitForFunctionAsync("([selector, before]) => document.querySelector(selector).textContent !== before",
            new object[] { $"#tasks [data-key='{ticket}'] .sla", first });

        await page.ClickAsync("#views [data-view='breached']");
        var late = page.Locator($"#tasks [data-key='{breached}'] .sla");
        (await late.GetAttributeAsync("class"))!.ShouldContain("breached");
        (await late.TextContentAsync())!.ShouldStartWith("breached ");
        (await page.Locator("#views [data-view='breached'] .count").TextContentAsync()).ShouldNotBe("0");
    }

    [Test]
    public async Task A_user_without_a_tasks_role_gets_403_on_the_page()
    {
        var browser = await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Designer, Roles.Operator]), "/inbox");

        var response = await browser.Page.GotoAsync("/inbox");

        response!.Status.ShouldBe(403);
        (await browser.Page.Locator("h1").TextContentAsync()).ShouldBe("Forbidden");
        (await browser.Page.Locator("main").TextContentAsync())!.ShouldContain("agent");
        (await browser.Page.EvaluateAsync<bool>("() => window.processesInbox === undefined")).ShouldBeTrue();
    }

    [GeneratedRegex(@"^(\d+d )?\d\d:\d\d:\d\d$")]
    private static partial Regex ClockText();

    /// <summary>Starts a demand and waits for its work ticket (a user task of the called sla-escalation instance).</summary>
    private async Task<(string Demand, string Ticket)> StartDemandAsync(string demandId)
    {
        var before = (await TicketsAsync()).ToHashSet();
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new
        {
            processDefinitionId = "demand-ticket",
            variables = new
            {
                demandId,
                entrance = "app",
                appeal = "delivery",
                customer = new { id = "C-" + demandId, phone = "+86 138 0000 0077", tier = "regular", city = "Hangzhou" },
                scenario = new { orderId = "O-" + demandId, domain = "logistics", defectType = "late-delivery" },
            },
        });
        var ticket = await EventuallyAsync(async () => (await TicketsAsync()).FirstOrDefault(key => !before.Contains(key)));
        return (started.GetProperty("processInstanceKey").GetString()!, ticket);
    }

    private async Task<List<string>> TicketsAsync()
    {
        var found = await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { elementId = "WorkTicket", state = "CREATED" } });
        return [.. found.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("userTaskKey").GetString()!)];
    }

    private async Task<string> StartDueAsync(DateTimeOffset due)
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new
        {
            processDefinitionId = "inbox-page-due",
            variables = new { due = due.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
        });
        var instance = started.GetProperty("processInstanceKey").GetString();
        var found = await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
        return found.GetProperty("items").EnumerateArray().Single().GetProperty("userTaskKey").GetString()!;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Not there after 30 seconds.");
            }
            await Task.Delay(200);
        }
    }

    private static async Task<string> EventuallyAsync(Func<Task<string?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Not there after 30 seconds.");
            }
            await Task.Delay(200);
        }
    }
}
