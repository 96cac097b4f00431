using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// The open redirect of issue 22: after sign-in the page goes to returnUrl, which must stay on this site however
/// it is disguised (tab, CR or LF inside "//", a backslash, percent-encoding, an absolute URL).
/// </summary>
public sealed class ReturnUrlTests : DatabaseTest
{
    /// <summary>Raw values of returnUrl, as the page's script sees them after the query string was decoded once.</summary>
    public static readonly string[] Hostile =
    [
        "/\t/evil.example/", "/\r/evil.example/", "/\n/evil.example/", "/\t\t/evil.example", "\t//evil.example",
        "//evil.example", "///evil.example", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
        "/\\evil.example", "\\\\evil.example", "/%09/evil.example/", "/%0d/evil.example", "/%0A/evil.example",
        "%2F%2Fevil.example", "/%2Fevil.example", "/%5Cevil.example", "/%252F%252Fevil.example", "/%25252F%25252Fevil.example",
        "evil.example", "", " /designer",
    ];

    public static readonly string[] Local = ["/designer", "/inbox?task=42", "/operations#incidents", "/designer?name=my%20process"];

    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [TestCaseSource(nameof(Hostile))]
    public void A_return_url_leaving_the_site_is_not_local(string url) => ReturnUrls.IsLocal(url).ShouldBeFalse();

    [TestCaseSource(nameof(Local))]
    public void A_path_on_the_site_is_local(string url) => ReturnUrls.IsLocal(url).ShouldBeTrue();

    [Test]
    public async Task The_login_page_drops_a_return_url_that_leaves_the_site_and_keeps_a_local_one()
    {
        using var client = _host.Anonymous();
        foreach (var url in Hostile.Where(u => u.Length > 0))
        {
            var page = await client.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(url));
            page.StatusCode.ShouldBe(HttpStatusCode.Redirect, url);
            page.Headers.Location!.ToString().ShouldBe("/login", url);
        }
        // The pen-test's literal form: the encoded tab inside "//" as it arrives in the query string.
        var literal = await client.GetAsync("/login?returnUrl=%2F%09%2Fevil.example%2Fphish");
        literal.Headers.Location!.ToString().ShouldBe("/login");

        foreach (var url in Local)
        {
            var page = await client.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(url));
            page.StatusCode.ShouldNotBe(HttpStatusCode.Redirect, url);
        }
    }

    [Test]
    public async Task Sign_in_answers_the_start_page_for_a_hostile_return_url_and_the_requested_page_for_a_local_one()
    {
        var agent = await _host.CreateUserAsync(roles: [Roles.Agent]);
        using var client = _host.Anonymous();

        foreach (var url in Hostile)
        {
            (await LandingAsync(client, agent, url)).ShouldBe("/inbox", $"returnUrl {JsonSerializer.Serialize(url)}");
        }
        (await LandingAsync(client, agent, null)).ShouldBe("/inbox");
        foreach (var url in Local)
        {
            (await LandingAsync(client, agent, url)).ShouldBe(url);
        }
    }

    private static async Task<string> LandingAsync(HttpClient client, TestUser user, string? returnUrl)
    {
        var response = await client.PostAsJsonAsync("/api/auth/login", new { userName = user.UserName, password = user.Password, returnUrl });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("landing").GetString()!;
    }
}
