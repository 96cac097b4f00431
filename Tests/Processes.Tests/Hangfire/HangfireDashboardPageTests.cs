using System.Diagnostics;
using System.Text;
using Dapper;
using Microsoft.Playwright;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Storage;

namespace Processes.Tests.Hangfire;

/// <summary>
/// The Hangfire dashboard at /operations/hangfire in headless Chromium against a real host with Hangfire on: an operator
/// finds the SLA timer's job by its readable name and fires it with "Enqueue now"; an agent gets 403.
/// </summary>
[NonParallelizable]
public sealed class HangfireDashboardPageTests : DatabaseTest
{
    private BrowserHost _browser = null!;

    // Due in ten minutes, inside the horizon: handed over at once, and fired only by the operator's "Enqueue now".
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
          <bpmn:process id="hf-dashboard" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="WorkTicket" name="Work ticket" />
            <bpmn:endEvent id="end" />
            <bpmn:boundaryEvent id="Sla75" name="SLA 75 %" attachedToRef="WorkTicket" cancelActivity="false">
              <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT10M</bpmn:timeDuration></bpmn:timerEventDefinition>
            </bpmn:boundaryEvent>
            <bpmn:endEvent id="slaNoted" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="WorkTicket" />
            <bpmn:sequenceFlow id="f2" sourceRef="WorkTicket" targetRef="end" />
            <bpmn:sequenceFlow id="f3" sourceRef="Sla75" targetRef="slaNoted" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    [OneTimeSetUp]
    public async Task StartBrowserHost() => _browser = await BrowserHost.StartAsync(ConnectionString, new Dictionary<string, string>
    {
        ["Processes:Hangfire:Enabled"] = "true",
        ["Processes:Hangfire:Handover:PollInterval"] = "00:00:00.200",
    });

    [OneTimeTearDown]
    public async Task StopBrowserHost()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    [Test]
    public async Task An_operator_finds_the_sla_job_by_name_and_enqueues_it_now_and_the_instance_moves_past_the_timer()
    {
        var engine = _browser.Host.Service<IProcessEngine>();
        await _browser.Host.Service<DeploymentService>().DeployAsync([new DeploymentResource("hf-dashboard.bpmn", Encoding.UTF8.GetBytes(Model))], CancellationToken.None);
        var created = await engine.CreateInstanceAsync("hf-dashboard", null, null, "D-3001", CancellationToken.None);
        created.Ok.ShouldBeTrue(created.Message);
        var instance = created.Value!.ProcessInstanceKey;
        await EventuallyAsync("the timer handed over", async () =>
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<string?>("SELECT external_job FROM timer WHERE process_instance_key = @instance", new { instance }) is not null;
        });

        await using var browser = await _browser.SignInAsync(await _browser.Host.CreateUserAsync(roles: [Roles.Operator, Roles.Supervisor]), "/operations");
        var page = browser.Page;
        (await page.Locator("#hangfire-link").GetAttributeAsync("href")).ShouldBe("/operations/hangfire");
        var response = await page.GotoAsync("/operations/hangfire/jobs/scheduled");
        response!.Status.ShouldBe(200);
        var row = page.Locator("tr", new PageLocatorOptions { HasText = "SLA 75 % · hf-dashboard D-3001 · Sla75" });
        await row.WaitForAsync();

        // The job's details page links the instance's case page, and the link leads there.
        await row.Locator("a[href*='/jobs/details/']").First.ClickAsync();
        var caseLink = page.Locator("#case-link");
        await caseLink.WaitForAsync();
        (await caseLink.GetAttributeAsync("href")).ShouldBe($"/cases/{instance}");
        var caseResponse = await page.RunAndWaitForResponseAsync(() => caseLink.ClickAsync(),
            r => r.Url.EndsWith($"/cases/{instance}", StringComparison.Ordinal));
        caseResponse.Status.ShouldBe(200);
        page.Url.ShouldEndWith($"/cases/{instance}");

        await page.GotoAsync("/operations/hangfire/jobs/scheduled");
        await row.WaitForAsync();
        await row.Locator("input[type=checkbox]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Enqueue now" }).ClickAsync();

        await EventuallyAsync("the instance moved past the timer", async () =>
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM execution_history WHERE process_instance_key = @instance AND element_id = 'slaNoted' AND event = 'ELEMENT_COMPLETED'",
                new { instance }) == 1;
        });
        // The dashboard's scripts and styles work under the host's header policy: nothing was refused.
        browser.Errors.ShouldBeEmpty();
    }

    [Test]
    public async Task An_agent_gets_403_on_the_dashboard()
    {
        await using var browser = await _browser.SignInAsync(await _browser.Host.CreateUserAsync(roles: [Roles.Agent]), "/inbox");

        var response = await browser.Page.GotoAsync("/operations/hangfire");

        response!.Status.ShouldBe(403);
    }

    private static async Task EventuallyAsync(string what, Func<Task<bool>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (!await probe())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(40))
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }
            await Task.Delay(100);
        }
    }
}
