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
