using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;
using Processes.Tests.Identity;

namespace Processes.Tests.Admin;

/// <summary>
/// /admin/catalogues and a cascading form in headless Chromium at a desktop and a phone width: an admin adds a problem
/// detail under "sold-out" as a new version (the history shows who), and an agent's start dialog for the exception order
/// offers it once "Sold out" is chosen — the form was not redeployed. Both pages pass axe (nothing serious or critical).
/// An admin of several tenants picks the tenant (the admin pages' one picker, as on the settings page): the list is that
/// tenant's, and a save lands there only.
/// </summary>
public sealed class CataloguesPageTests : PageTest
{
    private const string Details = "exception-problem-details";

    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_adds_a_problem_detail_and_the_next_start_form_offers_it_under_its_type(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(userName: $"cat-admin-{width}", roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        await WaitForSeededAsync(api);

        var browser = await OpenAsync(admin, "/admin/catalogues", "processesCatalogues");
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, 900);
        await page.EvaluateAsync("() => window.processesCatalogues.ready");
        (await page.Locator("#tab-catalogues").GetAttributeAsync("aria-current")).ShouldBe("page");
        var item = page.Locator($"#catalogues li[data-catalogue='{Details}']");
        await item.Locator("button.link").ClickAsync();
        await page.Locator("#catalogue-heading", new() { HasText = Details }).WaitForAsync();
        (await page.InputValueAsync("#catalogue-edit select[name=parent]")).ShouldBe("exception-problem-types");

        var value = $"stock-miscount-{width}";
        var entries = page.Locator("#catalogue-edit textarea[name=entries]");
        await entries.FillAsync(await entries.InputValueAsync() + $"\n{value} | Stock miscount {width} | sold-out");
        await page.ClickAsync("#catalogue-edit button[type=submit]");
        await page.Locator("#message.success", new() { HasText = $"Saved {Details} as version" }).WaitForAsync();
        (await page.Locator("#catalogue-history li").First.TextContentAsync())!.ShouldContain($"by {admin.UserName}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s7-catalogues-page-{width}.png", FullPage = true });
        await NoOverflowAsync(page, width);
        await AccessibleAsync(page, "catalogues page");

        // A bad line is the API's problem on the page, naming the entry.
        await entries.FillAsync(await entries.InputValueAsync() + "\nbad value | Bad | sold-out");
        await page.ClickAsync("#catalogue-edit button[type=submit]");
        await page.Locator("#message.error", new() { HasText = "'bad value' is not a value" }).WaitForAsync();
        browser.Errors.RemoveAll(e => e.Contains("status of 422", StringComparison.Ordinal)).ShouldBe(1);

        // The agent's start dialog: the problem detail cascades from the type, with the new entry.
        var agent = await Browser.Host.CreateUserAsync(userName: $"cat-agent-{width}", roles: [Roles.Agent]);
        var inbox = (await OpenAsync(agent, "/inbox", "processesInbox")).Page;
        await inbox.SetViewportSizeAsync(width, 900);
        await inbox.EvaluateAsync("() => window.processesInbox.ready");
        await inbox.ClickAsync("#start-case");
        await inbox.EvaluateAsync("() => window.processesStart");
        var definitions = await api.PostAsJsonAsync("/v2/process-definitions/search", new { filter = new { processDefinitionId = "exception-order" } });
        var key = (await definitions.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .OrderByDescending(d => d.GetProperty("version").GetInt32()).First().GetProperty("processDefinitionKey").GetString()!;
        await inbox.SelectOptionAsync("#start-process", key);
        await inbox.EvaluateAsync("() => window.processesStart");
        var form = inbox.Locator("#start-form");
        await ChooseAsync(inbox, form, "Problem type", "Sold out");
        var detail = form.Locator(".fjs-form-field-select", new() { Has = inbox.Locator("label", new() { HasText = "Problem detail" }) });
        await detail.Locator(".fjs-input-group").ClickAsync();
        var options = detail.Locator(".fjs-dropdownlist-item");
        await options.First.WaitForAsync();
        var offered = await options.AllTextContentsAsync();
        offered.ShouldContain($"Stock miscount {width}");
        offered.ShouldContain("Fully sold out");
        offered.ShouldNotContain("Duplicate charge", "a detail of another type");
        await options.Filter(new() { HasText = $"Stock miscount {width}" }).ClickAsync();
        await inbox.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s7-cascading-form-{width}.png", FullPage = true });
        await NoOverflowAsync(inbox, width);
        await AccessibleAsync(inbox, "start dialog");
    }

    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_of_several_tenants_picks_the_tenant_whose_catalogues_the_page_edits(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(userName: $"cat-tenants-{width}", roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        await WaitForSeededAsync(api);
        var tenant = $"cat-line-{width}";
        var name = $"line-reasons-{width}";
        await IdentityHost.PostAsync(api, "/api/tenants", new { id = tenant, name = $"Catalogue line {width}" });
        (await api.PutAsJsonAsync($"/api/catalogues/{name}?tenantId={tenant}", new { title = "Line reasons", entries = new[] { new { value = "late", label = "Late" } }, version = 0 }))
            .StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        var page = (await OpenAsync(admin, "/admin/catalogues", "processesCatalogues")).Page;
        await page.SetViewportSizeAsync(width, 900);
        await page.EvaluateAsync("() => window.processesCatalogues.ready");
        (await page.Locator("#tenant-row").IsVisibleAsync()).ShouldBeTrue("an admin picks among all tenants");
        (await page.InputValueAsync("#catalogues-tenant")).ShouldBe("<default>");
        (await page.Locator($"#catalogues li[data-catalogue='{name}']").CountAsync()).ShouldBe(0, "another tenant's catalogue");

        await page.SelectOptionAsync("#catalogues-tenant", tenant);
        await page.Locator("#message", new() { HasText = $"Showing the catalogues of tenant {tenant}." }).WaitForAsync();
        (await page.Locator("#catalogues li").AllAsync()).Count.ShouldBe(1, "only the picked tenant's catalogues");
        await page.Locator($"#catalogues li[data-catalogue='{name}'] button.link").ClickAsync();
        await page.Locator("#catalogue-heading", new() { HasText = $"{name} — version 1" }).WaitForAsync();
        var entries = page.Locator("#catalogue-edit textarea[name=entries]");
        await entries.FillAsync(await entries.InputValueAsync() + "\nlost | Lost");
        await page.ClickAsync("#catalogue-edit button[type=submit]");
        await page.Locator("#message.success", new() { HasText = $"Saved {name} as version 2" }).WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/s8-catalogues-tenant-{width}.png", FullPage = true });
        await NoOverflowAsync(page, width);
        await AccessibleAsync(page, "catalogues page with the tenant picker");

        var saved = await api.GetFromJsonAsync<JsonElement>($"/api/catalogues/{name}?tenantId={tenant}");
        saved.GetProperty("version").GetInt32().ShouldBe(2);
        (await api.GetAsync(new Uri($"/api/catalogues/{name}", UriKind.Relative))).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound, "saved in the picked tenant only");
    }

    private static async Task WaitForSeededAsync(HttpClient api)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await api.GetAsync(new Uri($"/api/catalogues/{Details}", UriKind.Relative))).IsSuccessStatusCode)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the shipped catalogues are seeded at start-up");
            await Task.Delay(200);
        }
    }

    private static async Task ChooseAsync(IPage page, ILocator form, string label, string option)
    {
        var field = form.Locator(".fjs-form-field-select", new LocatorLocatorOptions { Has = page.Locator("label", new PageLocatorOptions { HasText = label }) });
        await field.Locator(".fjs-input-group").ClickAsync();
        await field.Locator(".fjs-dropdownlist-item", new LocatorLocatorOptions { HasText = option }).ClickAsync();
    }

    private static async Task NoOverflowAsync(IPage page, int width) =>
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).ShouldBeTrue($"no horizontal overflow at {width} px");

    private static async Task AccessibleAsync(IPage page, string name)
    {
        var result = await page.RunAxe();
        result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{name}: {v.Id} ({v.Impact}) {v.Help} at {v.Nodes.FirstOrDefault()?.Target}").ShouldBeEmpty();
    }
}
