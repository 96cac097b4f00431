using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Designer;

/// <summary>
/// Base of the browser tests of the pages: one real host with Chromium per fixture (<see cref="Browser"/>), the pages a
/// test opens tracked so that any script error on them fails it, and the host stopped at the end.
/// </summary>
public abstract class PageTest : DatabaseTest
{
    private readonly List<BrowserPage> _pages = [];

    private protected BrowserHost Browser { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartBrowserHost() => Browser = await BrowserHost.StartAsync(ConnectionString, await HostSettingsAsync());

    /// <summary>Settings the fixture's host starts with (an activity's endpoint, say); none by default.</summary>
    private protected virtual Task<IReadOnlyDictionary<string, string>?> HostSettingsAsync() => Task.FromResult<IReadOnlyDictionary<string, string>?>(null);

    [OneTimeTearDown]
    public async Task StopBrowserHost()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
    }

    [TearDown]
    public void NoScriptErrors()
    {
        var errors = _pages.SelectMany(p => p.Errors).ToList();
        _pages.ForEach(p => p.Errors.Clear());
        errors.ShouldBeEmpty();
    }

    /// <summary>A page whose script errors fail the test.</summary>
    private protected BrowserPage Track(BrowserPage page)
    {
        _pages.Add(page);
        return page;
    }

    /// <summary>The newest tracked page.</summary>
    private protected BrowserPage LastPage => _pages[^1];

    /// <summary>
    /// Signs <paramref name="user"/> in, opens <paramref name="path"/> and waits until its script has loaded what it
    /// shows (<c>window.&lt;readyObject&gt;.ready</c>); with <paramref name="width"/>, then makes the page that wide
    /// (900 high), as the tests at a desktop and a phone width do.
    /// </summary>
    private protected async Task<BrowserPage> OpenAsync(TestUser user, string path, string readyObject, int? width = null)
    {
        var browser = Track(await Browser.SignInAsync(user, path));
        await browser.Page.WaitForFunctionAsync($"() => window.{readyObject} !== undefined");
        await browser.Page.EvaluateAsync($"() => window.{readyObject}.ready");
        if (width is { } wide)
        {
            await browser.Page.SetViewportSizeAsync(wide, 900);
        }
        return browser;
    }
}
