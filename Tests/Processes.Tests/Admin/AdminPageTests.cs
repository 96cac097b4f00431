using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;

namespace Processes.Tests.Admin;

/// <summary>
/// The /admin page in headless Chromium against the real host, at a desktop and a phone width: an admin creates a
/// user, gives roles and a group, creates an API key (shown once, and it works), revokes it, and finds the key's
/// creation in the audit log by actor; a user without the admin role gets the 403 page.
/// </summary>
public sealed class AdminPageTests : PageTest
{
    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_creates_a_user_with_roles_a_group_and_an_api_key_and_finds_the_key_in_the_audit_log(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        var browser = await OpenAsync(admin, "/admin", "processesAdmin", width);
        var page = browser.Page;
        (await page.Locator("#admin-link").GetAttributeAsync("aria-current")).ShouldBe("page");
        (await page.Locator("#site-nav a").AllTextContentsAsync()).ShouldBe(["Inbox", "Designer", "Reports", "Operations", "Admin"]);

        var group = $"desk-{width}";
        await page.FillAsync("#group-create input[name=name]", group);
        await page.FillAsync("#group-create input[name=displayName]", $"Desk {width}");
        await page.ClickAsync("#group-create button[type=submit]");
        await page.Locator("#groups li", new() { HasText = group }).WaitForAsync();

        var userName = $"alice-{width}";
        await page.FillAsync("#user-create input[name=userName]", userName);
        await page.FillAsync("#user-create input[name=displayName]", $"Alice {width}");
        await page.ClickAsync("#user-create button[type=submit]");
        await page.Locator("#user-title", new() { HasText = userName }).WaitForAsync();

        await page.CheckAsync("#role-boxes input[name=agent]");
        await page.CheckAsync("#role-boxes input[name=supervisor]");
        await page.ClickAsync("#user-roles button[type=submit]");
        await page.Locator("#message", new() { HasText = "Saved the roles." }).WaitForAsync();
        await page.CheckAsync($"#group-boxes input[name='{group}']");
        await page.ClickAsync("#user-groups button[type=submit]");
        await page.Locator("#message", new() { HasText = "Saved the groups." }).WaitForAsync();
        await page.Locator("#groups li", new() { HasText = group }).Filter(new() { HasText = userName }).WaitForAsync();

        await page.FillAsync("#key-create input[name=name]", "robot");
        await page.ClickAsync("#key-create button[type=submit]");
        await page.Locator("#key-secret", new() { HasText = "pk_" }).WaitForAsync();
        var secret = (await page.Locator("#key-secret").TextContentAsync())!.Split(' ').Single(word => word.StartsWith("pk_", StringComparison.Ordinal));
        using (var robot = Browser.Host.Bearer(secret))
        {
            var me = await robot.GetFromJsonAsync<JsonElement>("/api/auth/me");
            me.GetProperty("userName").GetString().ShouldBe(userName);
            me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["agent", "supervisor"], ignoreOrder: true);
            me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe([group]);
        }

        await page.FillAsync("#audit-filter input[name=actor]", admin.UserName);
        await page.FillAsync("#audit-filter input[name=action]", "apikey.created");
        await page.ClickAsync("#audit-filter button[type=submit]");
        // The list shows the unfiltered entries until the filtered answer replaces them.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#audit li').length === 1");
        (await page.Locator("#audit li").AllTextContentsAsync()).ShouldHaveSingleItem().ShouldContain("robot");

        await Screenshot(page, $"/tmp/admin-{width}.png");
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");

        await page.Locator("#keys li", new() { HasText = "robot" }).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.Locator("#keys li", new() { HasText = "revoked" }).WaitForAsync();
        using var revoked = Browser.Host.Bearer(secret);
        (await revoked.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a revoked key stops working at once");
    }

    [Test]
    public async Task The_user_search_finds_a_user_by_a_part_of_the_name()
    {
        var target = await Browser.Host.CreateUserAsync(userName: "findable-bob");
        var browser = await OpenAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Admin]), "/admin", "processesAdmin");
        await browser.Page.FillAsync("#user-search input[name=search]", "ABLE-b");
        await browser.Page.ClickAsync("#user-search button[type=submit]");

        await browser.Page.WaitForFunctionAsync("() => document.querySelectorAll('#users li').length === 1");
        (await browser.Page.Locator("#users li").TextContentAsync())!.ShouldContain(target.UserName);
    }

    [Test]
    public async Task An_agent_gets_403_on_the_admin_page_and_sees_no_admin_link()
    {
        // Not tracked: the browser reports the 403 document itself as a failed load.
        var agent = (await Browser.SignInAsync(await Browser.Host.CreateUserAsync(roles: [Roles.Agent]), "/inbox"));
        await agent.Page.EvaluateAsync("() => window.processesInbox.ready");
        (await agent.Page.Locator("#admin-link").CountAsync()).ShouldBe(0);
        (await agent.Page.Locator("#site-nav a").AllTextContentsAsync()).ShouldBe(["Inbox"]);

        var response = await agent.Page.GotoAsync("/admin");

        response!.Status.ShouldBe(403);
        (await agent.Page.Locator("main").TextContentAsync())!.ShouldContain("admin");
        (await agent.Page.EvaluateAsync<bool>("() => window.processesAdmin === undefined")).ShouldBeTrue();
    }

    private static async Task Screenshot(IPage page, string path) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
}
