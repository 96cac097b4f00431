using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Cases;

/// <summary>
/// An instance's tags (Camunda's, given at creation) as small chips: in the case page's facts, and next to the
/// instance of its incident on the operations console; an instance without tags shows none. At a desktop and a phone
/// width, without sideways scrolling.
/// </summary>
public sealed class InstanceTagsPageTests : PageTest
{
    // The http task needs a secret that is not configured: its job fails without retry, so the instance has an incident.
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="tags-page" name="Tagged" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="call" name="Call the ledger">
              <bpmn:extensionElements>
                <zeebe:taskDefinition type="http" />
                <zeebe:taskHeaders><zeebe:header key="url" value="{{secrets.NOT_CONFIGURED}}/ping" /></zeebe:taskHeaders>
              </bpmn:extensionElements>
            </bpmn:serviceTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
            <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private static readonly string[] Tags = ["priority:high", "region:emea", "business_key:1234", "channel.phone-in"];

    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task Deploy()
    {
        _admin = await Browser.Host.AdminAsync();
        using var deployed = await IdentityHost.DeployAsync(_admin, "tags-page.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public void DisposeAdmin() => _admin.Dispose();

    private async Task<string> StartAsync(string[]? tags)
    {
        var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "tags-page", tags });
        return started.GetProperty("processInstanceKey").GetString()!;
    }

    private async Task WaitForIncidentAsync(string instance)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var found = await IdentityHost.PostAsync(_admin, "/v2/incidents/search", new { filter = new { processInstanceKey = instance, state = "ACTIVE" } });
            if (found.GetProperty("items").GetArrayLength() > 0)
            {
                return;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"instance {instance} got no incident");
    }

    private static async Task NoSidewaysScrollingAsync(IPage page, int width) =>
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))
            .ShouldBeLessThanOrEqualTo(0, $"no sideways scrolling at {width} px");

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task The_case_page_shows_the_tags_as_chips_and_none_for_an_untagged_instance(int width, int height)
    {
        var tagged = await StartAsync(Tags);
        var plain = await StartAsync(null);
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, $"/cases/{tagged}", "processesCase")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesCase.ready");
        (await page.Locator("#case-facts ul.tags li.tag").AllTextContentsAsync()).ShouldBe(Tags);
        (await page.Locator("#case-facts ul.tags").GetAttributeAsync("aria-label")).ShouldBe("Tags");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/case-tags-{width}.png" });
        await NoSidewaysScrollingAsync(page, width);

        await page.GotoAsync($"/cases/{plain}");
        await page.EvaluateAsync("() => window.processesCase.ready");
        (await page.Locator("#case-facts").TextContentAsync())!.ShouldContain(plain);
        (await page.Locator("#case-facts .tag").CountAsync()).ShouldBe(0, "an instance without tags shows no Tags fact");
    }

    [TestCase(1280, 800)]
    [TestCase(390, 844)]
    public async Task The_operations_console_shows_an_incident_s_instance_tags(int width, int height)
    {
        var tagged = await StartAsync(Tags[..2]);
        var plain = await StartAsync(null);
        await WaitForIncidentAsync(tagged);
        await WaitForIncidentAsync(plain);
        var operator_ = await Browser.Host.CreateUserAsync(roles: [Roles.Operator]);
        var page = (await OpenAsync(operator_, "/operations", "processesOperations")).Page;
        await page.SetViewportSizeAsync(width, height);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesOperations.ready");
        var rows = page.Locator("#incident-rows tr");
        var taggedRow = rows.Filter(new LocatorFilterOptions { HasText = tagged });
        (await taggedRow.Locator("ul.tags li.tag").AllTextContentsAsync()).ShouldBe(Tags[..2]);
        (await rows.Filter(new LocatorFilterOptions { HasText = plain }).Locator(".tag").CountAsync()).ShouldBe(0);
        await taggedRow.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/operations-tags-{width}.png" });
        // The chips wrap inside their cell: the row is no taller than two lines of chips would make it.
        var chips = await taggedRow.Locator("ul.tags").BoundingBoxAsync();
        chips.ShouldNotBeNull();
        chips.Height.ShouldBeLessThan(60);
    }
}
