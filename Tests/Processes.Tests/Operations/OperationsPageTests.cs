using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Operations;

/// <summary>
/// The /operations page in headless Chromium against the real host: incidents made by the real http handler (a url
/// needing a secret that is not configured fails the job without retry), retried from the page; a timer fired from the
/// page; the host's own engine node under Servers; and the 403 page for a user without the operator role.
/// </summary>
public sealed class OperationsPageTests : PageTest
{
    private const string FailingModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="operations-page-http" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="call" name="Call the ledger">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="http" />
                <zeebe:taskHeaders>
                  <zeebe:header key="url" value="{{secrets.NOT_CONFIGURED}}/ping" />
                </zeebe:taskHeaders>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
            <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private const string TimerModel = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
          <bpmn:process id="operations-page-timer" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:intermediateCatchEvent id="wait-a-day" name="Wait a day">
              <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
            </bpmn:intermediateCatchEvent>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait-a-day" />
            <bpmn:sequenceFlow id="f2" sourceRef="wait-a-day" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _admin = await Browser.Host.AdminAsync();
        foreach (var (name, xml) in new[] { ("operations-page-http.bpmn", FailingModel), ("operations-page-timer.bpmn", TimerModel) })
        {
            using var deployed = await IdentityHost.DeployAsync(_admin, name, xml);
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        }
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    /// <summary>A new operator each time: signing in changes the password, so each test user signs in once.</summary>
    private async Task<IPage> OpenOperationsAsync() =>
        (await OpenAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Operator]), "/operations", "processesOperations")).Page;

    [Test]
    public async Task An_operator_sees_a_failed_http_jobs_incident_retries_it_and_sees_the_job_fail_again_while_the_secret_is_missing()
    {
        var instance = await StartAsync("operations-page-http");
        var first = await IncidentOfAsync(instance, except: null);
        var page = await OpenOperationsAsync();

        var row = page.Locator($"#incident-rows tr[data-key='{first.Key}']");
        await row.WaitForAsync();
        var text = await row.TextContentAsync();
        text.ShouldNotBeNull();
        text.ShouldContain("operations-page-http");
        text.ShouldContain("call");
        text.ShouldContain("NOT_CONFIGURED");
        // The failed job is listed too, with the handler's error.
        (await page.Locator($"#job-rows tr[data-key='{first.JobKey}']").TextContentAsync())!.ShouldContain("needs a secret");
        if (Environment.GetEnvironmentVariable("PROCESSES_OPERATIONS_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        }

        await row.Locator("button.resolve").ClickAsync();

        await page.Locator("#message.success").GetByText($"Incident {first.Key} resolved: job {first.JobKey} runs again.").WaitForAsync();
        await row.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        // The cause remains: the job runs, fails again and a new incident appears on the page's next refresh.
        var second = await IncidentOfAsync(instance, except: first.Key);
        await page.Locator($"#incident-rows tr[data-key='{second.Key}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 15000 });
    }

    [Test]
    public async Task Retrying_a_failed_job_shows_the_apis_refusal_of_zero_retries_and_then_retries_it_with_two()
    {
        var instance = await StartAsync("operations-page-http");
        var incident = await IncidentOfAsync(instance, except: null);
        var page = await OpenOperationsAsync();
        var browser = LastPage;
        var job = page.Locator($"#job-rows tr[data-key='{incident.JobKey}']");

        await job.Locator("input.retries").FillAsync("0");
        // What was typed survives the 5-second refresh, which redraws the rows.
        await page.EvaluateAsync("() => window.processesOperations.refresh()");
        (await job.Locator("input.retries").InputValueAsync()).ShouldBe("0");
        await job.Locator("button.retry").ClickAsync();
        await page.Locator("#message.error").GetByText("Give the job at least one retry.").WaitForAsync();
        // Chromium logs every refused request; this one was expected (and only this one).
        browser.Errors.RemoveAll(e => e.Contains("status of 422", StringComparison.Ordinal) && e.Contains("/retry", StringComparison.Ordinal)).ShouldBe(1);

        await job.Locator("input.retries").FillAsync("2");
        await job.Locator("button.retry").ClickAsync();
        await page.Locator("#message.success").GetByText($"Job {incident.JobKey} retried with 2 retries.").WaitForAsync();
        // The retry resolved the job's incident; the page's refresh after the action no longer lists it.
        await page.Locator($"#incident-rows tr[data-key='{incident.Key}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        var resolved = await IdentityHost.PostAsync(_admin, "/v2/incidents/search", new { filter = new { processInstanceKey = instance } });
        resolved.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("incidentKey").GetString() == incident.Key)
            .GetProperty("state").GetString().ShouldBe("RESOLVED");
    }

    [Test]
    public async Task An_operator_fires_a_timer_now_and_the_instance_moves_on()
    {
        var instance = await StartAsync("operations-page-timer");
        var page = await OpenOperationsAsync();
        var row = page.Locator("#timer-rows tr", new PageLocatorOptions { HasText = instance });
        await row.WaitForAsync();
        (await row.TextContentAsync())!.ShouldContain("wait-a-day");

        await row.Locator("button.trigger").ClickAsync();

        await page.Locator("#message.success").GetByText("fires now").WaitForAsync();
        await row.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 15000 });
        await EventuallyAsync(async () =>
        {
            var found = await IdentityHost.PostAsync(_admin, "/v2/process-instances/search", new { filter = new { processInstanceKey = instance } });
            return found.GetProperty("items")[0].GetProperty("state").GetString() == "COMPLETED" ? "done" : null;
        });
    }

    [Test]
    public async Task The_servers_section_lists_the_running_hosts_engine_node()
    {
        var nodes = await _admin.GetFromJsonAsync<JsonElement>("/api/operations/servers");
        var node = nodes.EnumerateArray().First();
        var page = await OpenOperationsAsync();

        var row = page.Locator($"#server-rows tr[data-key='{node.GetProperty("nodeId").GetString()}']");
        await row.WaitForAsync();
        (await row.TextContentAsync())!.ShouldContain(node.GetProperty("hostName").GetString()!);
    }

    [Test]
    public async Task A_user_without_the_operator_role_gets_403_on_the_page()
    {
        var browser = await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Designer, Roles.Agent]), "/inbox");

        var response = await browser.Page.GotoAsync("/operations");

        response!.Status.ShouldBe(403);
        (await browser.Page.Locator("h1").TextContentAsync()).ShouldBe("Forbidden");
        (await browser.Page.Locator("main").TextContentAsync())!.ShouldContain("operator");
        (await browser.Page.EvaluateAsync<bool>("() => window.processesOperations === undefined")).ShouldBeTrue();
        (await browser.Page.Locator("#operations-link").CountAsync()).ShouldBe(0, "the 403 page is not the inbox");
    }

    [Test]
    public async Task The_pages_link_to_each_other_only_for_users_who_may_open_them()
    {
        var operatorAgent = await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Operator, Roles.Agent]), "/operations");
        Track(operatorAgent);
        var page = operatorAgent.Page;
        await page.EvaluateAsync("() => window.processesOperations.ready");
        (await page.Locator("#designer-link").IsVisibleAsync()).ShouldBeFalse("no designer role");
        await page.ClickAsync("#inbox-link");
        await page.WaitForURLAsync(new Uri(Browser.BaseAddress, "/inbox").ToString());
        await page.EvaluateAsync("() => window.processesInbox.ready");
        await page.ClickAsync("#operations-link");
        await page.WaitForURLAsync(new Uri(Browser.BaseAddress, "/operations").ToString());
        await page.EvaluateAsync("() => window.processesOperations.ready");

        var agent = await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent]), "/inbox");
        Track(agent);
        await agent.Page.EvaluateAsync("() => window.processesInbox.ready");
        (await agent.Page.Locator("#operations-link").IsVisibleAsync()).ShouldBeFalse("no operator role");
    }

    [Test]
    public async Task An_operator_signing_in_without_a_return_url_lands_on_the_operations_page()
    {
        var user = await Browser.Host.CreateUserAsync(roles: [Roles.Operator]);
        var browser = await Browser.NewPageAsync();
        Track(browser);
        var page = browser.Page;
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=userName]", user.UserName);
        await page.FillAsync("input[name=password]", user.Password);
        await page.ClickAsync("#login button[type=submit]");
        // A new user's password must be changed first (as BrowserHost.SignInAsync does).
        await page.Locator("#change-password").WaitForAsync();
        await page.FillAsync("input[name=newPassword]", BrowserHost.ChangedPassword);
        await page.FillAsync("input[name=repeatPassword]", BrowserHost.ChangedPassword);
        await page.ClickAsync("#change-password button[type=submit]");

        await page.WaitForURLAsync(new Uri(Browser.BaseAddress, "/operations").ToString());
        await page.EvaluateAsync("() => window.processesOperations.ready");
    }

    private async Task<string> StartAsync(string processId)
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = processId });
        return started.GetProperty("processInstanceKey").GetString()!;
    }

    private sealed record Incident(string Key, string JobKey);

    /// <summary>Waits for the instance's active incident (other than <paramref name="except"/>) as the API lists it.</summary>
    private async Task<Incident> IncidentOfAsync(string instance, string? except)
    {
        var found = await EventuallyAsync(async () =>
        {
            var search = await IdentityHost.PostAsync(_admin, "/v2/incidents/search", new { filter = new { processInstanceKey = instance, state = "ACTIVE" } });
            var incident = search.GetProperty("items").EnumerateArray().FirstOrDefault(i => i.GetProperty("incidentKey").GetString() != except);
            return incident.ValueKind == JsonValueKind.Object ? incident.GetRawText() : null;
        });
        var parsed = JsonDocument.Parse(found).RootElement;
        return new Incident(parsed.GetProperty("incidentKey").GetString()!, parsed.GetProperty("jobKey").GetString()!);
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
