using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Admin;

/// <summary>
/// Which tenant, on the pages, in headless Chromium at a desktop and a phone width: the versions page lists a process
/// id deployed in two tenants twice and names the chosen one's tenant; the designer opened from there shows that tenant;
/// the settings page's tenant picker saves an SMS text and a connector secret into the picked tenant only.
/// </summary>
public sealed class TenantPagesTests : PageTest
{
    // Drawn (with diagram interchange): the designer and the versions page's diff render it.
    private static string Model(string id) => DrawnModels.Line(id, "Tenant pages", [DrawnModels.Start("start"), DrawnModels.End("end")]);

    [TestCase(1280)]
    [TestCase(390)]
    public async Task The_versions_designer_and_settings_pages_show_and_pick_the_tenant(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        var tenant = $"tp-line-{width}";
        var process = $"tp-proc-{width}";
        await IdentityHost.PostAsync(api, "/api/tenants", new { id = tenant, name = $"Line {width}" });
        (await IdentityHost.DeployAsync(api, $"{process}.bpmn", Model(process))).StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var deploy = new MultipartFormDataContent())
        {
            deploy.Add(new StringContent(tenant), "tenantId");
            deploy.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Model(process))), "resources", $"{process}.bpmn");
            (await api.PostAsync("/v2/deployments", deploy)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var browser = await OpenAsync(admin, $"/admin/versions?process={process}", "processesVersions");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, 900);
        var options = await page.Locator("#process option").AllTextContentsAsync();
        options.Count(o => o.Contains(process, StringComparison.Ordinal)).ShouldBe(2, "one per tenant");
        options.ShouldContain(o => o.Contains(process, StringComparison.Ordinal) && o.EndsWith($"— {tenant}", StringComparison.Ordinal));
        await page.SelectOptionAsync("#process", $"{tenant}/{process}");
        await page.Locator("#process-tenant", new() { HasText = $"Tenant: {tenant}" }).WaitForAsync();
        var open = page.Locator("#version-rows tr[data-version='1'] a.button");
        (await open.GetAttributeAsync("href")).ShouldBe($"/designer?process={process}&version=1&tenantId={tenant}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s6-tenants-versions-{width}.png", FullPage = true });

        await page.GotoAsync($"/designer?process={process}&version=1&tenantId={tenant}");
        await page.WaitForFunctionAsync("() => window.processesDesigner !== undefined");
        await page.EvaluateAsync("() => window.processesDesigner.ready");
        var badge = await page.EvaluateAsync<string>("""
            () => { const b = document.getElementById('tenant-badge');
                    return `${b.hidden ? 'hidden' : 'shown'}|${b.textContent}|${document.getElementById('status-text').textContent}|${location.search}`; }
            """);
        badge.ShouldStartWith($"shown|Tenant {tenant}|", customMessage: badge);
        (await page.EvaluateAsync<string>("() => window.processesDesigner.current().tenantId")).ShouldBe(tenant);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s6-tenants-designer-{width}.png" });

        await page.GotoAsync("/admin/settings");
        await page.WaitForFunctionAsync("() => window.processesSettings !== undefined");
        await page.EvaluateAsync("() => window.processesSettings.ready");
        (await page.Locator("#tenant-row").IsVisibleAsync()).ShouldBeTrue("an admin picks among all tenants");
        (await page.InputValueAsync("#settings-tenant")).ShouldBe("<default>");
        await page.SelectOptionAsync("#settings-tenant", tenant);
        await page.Locator("#message", new() { HasText = $"Showing the settings of tenant {tenant}." }).WaitForAsync();

        var template = $"TP_TEXT_{width}";
        await page.FillAsync("#template-form input[name=id]", template);
        await page.FillAsync("#template-form textarea[name=text]", "Hello {name}");
        await page.FillAsync("#template-form input[name=parameters]", "name");
        await page.ClickAsync("#template-form button[type=submit]");
        await page.Locator("#templates li", new() { HasText = template }).WaitForAsync();
        var secret = $"TP_SECRET_{width}";
        await page.FillAsync("#secret-form input[name=name]", secret);
        await page.FillAsync("#secret-form input[name=value]", "tenant-value");
        await page.ClickAsync("#secret-form button[type=submit]");
        await page.Locator($"#secrets li[data-name='{secret}']").WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s6-tenants-settings-{width}.png", FullPage = true });
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");

        (await api.GetAsync($"/api/sms-templates/{template}?tenantId={tenant}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.GetAsync($"/api/sms-templates/{template}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "saved in the picked tenant only");
        Names(await api.GetFromJsonAsync<JsonElement>($"/api/secrets?tenantId={Uri.EscapeDataString(tenant)}")).ShouldContain(secret);
        Names(await api.GetFromJsonAsync<JsonElement>("/api/secrets")).ShouldNotContain(secret);

        // Back to the default tenant: its lists do not show the other tenant's text.
        await page.SelectOptionAsync("#settings-tenant", "<default>");
        await page.Locator("#message", new() { HasText = "Showing the settings of tenant <default>." }).WaitForAsync();
        (await page.Locator("#templates li", new() { HasText = template }).CountAsync()).ShouldBe(0);
    }

    private static IEnumerable<string?> Names(JsonElement list) => list.EnumerateArray().Select(s => s.GetProperty("name").GetString());
}
