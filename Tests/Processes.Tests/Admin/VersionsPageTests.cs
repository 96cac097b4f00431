using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Admin;

/// <summary>
/// /admin/versions in headless Chromium at a desktop and a phone width: an admin sees a process's versions with their
/// running instances, compares version 1 with 2 (differences marked on both diagrams and listed), dry-runs and then
/// migrates the three running instances, which complete on version 2; an older version opens read-only in the designer.
/// </summary>
public sealed class VersionsPageTests : PageTest
{
    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_compares_two_versions_and_migrates_running_instances_that_complete_on_the_new_one(int width)
    {
        var processId = $"lifecycle-{width}";
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        (await IdentityHost.DeployAsync(api, $"{processId}.bpmn", LifecycleModels.Version1(processId))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var instances = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            instances.Add((await IdentityHost.PostAsync(api, "/v2/process-instances", new { processDefinitionId = processId })).GetProperty("processInstanceKey").GetString()!);
        }
        (await IdentityHost.DeployAsync(api, $"{processId}.bpmn", LifecycleModels.Version2(processId))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var browser = await OpenAsync(admin, $"/admin/versions?process={processId}", "processesVersions");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, 900);
        (await page.Locator("#admin-link").GetAttributeAsync("aria-current")).ShouldBe("page");
        (await page.Locator("#tab-versions").GetAttributeAsync("aria-current")).ShouldBe("page");
        var v1 = page.Locator("#version-rows tr[data-version='1']");
        (await v1.Locator("td").AllTextContentsAsync())[4].ShouldBe("3", "three instances run on version 1");
        (await v1.Locator("td.deployed-by").TextContentAsync()).ShouldBe(admin.UserName, "the deployment records who deployed");
        var deployments = await api.GetFromJsonAsync<JsonElement>($"/api/audit?actor={admin.UserName}&action=deployment.created");
        deployments.GetProperty("items").GetArrayLength().ShouldBe(2, "each deployment is in the audit log under its deployer");

        // Version 1 against version 2 (the default pair): marked on the diagrams and listed.
        await page.Locator("#changes li[data-element-id='Notify']").WaitForAsync();
        (await page.Locator("#right-canvas [data-element-id='Notify'].diff-added").CountAsync()).ShouldBe(1);
        (await page.Locator("#left-canvas [data-element-id='Review'].diff-removed").CountAsync()).ShouldBe(1);
        (await page.Locator("#right-canvas [data-element-id='Work'].diff-changed").CountAsync()).ShouldBe(1);
        (await page.Locator("#changes li[data-element-id='Review']").GetAttributeAsync("data-kind")).ShouldBe("removed");
        (await page.Locator("#changes li[data-element-id='Work']").TextContentAsync())!.ShouldContain("name");
        (await page.Locator("select[data-source='Review']").InputValueAsync()).ShouldBe("", "Review has no counterpart in version 2");
        (await page.Locator("select[data-source='Work']").InputValueAsync()).ShouldBe("Work");
        await page.Locator("#instances li").Nth(2).WaitForAsync();

        await page.ClickAsync("#dry-run");
        await page.Locator("#progress", new() { HasText = "Checked 3 instance(s): 3 can move, 0 cannot." }).WaitForAsync();
        await Screenshot(page, $"/tmp/versions-{width}.png");
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.ClickAsync("#migrate");
        await page.Locator("#progress", new() { HasText = "Migrated 3 of 3 instance(s) to version 2" }).WaitForAsync();
        await page.Locator("#version-rows tr[data-version='2'] td:nth-child(5)", new() { HasText = "3" }).WaitForAsync();

        foreach (var type in new[] { $"{processId}-work", $"{processId}-notify" })
        {
            var jobs = (await IdentityHost.PostAsync(api, "/v2/jobs/activation", new { type, maxJobsToActivate = 10, requestTimeout = 2_000 })).GetProperty("jobs");
            jobs.GetArrayLength().ShouldBe(3, type);
            foreach (var job in jobs.EnumerateArray())
            {
                (await api.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            }
        }
        foreach (var instance in instances)
        {
            var state = await api.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instance}");
            state.GetProperty("state").GetString().ShouldBe("COMPLETED");
            state.GetProperty("processDefinitionVersion").GetInt32().ShouldBe(2);
        }

        // The older version opens in the designer, read-only.
        await v1.GetByRole(AriaRole.Link, new() { Name = "Open read-only" }).ClickAsync();
        await page.WaitForURLAsync($"**/designer?process={processId}&version=1");
        await page.EvaluateAsync("() => window.processesDesigner.ready");
        (await page.Locator("#diagram-title").TextContentAsync())!.ShouldContain("version 1 (older version, read-only)");
        (await page.Locator("#deploy").IsDisabledAsync()).ShouldBeTrue();
    }

    [Test]
    public async Task A_refused_migration_names_the_element_and_moves_nothing()
    {
        const string processId = "lifecycle-refused";
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        (await IdentityHost.DeployAsync(api, $"{processId}.bpmn", LifecycleModels.Version1(processId))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var instance = (await IdentityHost.PostAsync(api, "/v2/process-instances", new { processDefinitionId = processId })).GetProperty("processInstanceKey").GetString();
        var job = (await IdentityHost.PostAsync(api, "/v2/jobs/activation", new { type = $"{processId}-work", maxJobsToActivate = 1, requestTimeout = 2_000 }))
            .GetProperty("jobs")[0].GetProperty("jobKey").GetString();
        (await api.PostAsJsonAsync($"/v2/jobs/{job}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await IdentityHost.DeployAsync(api, $"{processId}.bpmn", LifecycleModels.Version2(processId))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var browser = await OpenAsync(admin, $"/admin/versions?process={processId}&from=1&to=2", "processesVersions");
        var page = browser.Page;
        await page.Locator("#instances li").WaitForAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.ClickAsync("#migrate");

        await page.Locator("#progress", new() { HasText = "Migrated 0 of 1 instance(s) to version 2; 1 could not move." }).WaitForAsync();
        (await page.Locator("#migration-problems li").TextContentAsync())!.ShouldContain("Review");
        (await api.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instance}")).GetProperty("processDefinitionVersion").GetInt32().ShouldBe(1);
    }

    [Test]
    public async Task A_suspended_version_refuses_a_start_naming_the_version_until_it_is_resumed()
    {
        const string processId = "lifecycle-suspended";
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        (await IdentityHost.DeployAsync(api, $"{processId}.bpmn", LifecycleModels.Version1(processId))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var browser = await OpenAsync(admin, $"/admin/versions?process={processId}", "processesVersions");
        var page = browser.Page;
        var row = page.Locator("#version-rows tr[data-version='1']");

        await row.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        await page.Locator("#message", new() { HasText = "Version 1 is suspended" }).WaitForAsync();
        (await row.Locator("td").First.TextContentAsync())!.ShouldContain("suspended");
        await page.Locator("#version-rows tr[data-version='1']").GetByRole(AriaRole.Button, new() { Name = "Start instance" }).ClickAsync();
        await page.Locator("#message.error", new() { HasText = $"Process '{processId}' version 1 is suspended" }).WaitForAsync();
        browser.Errors.RemoveAll(e => e.Contains("status of 409", StringComparison.Ordinal) && e.Contains("/v2/process-instances", StringComparison.Ordinal)).ShouldBe(1);
        var refused = await api.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = processId });
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("version 1 is suspended");

        await page.Locator("#version-rows tr[data-version='1']").GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await page.Locator("#message", new() { HasText = "Version 1 starts instances again." }).WaitForAsync();
        await page.Locator("#version-rows tr[data-version='1']").GetByRole(AriaRole.Button, new() { Name = "Start instance" }).ClickAsync();
        await page.Locator("#message.success", new() { HasText = "Started instance" }).WaitForAsync();
        var audit = await api.GetFromJsonAsync<JsonElement>($"/api/audit?actor={admin.UserName}&action=version.suspended");
        audit.GetProperty("items").GetArrayLength().ShouldBe(1);
    }

    private static async Task Screenshot(IPage page, string path) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
}
