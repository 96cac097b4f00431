using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;

namespace Processes.Tests.Admin;

/// <summary>
/// /admin/tenants in headless Chromium at a desktop and a phone width: an admin creates a tenant, adds a user and a
/// group, sees the user's tenants in the users API (the group's user belongs too), removes the user, renames the tenant,
/// is refused deleting one that holds a definition (the problem shown) and deletes an empty one.
/// </summary>
public sealed class TenantsPageTests : PageTest
{
    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_creates_a_tenant_and_manages_its_users_and_groups(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        var member = await Browser.Host.CreateUserAsync(userName: $"tp-user-{width}", roles: [Roles.Agent]);
        var group = $"tp-desk-{width}";
        (await api.PostAsJsonAsync("/api/groups", new { name = group, displayName = $"Desk {width}" })).EnsureSuccessStatusCode();
        var grouped = await Browser.Host.CreateUserAsync(userName: $"tp-grouped-{width}", roles: [Roles.Agent], groups: [group]);

        var browser = await OpenAsync(admin, "/admin/tenants", "processesTenants", width);
        var page = browser.Page;
        (await page.Locator("#tab-tenants").GetAttributeAsync("aria-current")).ShouldBe("page");
        (await page.Locator("#admin-link").GetAttributeAsync("aria-current")).ShouldBe("page");
        await page.Locator("#tenants li[data-tenant='<default>']").WaitForAsync();

        var tenant = $"tp-west-{width}";
        await page.FillAsync("#tenant-create input[name=id]", tenant);
        await page.FillAsync("#tenant-create input[name=name]", "West merchants");
        await page.ClickAsync("#tenant-create button[type=submit]");
        await page.Locator("#tenant-title", new() { HasText = tenant }).WaitForAsync();

        await page.FillAsync("#tenant-user-add input[name=userName]", member.UserName);
        await page.ClickAsync("#tenant-user-add button[type=submit]");
        await page.Locator($"#tenant-users li[data-member='{member.UserName}']").WaitForAsync();
        await page.SelectOptionAsync("#tenant-group-add select[name=groupName]", group);
        await page.ClickAsync("#tenant-group-add button[type=submit]");
        await page.Locator($"#tenant-groups li[data-member='{group}']").WaitForAsync();
        await page.Locator($"#tenants li[data-tenant='{tenant}']", new() { HasText = "1 user(s), 1 group(s)" }).WaitForAsync();

        // The users API shows each user's tenants: direct, through a group, and the default tenant for a user of none.
        (await Tenants(api, member.Id)).ShouldBe([tenant]);
        (await Tenants(api, grouped.Id)).ShouldBe([tenant]);
        (await Tenants(api, admin.Id)).ShouldBe(["<default>"]);
        var listed = await api.GetFromJsonAsync<JsonElement>($"/api/users?search=tp-user-{width}");
        listed.GetProperty("items")[0].GetProperty("tenants").EnumerateArray().Select(t => t.GetString()).ShouldBe([tenant]);

        await page.Locator($"#tenant-users li[data-member='{member.UserName}']").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await page.Locator("#message", new() { HasText = $"Removed the user {member.UserName}" }).WaitForAsync();
        (await page.Locator("#tenant-users li").CountAsync()).ShouldBe(0);
        (await Tenants(api, member.Id)).ShouldBe(["<default>"]);

        await page.FillAsync("#tenant-rename input[name=name]", "West Coast");
        await page.ClickAsync("#tenant-rename button[type=submit]");
        await page.Locator($"#tenants li[data-tenant='{tenant}']", new() { HasText = "West Coast" }).WaitForAsync();

        // A tenant holding a definition is not deleted; the page shows the API's problem naming what it holds.
        using (var deploy = new MultipartFormDataContent())
        {
            deploy.Add(new StringContent(tenant), "tenantId");
            deploy.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Model($"tp-held-{width}"))), "resources", $"tp-held-{width}.bpmn");
            (await api.PostAsync("/v2/deployments", deploy)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.ClickAsync("#tenant-delete");
        await page.Locator("#message.error", new() { HasText = tenant }).WaitForAsync();
        browser.Errors.RemoveAll(e => e.Contains("status of 409", StringComparison.Ordinal)).ShouldBe(1);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s6-tenants-page-{width}.png", FullPage = true });
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");

        var empty = $"tp-empty-{width}";
        (await api.PostAsJsonAsync("/api/tenants", new { id = empty, name = "Empty" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await page.ReloadAsync();
        await page.EvaluateAsync("() => window.processesTenants.ready");
        await page.Locator($"#tenants li[data-tenant='{empty}'] button.link").ClickAsync();
        await page.ClickAsync("#tenant-delete");
        await page.Locator("#message", new() { HasText = $"Deleted the tenant {empty}." }).WaitForAsync();
        (await api.GetAsync($"/api/tenants/{empty}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static async Task<string?[]> Tenants(HttpClient api, long userId) =>
        [.. (await api.GetFromJsonAsync<JsonElement>($"/api/users/{userId}")).GetProperty("tenants").EnumerateArray().Select(t => t.GetString())];

    private static string Model(string id) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.test">
          <bpmn:process id="{id}" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
            <bpmn:endEvent id="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;
}
