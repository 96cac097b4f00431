using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Designer;

namespace Processes.Tests.Admin;

/// <summary>
/// /admin/settings in headless Chromium at a desktop and a phone width: an admin saves an agent profile, an SMS
/// template (a wrong placeholder is refused with the problem shown) and a business calendar, and previews "4 working
/// hours from now", and sets a connector secret that is listed by name only; creates a position with a refund limit and
/// gives it to an agent's profile; and on /admin edits a user's display name and e-mail.
/// </summary>
public sealed class SettingsPageTests : PageTest
{
    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_keeps_agent_profiles_sms_texts_and_calendars(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        var browser = await OpenAsync(admin, "/admin/settings", "processesSettings", width);
        var page = browser.Page;
        (await page.Locator("#tab-settings").GetAttributeAsync("aria-current")).ShouldBe("page");

        var agent = $"agent-{width}";
        // The save is slowed a little: a wait that took some other row for this one would read the API before the commit.
        await page.RouteAsync("**/api/agents/*", async route =>
        {
            await Task.Delay(300);
            await route.ContinueAsync();
        });
        await page.FillAsync("#agent-form input[name=userName]", agent);
        await page.FillAsync("#agent-form input[name=skills]", "repair, install");
        await page.FillAsync("#agent-form input[name=regions]", "north");
        await page.FillAsync("#agent-form input[name=languages]", "en, zh");
        await page.FillAsync("#agent-form input[name=capacity]", "3");
        await page.FillAsync("#agent-form input[name=phone]", "+86 138 0000 0000");
        await page.ClickAsync("#agent-form button[type=submit]");
        // The row of this agent by its exact name: a text match would also take the positions test's 'pos-agent-…'
        // row at once, before this save had committed (the flaky failure of the API read below).
        await page.Locator($"#agents li[data-user-name='{agent}']").WaitForAsync();
        var profile = (await api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray().Single(a => a.GetProperty("userName").GetString() == agent);
        profile.GetProperty("skills").EnumerateArray().Select(s => s.GetString()).ShouldBe(["repair", "install"]);
        profile.GetProperty("capacity").GetInt32().ShouldBe(3);

        var template = $"TEST_{width}";
        await page.FillAsync("#template-form input[name=id]", template);
        await page.FillAsync("#template-form textarea[name=text]", "Hello {name}, your order {order} is on its way.");
        await page.FillAsync("#template-form input[name=parameters]", "name");
        await page.ClickAsync("#template-form button[type=submit]");
        await page.Locator("#message.error", new() { HasText = "order" }).WaitForAsync();
        browser.Errors.RemoveAll(e => e.Contains("status of 422", StringComparison.Ordinal) && e.Contains("/api/sms-templates/", StringComparison.Ordinal)).ShouldBe(1);
        await page.FillAsync("#template-form input[name=parameters]", "name, order");
        await page.ClickAsync("#template-form button[type=submit]");
        await page.Locator("#templates li", new() { HasText = template }).WaitForAsync();

        var calendar = $"desk-{width}";
        await page.FillAsync("#calendar-form input[name=name]", calendar);
        await page.FillAsync("#calendar-form input[name=timeZone]", "Europe/Berlin");
        foreach (var day in new[] { "monday", "tuesday", "wednesday", "thursday", "friday" })
        {
            await page.FillAsync($"#day-{day}", "09:00-12:00, 13:00-17:00");
        }
        await page.FillAsync("#calendar-form textarea[name=holidays]", "2026-12-25 Christmas");
        await page.ClickAsync("#calendar-form button[type=submit]");
        await page.Locator("#calendars li", new() { HasText = calendar }).WaitForAsync();
        var saved = await api.GetFromJsonAsync<JsonElement>($"/api/calendars/{calendar}");
        saved.GetProperty("week").GetProperty("monday")[1][1].GetString().ShouldBe("17:00");
        saved.GetProperty("holidays")[0].GetProperty("name").GetString().ShouldBe("Christmas");

        await page.SelectOptionAsync("#preview-calendar", calendar);
        await page.ClickAsync("#preview-form button[type=submit]");
        await page.Locator("#preview", new() { HasText = $"4 working hour(s) from now in {calendar} end" }).WaitForAsync();

        // A connector secret: set from the page, listed by name and setter, its value never back in the page or the API.
        var secret = $"PAGE_SECRET_{width}";
        var value = $"s3cr3t-{Guid.NewGuid():N}";
        await page.FillAsync("#secret-form input[name=name]", secret);
        await page.FillAsync("#secret-form input[name=value]", value);
        await page.ClickAsync("#secret-form button[type=submit]");
        var listed = page.Locator($"#secrets li[data-name='{secret}']");
        await listed.WaitForAsync();
        (await listed.TextContentAsync())!.ShouldContain($"stored by {admin.UserName}");
        (await page.Locator("#secret-form input[name=value]").InputValueAsync()).ShouldBe("", "the value leaves the form once saved");
        (await page.ContentAsync()).ShouldNotContain(value);
        (await api.GetStringAsync("/api/secrets")).ShouldNotContain(value);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/settings-{width}.png", FullPage = true });
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");
    }

    [TestCase(1280)]
    [TestCase(390)]
    public async Task An_admin_creates_a_position_with_a_refund_limit_and_assigns_it_to_an_agent(int width)
    {
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        var page = (await OpenAsync(admin, "/admin/settings", "processesSettings", width)).Page;

        var position = $"senior-{width}";
        await page.FillAsync("#position-form input[name=name]", position);
        await page.FillAsync("#position-form input[name=title]", "Senior agent");
        await page.FillAsync("#position-form input[name=duties]", "refunds, complaints");
        await page.FillAsync("#position-form input[name=tiers]", "vip");
        await page.FillAsync("#position-form input[name=refundLimit]", "500.50");
        await page.ClickAsync("#position-form button[type=submit]");
        var listed = page.Locator("#positions li", new() { HasText = position });
        await listed.WaitForAsync();
        var text = (await listed.TextContentAsync())!;
        text.ShouldContain($"{position} — Senior agent");
        text.ShouldContain("refunds, complaints · tiers vip");
        text.ShouldContain("refunds up to 500.5 alone");
        var saved = (await api.GetFromJsonAsync<JsonElement>("/api/positions")).EnumerateArray().Single(p => p.GetProperty("name").GetString() == position);
        saved.GetProperty("refundLimit").GetDecimal().ShouldBe(500.50m);
        (await page.Locator($"#position-names option[value='{position}']").CountAsync()).ShouldBe(1, "the agent form offers it");

        var agent = $"pos-agent-{width}";
        await page.FillAsync("#agent-form input[name=userName]", agent);
        await page.FillAsync("#agent-form input[name=position]", position);
        await page.FillAsync("#agent-form input[name=grade]", "senior");
        await page.CheckAsync("#agent-form input[name=outsourced]");
        await page.ClickAsync("#agent-form button[type=submit]");
        var profileRow = page.Locator($"#agents li[data-user-name='{agent}']");
        await profileRow.WaitForAsync();
        (await profileRow.TextContentAsync())!.ShouldContain($"{position} · senior · outsourced");
        var profile = (await api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray().Single(a => a.GetProperty("userName").GetString() == agent);
        profile.GetProperty("position").GetString().ShouldBe(position);
        profile.GetProperty("outsourced").GetBoolean().ShouldBeTrue();

        await listed.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/positions-{width}.png", FullPage = true });
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
            .ShouldBeTrue($"no horizontal overflow at {width} px");
    }

    [Test]
    public async Task An_admin_changes_a_users_display_name_and_email()
    {
        var target = await Browser.Host.CreateUserAsync(userName: "renamed-carol");
        var admin = await Browser.Host.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Browser.Host.Bearer(admin.ApiKey);
        var page = (await OpenAsync(admin, "/admin", "processesAdmin")).Page;
        await page.FillAsync("#user-search input[name=search]", "renamed-carol");
        await page.ClickAsync("#user-search button[type=submit]");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#users li').length === 1");
        await page.ClickAsync("#users li button.link");
        await page.Locator("#user-title", new() { HasText = "renamed-carol" }).WaitForAsync();

        await page.FillAsync("#user-profile input[name=displayName]", "Carol Renamed");
        await page.FillAsync("#user-profile input[name=email]", "carol@example.test");
        await page.ClickAsync("#user-profile button[type=submit]");
        await page.Locator("#message", new() { HasText = "Saved the name and e-mail." }).WaitForAsync();

        var user = await api.GetFromJsonAsync<JsonElement>($"/api/users/{target.Id}");
        user.GetProperty("displayName").GetString().ShouldBe("Carol Renamed");
        user.GetProperty("email").GetString().ShouldBe("carol@example.test");
    }
}
