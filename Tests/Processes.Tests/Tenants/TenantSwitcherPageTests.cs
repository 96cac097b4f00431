using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Tenants;

/// <summary>
/// The tenant switcher of the shared navigation in Chromium, at a desktop and a phone width: an agent of two tenants
/// sees both tenants' tasks, switches to one and sees only its task (the host scopes every request of the session),
/// and back; an agent of one tenant gets no switcher.
/// </summary>
public sealed class TenantSwitcherPageTests : PageTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="switch-review" name="Review" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:userTask id="review" name="Review">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="switch-desk" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly Dictionary<string, string> _taskOf = [];
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task TwoTenantsWithATaskEach()
    {
        var admin = _admin = await Browser.Host.AdminAsync();
        await IdentityHost.EnsureGroupAsync(admin, "switch-desk", "Switch desk");
        foreach (var tenant in new[] { "north", "south" })
        {
            await IdentityHost.PostAsync(admin, "/api/tenants", new { id = tenant, name = $"Shop {tenant}" });
            using var content = new MultipartFormDataContent { { new StringContent(tenant), "tenantId" } };
            content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Model)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                "resources", "review.bpmn");
            (await admin.PostAsync("/v2/deployments", content)).StatusCode.ShouldBe(HttpStatusCode.OK);
            var started = await IdentityHost.PostAsync(admin, "/v2/process-instances", new { processDefinitionId = "switch-review", tenantId = tenant });
            var instance = started.GetProperty("processInstanceKey").GetString()!;
            var tasks = await IdentityHost.PostAsync(admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
            _taskOf[tenant] = tasks.GetProperty("items")[0].GetProperty("userTaskKey").GetString()!;
        }
    }

    /// <summary>An agent of the desk in <paramref name="tenants"/>; a fresh one per test, as the browser changes its password at the first sign-in.</summary>
    private async Task<TestUser> AgentOfAsync(params string[] tenants)
    {
        var user = await Browser.Host.CreateUserAsync(roles: [Roles.Agent], groups: ["switch-desk"]);
        foreach (var tenant in tenants)
        {
            (await _admin.PutAsync($"/api/tenants/{tenant}/users/{user.UserName}", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        return user;
    }

    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_agent_of_two_tenants_switches_to_one_and_back(int width)
    {
        var page = (await OpenAsync(await AgentOfAsync("north", "south"), "/inbox", "processesInbox")).Page;
        await page.SetViewportSizeAsync(width, 900);
        var switcher = page.Locator("#tenant-switcher");
        await switcher.WaitForAsync();
        (await switcher.Locator("option").AllTextContentsAsync()).ShouldBe(["All my tenants", "Shop north (north)", "Shop south (south)"]);
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator($"#tasks [data-key='{_taskOf["north"]}']").WaitForAsync();
        await page.Locator($"#tasks [data-key='{_taskOf["south"]}']").WaitForAsync();

        await SwitchAsync(page, "south");
        (await page.Locator("#tenant-switcher").InputValueAsync()).ShouldBe("south");
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator($"#tasks [data-key='{_taskOf["south"]}']").WaitForAsync();
        (await page.Locator($"#tasks [data-key='{_taskOf["north"]}']").CountAsync()).ShouldBe(0, "the session works in south only");

        await SwitchAsync(page, "");
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator($"#tasks [data-key='{_taskOf["north"]}']").WaitForAsync();
    }

    [Test]
    public async Task An_admin_has_every_tenant_in_the_switcher_and_it_fits_a_phone()
    {
        // The admin page is laid out for phones (the inbox's three columns are not), so the switcher's fit is checked there.
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var page = (await OpenAsync(admin, "/admin", "processesAdmin")).Page;
        await page.SetViewportSizeAsync(390, 900);
        await page.Locator("#tenant-switcher").WaitForAsync();
        var options = await page.Locator("#tenant-switcher option").AllTextContentsAsync();
        options.ShouldBe(["All tenants", "Default (<default>)", "Shop north (north)", "Shop south (south)"]);
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).ShouldBeTrue("no horizontal overflow at 390 px");
    }

    [Test]
    public async Task An_agent_of_one_tenant_has_no_switcher_and_sees_only_that_tenant()
    {
        var page = (await OpenAsync(await AgentOfAsync("north"), "/inbox", "processesInbox")).Page;
        await page.ClickAsync("#views [data-view='group']");
        await page.Locator($"#tasks [data-key='{_taskOf["north"]}']").WaitForAsync();
        (await page.Locator($"#tasks [data-key='{_taskOf["south"]}']").CountAsync()).ShouldBe(0);
        await page.Locator("#site-nav[data-tenants='ready']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        (await page.Locator("#tenant-switcher").CountAsync()).ShouldBe(0);
    }

    /// <summary>Picks a tenant and waits for the page the switcher reloads (a marker on the old window tells them apart).</summary>
    private static async Task SwitchAsync(IPage page, string tenant)
    {
        await page.EvaluateAsync("() => { window.beforeSwitch = true; }");
        await page.Locator("#tenant-switcher").SelectOptionAsync(tenant);
        await page.WaitForFunctionAsync("() => window.beforeSwitch === undefined && window.processesInbox !== undefined");
        await page.EvaluateAsync("() => window.processesInbox.ready");
        await page.Locator("#tenant-switcher").WaitForAsync();
    }
}
