using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Reports;

/// <summary>
/// The /reports page in headless Chromium, at a desktop and a phone width: a supervisor of one group sees the SLA,
/// workload and duration sections with the numbers the test counts from the tasks it made (one past due, two open,
/// one completed), charts drawn, CSV links, no sideways scrolling; after a day of demands (completed with standards,
/// escalated, surveys answered, unanswered and awaiting), service orders (offers declined and accepted, visits verified
/// or not, fees released and frozen) and a settlement, the survey, completion, fulfilment and settlement sections show
/// the numbers the test counts from what it did. The case page's heatmap marks the slowest element.
/// </summary>
public sealed partial class ReportsPageTests : PageTest
{
    private static readonly string Model = DrawnModels.Line("rpt-page", null,
    [
        DrawnModels.Start("start"),
        DrawnModels.UserTask("work", "Work", """<zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=team" /><zeebe:taskSchedule dueDate="=due" />"""),
        DrawnModels.End("end"),
    ]);

    private HttpClient _admin = null!;
    private TestUser _supervisor = null!;
    private string _completedInstance = "";

    /// <summary>The stand-ins take the shipped models' process ids: the shipped ones stay out of this fixture's host.</summary>
    private protected override Task<IReadOnlyDictionary<string, string>?> HostSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(new Dictionary<string, string> { ["Processes:Definitions:DeployAtStartup"] = "false" });

    [OneTimeSetUp]
    public async Task MakeTasks()
    {
        _admin = await Browser.Host.AdminAsync();
        (await IdentityHost.DeployAsync(_admin, "rpt-page.bpmn", Model)).IsSuccessStatusCode.ShouldBeTrue();
        await IdentityHost.EnsureGroupAsync(_admin, "rpt-page-team", "Report team");
        _supervisor = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["rpt-page-team"]);
        var past = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("o", CultureInfo.InvariantCulture);
        var future = DateTimeOffset.UtcNow.AddHours(8).ToString("o", CultureInfo.InvariantCulture);
        foreach (var due in new[] { past, future, future, future })
        {
            _completedInstance = (await IdentityHost.PostAsync(_admin, "/v2/process-instances",
                new { processDefinitionId = "rpt-page", variables = new { team = "rpt-page-team", due } })).GetProperty("processInstanceKey").GetString()!;
        }
        // The last one is taken and completed in time by the supervisor.
        var task = (await IdentityHost.PostAsync(_admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = _completedInstance } }))
            .GetProperty("items")[0].GetProperty("userTaskKey").GetString();
        var supervisor = Browser.Host.Bearer(_supervisor.ApiKey);
        (await supervisor.PostAsJsonAsync($"/v2/user-tasks/{task}/assignment", new { assignee = _supervisor.UserName })).IsSuccessStatusCode.ShouldBeTrue();
        await Task.Delay(300);
        (await supervisor.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { })).IsSuccessStatusCode.ShouldBeTrue();
        await MakeServiceDayAsync();
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task A_supervisor_sees_their_groups_sla_workload_and_times(int width, int height)
    {
        // A fresh supervisor of the group per width (a browser sign-in changes the user's first password).
        var viewer = await Browser.Host.CreateUserAsync(roles: [Roles.Supervisor], groups: ["rpt-page-team"]);
        var browser = await OpenAsync(viewer, "/reports", "processesReports");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesReports.ready");
        await page.FillAsync("#process", "rpt-page");
        await page.SelectOptionAsync("#sla-by", "group");
        await page.ClickAsync("#apply");
        await page.EvaluateAsync("() => window.processesReports.ready");

        // Counted by the test: 4 tasks of the group; one past due and open (breached), two open in time, one met.
        var sla = await CellsAsync(page, "#sla-rows tr");
        sla.ShouldBe([["rpt-page-team", "1", "0", "1", "2", "50 %", ""]]);
        var workload = await CellsAsync(page, "#workload-rows tr");
        workload.ShouldContain(r => r[0] == _supervisor.UserName && r[1] == "0" && r[2] == "1");
        workload.ShouldContain(r => r[0] == "(unassigned)" && r[1] == "3" && r[2] == "0");
        (await CellsAsync(page, "#duration-rows tr")).Single(r => r[0] == "Resolution")[1].ShouldBe("1");
        (await page.Locator("#sla-chart").BoundingBoxAsync())!.Height.ShouldBeGreaterThan(100);
        (await page.GetAttributeAsync("#sla-csv", "href"))!.ShouldContain("format=csv");
        // Filtered for another process, the service-result sections have no demands or orders.
        (await page.Locator("#survey-summary").TextContentAsync())!.ShouldStartWith("0 demands surveyed");
        foreach (var section in new[] { "surveys", "completions", "fulfilment", "settlement" })
        {
            (await page.GetAttributeAsync($"#{section}-csv", "href"))!.ShouldContain($"/api/reports/{section}?");
        }
        (await page.Locator("#reports-link[aria-current='page']").CountAsync()).ShouldBe(1, "the shared navigation marks this page");

        // The service day: every process (the service sections are of their own models), numbers as the test counts them.
        await page.FillAsync("#process", "");
        await page.ClickAsync("#apply");
        await page.EvaluateAsync("() => window.processesReports.ready");
        (await page.Locator("#survey-summary").TextContentAsync()).ShouldBe(ExpectedSurveySummary());
        (await CellsAsync(page, "#survey-rows tr")).ShouldBe(ExpectedSurveyRows());
        (await CellsAsync(page, "#completion-rows tr")).ShouldBe(ExpectedCompletionRows());
        (await CellsAsync(page, "#fulfilment-rows tr")).ShouldBe(ExpectedFulfilmentRows());
        (await CellsAsync(page, "#settlement-rows tr")).ShouldBe(ExpectedSettlementRows());

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/reports-{width}.png", FullPage = true });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        overflow.ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");
    }

    [Test]
    public async Task The_case_page_heatmap_marks_the_slowest_element()
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, $"/cases/{_completedInstance}", "processesCase")).Page;
        await page.ClickAsync("#heatmap-toggle");
        await page.EvaluateAsync("() => window.processesCase.ready");
        var slowest = page.Locator("[data-heat-element][data-slowest]");
        await slowest.WaitForAsync();
        (await slowest.GetAttributeAsync("data-heat-element")).ShouldBe("work");
        (await page.Locator("[data-heat-element='work']").TextContentAsync())!.ShouldStartWith("4×");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/case-heatmap.png", FullPage = true });
    }

    [Test]
    public async Task The_designer_heatmap_shows_the_opened_versions_runs()
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, "/designer", "processesDesigner")).Page;
        await page.ClickAsync("#definitions button[data-process-id='rpt-page']");
        await page.Locator("#status-text").GetByText("opened").WaitForAsync();
        await page.ClickAsync("#heatmap");
        await page.Locator("[data-heat-element='work'][data-slowest]").WaitForAsync();
        (await page.Locator("#status-text").TextContentAsync())!.ShouldContain("most time is spent in work");
    }

    private static async Task<List<string[]>> CellsAsync(IPage page, string rows)
    {
        var result = new List<string[]>();
        foreach (var row in await page.Locator(rows).AllAsync())
        {
            result.Add([.. (await row.Locator("td").AllTextContentsAsync()).Select(t => t.Trim())]);
        }
        return result;
    }
}
