using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// The sign-in page in Chromium (issue 22): a crafted return URL cannot send the browser off the site after sign-in,
/// while a page on the site is returned to, query string and all.
/// </summary>
public sealed class LoginPageTests : PageTest
{
    [TestCase("%2F%09%2Fevil.example%2Fphish")]
    [TestCase("%2F%5Cevil.example")]
    [TestCase("https%3A%2F%2Fevil.example%2F")]
    [TestCase("%2F%252F%252Fevil.example")]
    public async Task A_return_url_leading_off_the_site_lands_on_the_start_page(string encoded)
    {
        var user = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        var page = Track(await Browser.NewPageAsync()).Page;

        await page.GotoAsync("/login?returnUrl=" + encoded);
        await SignInWithTheFormAsync(page, user);

        await page.WaitForURLAsync(new Uri(Browser.BaseAddress, "/designer").ToString());
    }

    [Test]
    public async Task A_local_return_url_is_where_the_sign_in_goes_back_to()
    {
        var user = await Browser.Host.CreateUserAsync(roles: [Roles.Designer]);
        var page = Track(await Browser.NewPageAsync()).Page;

        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString("/designer?from=login"));
        await SignInWithTheFormAsync(page, user);

        await page.WaitForURLAsync(new Uri(Browser.BaseAddress, "/designer?from=login").ToString());
    }

    /// <summary>
    /// The script's own check, with the host's checks taken away: the page is served for a hostile returnUrl anyway
    /// and the sign-in answer is stubbed to name a hostile landing page. The script neither sends the return URL on
    /// nor follows the landing page off the site.
    /// </summary>
    [TestCase("/\t/evil.example/")]
    [TestCase("//evil.example")]
    [TestCase("https://evil.example/")]
    [TestCase("/\\evil.example")]
    [TestCase("/%2F%2Fevil.example")]
    public async Task The_page_script_on_its_own_stays_on_the_site(string hostile)
    {
        // Not tracked: the faked sign-in left no session, so "/" sends the browser back to the sign-in page.
        var page = (await Browser.NewPageAsync()).Page;
        await page.RouteAsync(new Regex("/login\\?returnUrl="), route => route.ContinueAsync(new() { Url = new Uri(Browser.BaseAddress, "/login").ToString() }));
        JsonElement? sent = null;
        await page.RouteAsync("**/api/auth/login", async route =>
        {
            sent = JsonDocument.Parse(route.Request.PostData!).RootElement.Clone();
            await route.FulfillAsync(new()
            {
                Status = 200,
                ContentType = "application/json",
                Body = JsonSerializer.Serialize(new
                {
                    user = new { roles = new[] { "designer" }, passwordChangeRequired = false },
                    antiforgeryToken = "token", antiforgeryHeader = "X-CSRF-TOKEN", landing = hostile,
                }),
            });
        });

        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(hostile));
        page.Url.ShouldContain("returnUrl=", Case.Sensitive, "the host's redirect was bypassed, so the script sees the hostile value");
        await page.FillAsync("input[name=userName]", "anyone");
        await page.FillAsync("input[name=password]", "any password at all");
        // The script goes home ("/"), on this site, whatever the landing said.
        await page.RunAndWaitForRequestAsync(() => page.ClickAsync("#login button[type=submit]"), new Uri(Browser.BaseAddress, "/").ToString());
        sent!.Value.GetProperty("returnUrl").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    private static async Task SignInWithTheFormAsync(IPage page, TestUser user)
    {
        await page.FillAsync("input[name=userName]", user.UserName);
        await page.FillAsync("input[name=password]", user.Password);
        await page.ClickAsync("#login button[type=submit]");
        // Users made by the admin choose their own password first; the page then goes on to the same place.
        await page.Locator("#change-password").WaitForAsync();
        await page.FillAsync("input[name=newPassword]", BrowserHost.ChangedPassword);
        await page.FillAsync("input[name=repeatPassword]", BrowserHost.ChangedPassword);
        await page.ClickAsync("#change-password button[type=submit]");
    }
}
