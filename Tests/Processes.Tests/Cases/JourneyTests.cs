using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Activities;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// The people's journeys through the pages, in headless Chromium against the real host with the shipped models, at a
/// desktop and a phone width: home (<c>/</c>) sends everyone to the right page; an agent starts a demand from the start
/// dialog with its start form and lands on its case; finance approves one refund and rejects another from the inbox with
/// the review form and the exception orders go on (the approved refund paid once, the rejected one not at all); the responsible agent works an exception order from its case
/// page — SMS updates and a refund request from the model's actions, the last three updates with the rest behind
/// "Show all" — and revokes the refund while finance reviews it, so nothing is paid.
/// </summary>
public sealed class JourneyTests : PageTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private FakeServer _payments = null!;
    private HttpClient _admin = null!;

    private protected override async Task<IReadOnlyDictionary<string, string>?> HostSettingsAsync()
    {
        _payments = await FakeServer.StartAsync();
        _payments.Respond = request => request.PathAndQuery == "/refunds"
            ? new FakeAnswer(200, """{"refundId": "R-1", "status": "REFUNDED"}""")
            : new FakeAnswer(200, """{"errcode": 0}""");
        return new Dictionary<string, string>
        {
            ["Processes:Activities:Refund:BaseUrl"] = _payments.BaseUrl.ToString(),
            ["Processes:Activities:Refund:ReviewThreshold"] = "100",
            ["Processes:Secrets:EXCEPTION_CHAT_WEBHOOK"] = new Uri(_payments.BaseUrl, "hooks/exception-orders").ToString(),
        };
    }

    [OneTimeSetUp]
    public async Task CreateUsers()
    {
        _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(_admin, "dispatch", "Dispatch");
        await IdentityHost.EnsureGroupAsync(_admin, "finance", "Finance");
    }

    /// <summary>A new agent of the group dispatch: each sign-in needs a fresh user (the first sign-in asks for a new password).</summary>
    private Task<TestUser> NewAgentAsync() => Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["dispatch"]);

    /// <summary>A failed journey leaves a screenshot of where it stopped.</summary>
    [TearDown]
    public async Task ScreenshotOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            await Screenshot(LastPage.Page, "failed-" + TestContext.CurrentContext.Test.Name.Replace('(', '-').Replace(')', '-').Replace(',', '-'));
        }
    }

    [OneTimeTearDown]
    public async Task StopPayments()
    {
        _admin.Dispose();
        await _payments.DisposeAsync();
    }

    [Test]
    public async Task Home_sends_a_signed_out_browser_to_sign_in_and_a_signed_in_user_to_the_page_of_their_roles()
    {
        (await HomeAsync(null)).ShouldBe("/login");

        var newcomer = Track(await Browser.NewPageAsync()).Page;
        await newcomer.GotoAsync(new Uri(Browser.BaseAddress, "/").ToString());
        await newcomer.WaitForURLAsync(new Regex("/login$"));
        (await newcomer.ContentAsync()).ShouldNotContain("\"status\":", Case.Sensitive, "a page, not problem+json");

        var agent = (await OpenAsync(await NewAgentAsync(), "/inbox", "processesInbox")).Page;
        await agent.GotoAsync(new Uri(Browser.BaseAddress, "/").ToString());
        await agent.WaitForURLAsync(new Regex("/inbox$"));

        var operatorUser = await Browser.Host.CreateUserAsync(roles: [Roles.Operator]);
        (await HomeAsync(operatorUser)).ShouldBe("/operations");
        var designer = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        (await HomeAsync(designer)).ShouldBe("/designer");
        var finance = await Browser.Host.CreateUserAsync(roles: [Roles.Finance]);
        (await HomeAsync(finance)).ShouldBe("/inbox");
    }

    /// <summary>Where <c>/</c> sends <paramref name="user"/> (by API key; null: nobody signed in), read from the redirect itself.</summary>
    private async Task<string> HomeAsync(TestUser? user)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Browser.BaseAddress };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.ApiKey);
        }
        using var response = await client.GetAsync("/");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return response.Headers.Location!.ToString();
    }

    [TestCase(1280, 800)]
    [TestCase(768, 1024)]
    [TestCase(390, 844)]
    public async Task An_agent_starts_a_demand_from_the_start_dialog_lands_on_its_case_and_works_its_ticket(int width, int height)
    {
        var demandId = $"D-START-{width}";
        var agent = await NewAgentAsync();
        var page = await OpenAtAsync(agent, "/inbox", "processesInbox", width, height);
        await page.ClickAsync("#start-case");
        await page.EvaluateAsync("() => window.processesStart");
        var startable = await StartableAsync(agent);
        var ids = startable.Select(p => p.GetProperty("processDefinitionId").GetString()).ToList();
        ids.ShouldContain("exception-order");
        ids.ShouldNotContain("service-fulfilment", "it starts by a message from the platform");
        ids.ShouldNotContain("monthly-settlement", "it starts by a timer");
        var demand = startable.Single(p => p.GetProperty("processDefinitionId").GetString() == "demand-ticket");
        demand.GetProperty("hasStartForm").GetBoolean().ShouldBeTrue();
        await page.SelectOptionAsync("#start-process", demand.GetProperty("processDefinitionKey").GetString()!);
        await page.EvaluateAsync("() => window.processesStart");
        var form = page.Locator("#start-form");
        await form.GetByLabel("Demand id").FillAsync(demandId);
        await ChooseAsync(page, form, "Entrance", "App");
        await ChooseAsync(page, form, "Appeal", "Delivery");
        await form.GetByLabel("Customer id").FillAsync("C-" + demandId);
        await form.GetByLabel("Phone").FillAsync("+86 138 0000 0077");
        await form.GetByLabel("City").FillAsync("Hangzhou");
        await form.GetByLabel("Order id").FillAsync("O-" + demandId);
        await ChooseAsync(page, form, "Domain", "Logistics");
        await form.GetByLabel("Defect type").FillAsync("late-delivery");
        await Screenshot(page, $"start-dialog-{width}");
        await page.ClickAsync("#start-submit");

        await page.WaitForURLAsync(new Regex(@"/cases/\d+\?started=1$"), new PageWaitForURLOptions { Timeout = 20000 });
        await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
        await page.EvaluateAsync("() => window.processesCase.ready");
        // Until its first task opens the case is not the agent's to see: the page asks again, and the browser logs each 404.
        LastPage.Errors.RemoveAll(error => error.Contains("404 (Not Found)", StringComparison.Ordinal));
        (await page.Locator("#variables").TextContentAsync())!.ShouldContain(demandId);
        await page.Locator("#diagram .djs-element.token[data-element-id='Ticket']").WaitForAsync();
        (await page.Locator("#site-nav #inbox-link").CountAsync()).ShouldBe(1, "the shared navigation");
        var caseUrl = page.Url;
        await Screenshot(page, $"case-started-{width}");
        await NoSidewaysScrollingAsync(page, width);

        // The inbox tells the new ticket apart by the model's title, and its case is the demand.
        await page.GotoAsync(new Uri(Browser.BaseAddress, "/inbox").ToString());
        await page.WaitForFunctionAsync("() => window.processesInbox !== undefined");
        await page.EvaluateAsync("() => window.processesInbox.ready");
        var caseKey = Regex.Match(caseUrl, @"/cases/(\d+)").Groups[1].Value;
        var inbox = page;
        await inbox.ClickAsync("#views [data-view='group']");
        var row = inbox.Locator("#tasks button", new PageLocatorOptions { HasText = demandId });
        (await row.Locator(".name").TextContentAsync()).ShouldBe($"{demandId} · regular · delivery");
        await row.ClickAsync();
        await inbox.Locator("#case-link").WaitForAsync();
        (await inbox.Locator("#case-link").TextContentAsync()).ShouldBe(caseKey, "the demand, not the instance that runs the ticket");
        await Screenshot(inbox, $"inbox-titles-{width}");
        await NoSidewaysScrollingAsync(inbox, width);

        // And works it: claims the ticket and resolves it with the form; the demand leaves the ticket, no incident.
        await inbox.ClickAsync("#claim");
        await inbox.Locator("#complete").WaitForAsync();
        await inbox.Locator("#form").GetByLabel("Resolved").CheckAsync();
        await ChooseAsync(inbox, inbox.Locator("#form"), "Completion standard", "Information provided");
        await inbox.ClickAsync("#complete");
        await inbox.Locator("#no-selection").GetByText("Completed").WaitForAsync();
        var deadline = DateTime.UtcNow + Patience;
        while ((await CaseAsync(caseKey)).GetProperty("activeElements").EnumerateArray().Any(e => e.GetProperty("elementId").GetString() == "Ticket"))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the demand leaves its work ticket once resolved");
            await Task.Delay(300);
        }
        var worked = await CaseAsync(caseKey);
        worked.GetProperty("incidents").GetArrayLength().ShouldBe(0);
        worked.GetProperty("variables").GetProperty("completionStandard").GetString().ShouldBe("information-provided");
    }

    [TestCase(1280, 800)]
    [TestCase(768, 1024)]
    [TestCase(390, 844)]
    public async Task Finance_approves_one_refund_and_rejects_another_from_the_inbox_and_the_exception_orders_go_on(int width, int height)
    {
        var finance = await Browser.Host.CreateUserAsync(roles: [Roles.Finance], groups: ["finance"]);
        var page = await OpenAtAsync(finance, "/inbox", "processesInbox", width, height);
        foreach (var approve in new[] { true, false })
        {
            var orderId = $"O-{(approve ? "APPROVE" : "REJECT")}-{width}";
            var (order, recordUpdate, review) = await RefundUnderReviewAsync(orderId, 250);
            await page.ClickAsync("#views [data-view='group']");
            var row = page.Locator($"#tasks [data-key='{review}']");
            (await row.Locator(".name").TextContentAsync()).ShouldBe($"Refund 250 · exception {orderId}");
            await row.ClickAsync();
            await page.ClickAsync("#claim");
            await page.Locator("#complete").WaitForAsync();
            if (approve)
            {
                await page.Locator("#form").GetByLabel("Approve the refund").CheckAsync();
            }
            await page.Locator("#form").GetByLabel("Reason for the decision").FillAsync(approve ? "Courier confirmed the loss." : "The parcel was delivered.");
            await Screenshot(page, $"finance-review-{width}-{approve}");
            await NoSidewaysScrollingAsync(page, width);
            await page.ClickAsync("#complete");
            await page.Locator($"#tasks [data-key='{review}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });

            // Paid once when approved, nothing when rejected; either way the order is back at its next update.
            await OpenTaskAsync(order, "RecordUpdate", after: recordUpdate);
            var variables = (await CaseAsync(order)).GetProperty("variables");
            variables.GetProperty("refundApproved").GetBoolean().ShouldBe(approve);
            variables.GetProperty("refundStatus").GetString().ShouldBe(approve ? "refunded" : "rejected");
            _payments.Requests.Count(r => r.PathAndQuery == "/refunds" && r.Body.Contains(orderId, StringComparison.Ordinal)).ShouldBe(approve ? 1 : 0);
            (await RefundsSentAsync(order)).ShouldBe(approve ? 1 : 0, "the refund ledger agrees with the payment provider");
        }
    }

    /// <summary>An exception order whose responsible agent asked for a refund of <paramref name="amount"/> (over the API): its keys and the open review.</summary>
    private async Task<(string Order, string RecordUpdate, string Review)> RefundUnderReviewAsync(string orderId, int amount)
    {
        var agent = await NewAgentAsync();
        var order = await StartExceptionOrderAsync(orderId, agent);
        var recordUpdate = await OpenTaskAsync(order, "RecordUpdate");
        var completed = await Browser.Host.Bearer(agent.ApiKey).PostAsJsonAsync($"/v2/user-tasks/{recordUpdate}/completion",
            new { variables = new { updateType = "refund", note = "parcel lost", refundAmount = amount, refundReason = "lost" } });
        completed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await completed.Content.ReadAsStringAsync());
        return (order, recordUpdate, await OpenTaskAsync(order, "FinanceReview"));
    }

    [TestCase(1280, 800)]
    [TestCase(768, 1024)]
    [TestCase(390, 844)]
    public async Task The_responsible_agent_works_an_exception_order_from_its_case_page_and_revokes_the_refund_before_it_is_paid(int width, int height)
    {
        var orderId = $"O-REVOKE-{width}";
        var agent = await NewAgentAsync();
        var order = await StartExceptionOrderAsync(orderId, agent);
        await OpenTaskAsync(order, "RecordUpdate");
        var page = await OpenAtAsync(agent, $"/cases/{order}", "processesCase", width, height);
        (await page.Locator("#action-revoke-refund").CountAsync()).ShouldBe(0, "nothing to revoke yet");
        await Screenshot(page, $"case-open-{width}");

        for (var n = 1; n <= 3; n++)
        {
            await page.ClickAsync("#action-send-sms");
            var text = page.Locator("#action-form").GetByLabel("Text of the SMS");
            (await text.InputValueAsync()).ShouldNotBeNullOrEmpty("the model's form offers a text to edit");
            await text.FillAsync($"Update {n} on your order.");
            await page.ClickAsync("#action-submit");
            await page.Locator("#message").GetByText("Done: Send an SMS.").WaitForAsync();
            await WaitForActionAsync(page, "request-refund");
        }
        await page.ClickAsync("#action-request-refund");
        var form = page.Locator("#action-form");
        await form.GetByLabel("Refund amount").FillAsync("180");
        await ChooseAsync(page, form, "Refund reason", "Goods damaged");
        await form.GetByLabel("Note").FillAsync("Box arrived crushed.");
        await page.ClickAsync("#action-submit");
        await page.Locator("#message").GetByText("Done: Request a refund.").WaitForAsync();
        await WaitForActionAsync(page, "revoke-refund");

        (await page.Locator("#updates > li").CountAsync()).ShouldBe(3, "the last three updates");
        (await page.Locator("#updates > li").First.TextContentAsync())!.ShouldContain("refund");
        await page.ClickAsync("#updates-all");
        (await page.Locator("#updates > li").CountAsync()).ShouldBe(4);
        await page.Locator("#updates > li").Last.Locator("summary").ClickAsync();
        (await page.Locator("#updates > li").Last.TextContentAsync())!.ShouldContain("Update 1 on your order.");
        await Screenshot(page, $"case-actions-{width}");
        await NoSidewaysScrollingAsync(page, width);

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("#action-revoke-refund");
        await page.Locator("#message").GetByText("Done: Revoke the refund.").WaitForAsync();
        await OpenTaskAsync(order, "RecordUpdate", after: null, count: 5);
        (await CaseAsync(order)).GetProperty("variables").GetProperty("refundStatus").GetString().ShouldBe("revoked");
        _payments.Requests.Count(r => r.PathAndQuery == "/refunds" && r.Body.Contains(orderId, StringComparison.Ordinal)).ShouldBe(0, "nothing is paid");
        (await RefundsSentAsync(order)).ShouldBe(0, "nothing in the refund ledger");
        // The one refund job is the request in the agent's own name (a position without a refund limit): the payment API
        // was never called, the agent's limit sent it to finance (REVIEW_REQUIRED), and after the revocation nothing pays.
        var refundJob = (await RefundJobsAsync(order)).ShouldHaveSingleItem("only the request in the agent's name");
        refundJob.GetProperty("elementId").GetString().ShouldBe("RequestRefund");
        refundJob.GetProperty("state").GetString().ShouldBe("ERROR_THROWN");
        var recorded = (await CaseAsync(order)).GetProperty("variables").GetProperty("updates");
        recorded.GetArrayLength().ShouldBe(4);
    }

    [Test]
    public async Task An_action_the_state_does_not_offer_is_refused_a_stranger_gets_404_and_nobody_takes_a_task_over()
    {
        var responsible = await NewAgentAsync();
        var order = await StartExceptionOrderAsync("O-REFUSE", responsible);
        await OpenTaskAsync(order, "RecordUpdate");
        var agent = Browser.Host.Bearer(responsible.ApiKey);
        var actions = await agent.GetFromJsonAsync<JsonElement>($"/api/instances/{order}/actions");
        actions.EnumerateArray().Select(a => a.GetProperty("id").GetString()).ShouldBe(["request-refund", "send-sms"]);
        var revoke = await agent.PostAsJsonAsync($"/api/instances/{order}/actions/revoke-refund", new { });
        revoke.StatusCode.ShouldBe(HttpStatusCode.Conflict, await revoke.Content.ReadAsStringAsync());
        (await revoke.Content.ReadAsStringAsync()).ShouldContain("revoke-refund");

        var stranger = await Browser.Host.CreateUserAsync(roles: [Roles.Agent]);
        (await Browser.Host.Bearer(stranger.ApiKey).GetAsync($"/api/instances/{order}/actions")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // Reassigning to a name nobody has is refused, naming it (by the assignee: a task one may not see is a 404 first).
        var nobody = await agent.PostAsJsonAsync($"/api/tasks/{actions[0].GetProperty("userTaskKey").GetString()}/reassign",
            new { assignee = "nobody.here", reason = "on holiday" });
        nobody.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await nobody.Content.ReadAsStringAsync()).ShouldContain("nobody.here");
        // Variables that are not an object are the request's fault, named.
        var bad = await agent.PostAsJsonAsync($"/api/instances/{order}/actions/send-sms", new { variables = new[] { 1 } });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await bad.Content.ReadAsStringAsync());
    }

    private async Task<IPage> OpenAtAsync(TestUser user, string path, string ready, int width, int height)
    {
        var page = (await OpenAsync(user, path, ready)).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.WaitForFunctionAsync($"() => window.{ready} !== undefined");
        await page.EvaluateAsync($"() => window.{ready}.ready");
        return page;
    }

    /// <summary>Picks <paramref name="option"/> in the form-js select labelled <paramref name="label"/> (a dropdown, not a native select).</summary>
    private static async Task ChooseAsync(IPage page, ILocator form, string label, string option)
    {
        var field = form.Locator(".fjs-form-field-select", new LocatorLocatorOptions { Has = page.Locator("label", new PageLocatorOptions { HasText = label }) });
        await field.Locator(".fjs-input-group").ClickAsync();
        await field.Locator(".fjs-dropdownlist-item", new LocatorLocatorOptions { HasText = option }).ClickAsync();
    }

    /// <summary>The case page reloads after an action; the next action shows once the engine has moved the case on.</summary>
    private static async Task WaitForActionAsync(IPage page, string action)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await page.Locator($"#action-{action}").CountAsync() == 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the case offers {action}");
            await Task.Delay(500);
            await page.ReloadAsync();
            await page.WaitForFunctionAsync("() => window.processesCase !== undefined");
            await page.EvaluateAsync("() => window.processesCase.ready");
        }
    }

    private async Task<string> StartExceptionOrderAsync(string orderId, TestUser responsible)
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new
        {
            processDefinitionId = "exception-order",
            variables = new
            {
                orderId,
                problemType = "sold-out",
                problemDetail = "partly-sold-out",
                responsible = responsible.UserName,
                customer = new { id = "C-" + orderId, phone = "+86 138 0000 0042", tier = "regular", city = "Hangzhou" },
            },
        });
        return started.GetProperty("processInstanceKey").GetString()!;
    }

    /// <summary>The open task of <paramref name="elementId"/> in the case (another than <paramref name="after"/>), once there; with <paramref name="count"/>, once that many were created.</summary>
    private async Task<string> OpenTaskAsync(string order, string elementId, string? after = null, int count = 0)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var tasks = (await CaseAsync(order)).GetProperty("tasks").EnumerateArray().Where(t => t.GetProperty("elementId").GetString() == elementId).ToList();
            var open = tasks.FirstOrDefault(t => t.GetProperty("state").GetString() == "CREATED" && t.GetProperty("userTaskKey").GetString() != after);
            if (open.ValueKind == JsonValueKind.Object && tasks.Count >= count)
            {
                return open.GetProperty("userTaskKey").GetString()!;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{elementId} opens in {order}");
            await Task.Delay(200);
        }
    }

    /// <summary>The refund ledger (<c>refund_sent</c>, one row per refund the provider accepted) for the order.</summary>
    private async Task<long> RefundsSentAsync(string order)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT count(*) FROM refund_sent WHERE process_instance_key = @order",
            new { order = long.Parse(order, System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>Jobs of the refund activity in the order, whatever their state: a revoked refund never gets one.</summary>
    private async Task<List<JsonElement>> RefundJobsAsync(string order)
    {
        using var jobs = await _admin.PostAsJsonAsync("/v2/jobs/search", new { filter = new { processInstanceKey = order, type = "refund" } });
        jobs.StatusCode.ShouldBe(HttpStatusCode.OK, await jobs.Content.ReadAsStringAsync());
        return [.. (await jobs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    private async Task<JsonElement> CaseAsync(string order) => await _admin.GetFromJsonAsync<JsonElement>($"/api/instances/{order}");

    private async Task<List<JsonElement>> StartableAsync(TestUser agent) =>
        [.. (await Browser.Host.Bearer(agent.ApiKey).GetFromJsonAsync<JsonElement>("/api/processes/startable")).EnumerateArray()];

    private static async Task NoSidewaysScrollingAsync(IPage page, int width)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    private static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "journeys", $"{name}.png"), FullPage = true });
}
