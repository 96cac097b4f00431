using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Processes.Tests.Identity;

namespace Processes.Tests.Designer;

/// <summary>
/// The host on a real loopback port (a browser cannot reach WebApplicationFactory's in-memory server, so the factory
/// runs Kestrel on 127.0.0.1 and a free port) and a headless Chromium driven by Playwright. The browser is Debian's
/// <c>/usr/bin/chromium</c> (or PROCESSES_CHROMIUM): Playwright never downloads one here. <c>bash .ci/run</c>
/// installs it on a fresh machine; without it these tests fail and say so.
/// </summary>
public sealed class BrowserHost : IAsyncDisposable
{
    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<BrowserPage> _pages = [];

    private BrowserHost(IdentityHost host, LogCapture logs, Uri baseAddress, IPlaywright playwright, IBrowser browser)
    {
        Host = host;
        Logs = logs;
        BaseAddress = baseAddress;
        _playwright = playwright;
        _browser = browser;
    }

    public IdentityHost Host { get; }

    /// <summary>The host's log, with why the session cookie was refused (shown when a sign-in fails).</summary>
    public LogCapture Logs { get; }

    /// <summary>Where the host listens, e.g. http://127.0.0.1:40123.</summary>
    public Uri BaseAddress { get; }

    public static async Task<BrowserHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var chromium = Environment.GetEnvironmentVariable("PROCESSES_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"The designer page tests need Chromium at {chromium} (Debian: apt-get install chromium; bash .ci/run installs it), " +
                "or its path in PROCESSES_CHROMIUM.");
        }
        var logs = new LogCapture();
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Authentication"] = "Information",
        };
        var host = IdentityHost.Start(connectionString, logs: logs, settings: all);
        try
        {
            var address = host.ListenOnLoopback();
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ChromiumArguments,
            });
            return new BrowserHost(host, logs, address, playwright, browser);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh browser context (its own cookies) with one page; the page's script errors are collected.</summary>
    public async Task<BrowserPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        context.SetDefaultTimeout(20_000);
        var page = new BrowserPage(context, await context.NewPageAsync());
        _pages.Add(page);
        return page;
    }

    /// <summary>The password the sign-in page sets when it asks for a new one.</summary>
    public const string ChangedPassword = "the designer's own new password";

    /// <summary>
    /// Opens <paramref name="path"/> (a page) without a session, which must send the browser to the sign-in page; signs
    /// in there with the form and chooses a new password when asked (a password an admin set must be changed first, as
    /// for every test user). Returns the page, back at the path — whatever the host answered there for this user.
    /// </summary>
    public async Task<BrowserPage> SignInAsync(TestUser user, string path = "/designer")
    {
        ArgumentNullException.ThrowIfNull(user);
        var browser = await NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(path);
        page.Url.ShouldBe(new Uri(BaseAddress, "/login?returnUrl=" + Uri.EscapeDataString(path)).ToString());
        (await page.Locator("#change-password").IsVisibleAsync()).ShouldBeFalse("the password-change form shows only after a sign-in asks for it");
        await page.FillAsync("input[name=userName]", user.UserName);
        await page.FillAsync("input[name=password]", user.Password);
        await page.ClickAsync("#login button[type=submit]");
        var changePassword = page.Locator("#change-password");
        await changePassword.Or(page.Locator("body:not(.login-page)")).WaitForAsync();
        if (await changePassword.IsVisibleAsync())
        {
            await page.FillAsync("input[name=newPassword]", ChangedPassword);
            await page.FillAsync("input[name=repeatPassword]", ChangedPassword);
            await page.ClickAsync("#change-password button[type=submit]");
        }
        try
        {
            await page.WaitForURLAsync(new Uri(BaseAddress, path).ToString());
        }
        catch (TimeoutException)
        {
            var message = await page.Locator("#message").TextContentAsync();
            var log = Logs.Entries.Where(e => e.Level >= LogLevel.Warning || e.Category.Contains("Authentication", StringComparison.Ordinal))
                .Select(e => $"[{e.Level}] {e.Category}: {e.Message}");
            throw new InvalidOperationException($"Sign-in did not reach {path}: at {page.Url}, the page said '{message}'; " +
                $"{string.Join("; ", browser.Errors)}\nhost log:\n{string.Join("\n", log)}");
        }
        return browser;
    }

    /// <summary>Signs in (see <see cref="SignInAsync"/>) and waits until the designer has its list and first diagram.</summary>
    public async Task<BrowserPage> SignInToDesignerAsync(TestUser user)
    {
        var browser = await SignInAsync(user);
        await browser.Page.WaitForFunctionAsync("() => window.processesDesigner !== undefined");
        await browser.Page.EvaluateAsync("() => window.processesDesigner.ready");
        browser.Errors.ShouldBeEmpty();
        return browser;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.DisposeAsync();
        }
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>One browser context and its page, with the console errors and uncaught exceptions it produced.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    internal BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add($"console: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => Errors.Add($"uncaught: {error}");
    }

    public IPage Page { get; }

    public IAPIRequestContext Api => _context.APIRequest;

    public List<string> Errors { get; } = [];

    /// <summary>Imports the XML into the page's modeler exactly as opening a diagram does, and returns bpmn-js's report.</summary>
    public async Task<ImportReport> ImportAsync(string xml)
    {
        var report = await Page.EvaluateAsync<JsonElement>("xml => window.processesDesigner.importXML(xml)", xml);
        return ImportReport.From(report);
    }

    /// <summary>The diagram as the page would deploy it (bpmn-js saveXML).</summary>
    public Task<string> ExportAsync() => Page.EvaluateAsync<string>("() => window.processesDesigner.exportXML()");

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

/// <summary>What bpmn-js made of a model: the import error, its warnings, and what it drew.</summary>
public sealed record ImportReport(string? Error, IReadOnlyList<string> Warnings, int ElementCount, int FlowElementCount, IReadOnlyList<string> Undrawn)
{
    internal static ImportReport From(JsonElement report) => new(
        report.GetProperty("error").ValueKind == JsonValueKind.Null ? null : report.GetProperty("error").GetString(),
        [.. report.GetProperty("warnings").EnumerateArray().Select(w =>
            $"{Text(w, "elementId") ?? "(no element)"} ({Text(w, "elementType") ?? "?"}): {Text(w, "message")}")],
        report.GetProperty("elementCount").GetInt32(),
        report.GetProperty("flowElementCount").GetInt32(),
        [.. report.GetProperty("undrawn").EnumerateArray().Select(e => e.GetString()!)]);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
