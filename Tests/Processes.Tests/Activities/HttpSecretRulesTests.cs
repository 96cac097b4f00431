using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Tests.Identity;

namespace Processes.Tests.Activities;

/// <summary>
/// Issue 22: what variables (set by whoever starts an instance or completes a task) can and cannot do to an
/// <c>http</c> element, and where connector secrets may go. Two loopback servers: the ledger (reached through the secret
/// LEDGER_URL, and the only allow-listed origin) and an outsider on another port, which must never hear anything.
/// </summary>
public sealed class HttpSecretRulesTests : ActivityTest
{
    private const string Token = "ledger-t0ken-7f3a91";
    private FakeServer _ledger = null!;
    private FakeServer _outsider = null!;

    [SetUp]
    public async Task StartServers()
    {
        _ledger = await FakeServer.StartAsync();
        _outsider = await FakeServer.StartAsync();
    }

    [TearDown]
    public async Task StopServers()
    {
        await _ledger.DisposeAsync();
        await _outsider.DisposeAsync();
    }

    private string LedgerUrl => new Uri(_ledger.BaseUrl, "api").ToString();

    private string LedgerOrigin => _ledger.BaseUrl.GetLeftPart(UriPartial.Authority);

    private string Outsider(string path) => new Uri(_outsider.BaseUrl, path).ToString();

    private Dictionary<string, string?> Settings()
    {
        var settings = FastRetries("Http");
        settings["Processes:Activities:Http:AllowedHosts:0"] = $"http://127.0.0.1:{_ledger.BaseUrl.Port}";
        settings["Processes:Secrets:LEDGER_URL"] = LedgerUrl;
        settings["Processes:Secrets:LEDGER_ORIGIN"] = LedgerOrigin;
        settings["Processes:Secrets:LEDGER_HOST_ONLY"] = "http://127.0.0.1";
        settings["Processes:Secrets:LEDGER_TOKEN"] = Token;
        return settings;
    }

    private static string Json(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    private void NothingWasSent()
    {
        _outsider.Requests.ShouldBeEmpty("the outsider must hear nothing");
        _ledger.Requests.ShouldBeEmpty("a refused job calls nobody");
    }

    private void ShowsNoSecret(string message)
    {
        message.ShouldNotContain(Token);
        message.ShouldNotContain(LedgerUrl);
        message.ShouldNotContain(LedgerOrigin);
    }

    [Test]
    public async Task The_pen_test_attack_variables_cannot_redirect_an_element_whose_url_uses_a_secret()
    {
        var http = Handler("http", Settings());
        var attack = Json(new
        {
            httpUrl = $"{{{{secrets.LEDGER_ORIGIN}}}}@127.0.0.1:{_outsider.BaseUrl.Port}/collect",
            httpHeaders = new Dictionary<string, string> { ["X-Leak"] = "{{secrets.LEDGER_TOKEN}}" },
        });

        var refused = Failed(await http.HandleAsync(Job("http", attack, """{"url": "{{secrets.LEDGER_URL}}/fees", "method": "POST"}"""), CancellationToken.None));

        refused.Retryable.ShouldBeFalse();
        refused.Message.ShouldContain("'httpUrl', 'httpHeaders'");
        refused.Message.ShouldContain("may not change its URL, method or headers");
        ShowsNoSecret(refused.Message);
        foreach (var variables in new[] { Json(new { httpUrl = Outsider("x") }), Json(new { httpMethod = "DELETE" }), Json(new { httpHeaders = new { X_Tenant = "eu" } }) })
        {
            Failed(await http.HandleAsync(Job("http", variables, """{"url": "{{secrets.LEDGER_URL}}/fees"}"""), CancellationToken.None)).Retryable.ShouldBeFalse();
        }
        // A secret in a header alone makes the element just as closed.
        Failed(await http.HandleAsync(Job("http", Json(new { httpUrl = Outsider("x") }),
            $$$"""{"url": "{{{LedgerUrl}}}/fees", "header.Authorization": "Bearer {{secrets.LEDGER_TOKEN}}"}"""), CancellationToken.None))
            .Message.ShouldContain("'httpUrl'");
        NothingWasSent();

        // A model maps them to null to be safe from whatever the instance holds; parameters are still welcome.
        var done = Completed(await http.HandleAsync(Job("http", """{"httpUrl": null, "httpHeaders": null, "httpQuery": {"period": "2026-11", "x": "a&b=c/../"}}""",
            """{"url": "{{secrets.LEDGER_URL}}/fees", "header.Authorization": "Bearer {{secrets.LEDGER_TOKEN}}"}"""), CancellationToken.None));
        done["httpStatus"]!.GetValue<int>().ShouldBe(200);
        var sent = _ledger.Requests.ShouldHaveSingleItem();
        sent.PathAndQuery.ShouldBe("/api/fees?period=2026-11&x=a%26b%3Dc%2F..%2F", "parameters are encoded: they cannot change the path or the host");
        sent.Header("Authorization").ShouldBe($"Bearer {Token}");
        _outsider.Requests.ShouldBeEmpty();
    }

    [Test]
    public async Task Secrets_never_resolve_in_variables()
    {
        var http = Handler("http", Settings());
        string[] attempts =
        [
            Json(new { httpHeaders = new Dictionary<string, string> { ["X-Leak"] = "{{secrets.LEDGER_TOKEN}}" } }),
            Json(new { httpUrl = $"{LedgerUrl}/fees?t={{{{secrets.LEDGER_TOKEN}}}}" }),
            Json(new { httpUrl = "{{secrets.LEDGER_URL}}/fees" }),
            Json(new { httpUrl = "{{ secrets.LEDGER_URL }}" }),
        ];
        foreach (var variables in attempts)
        {
            var refused = Failed(await http.HandleAsync(Job("http", variables, $$"""{"url": "{{LedgerUrl}}/fees"}"""), CancellationToken.None));
            refused.Retryable.ShouldBeFalse();
            refused.Message.ShouldContain("never in variables");
            ShowsNoSecret(refused.Message);
        }
        NothingWasSent();
    }

    [Test]
    public async Task User_information_a_leading_placeholder_a_port_or_a_scheme_change_do_not_pass_the_allow_list()
    {
        var http = Handler("http", Settings());
        var outsiderPort = _outsider.BaseUrl.Port.ToString(CultureInfo.InvariantCulture);
        var ledgerPort = _ledger.BaseUrl.Port.ToString(CultureInfo.InvariantCulture);
        (string Variables, string Headers, string Expected)[] cases =
        [
            // user@host: the text starts with the ledger, the parsed host is the outsider
            ("{}", $$$"""{"url": "{{secrets.LEDGER_ORIGIN}}@127.0.0.1:{{{outsiderPort}}}/collect"}""", "user information"),
            (Json(new { httpUrl = $"http://127.0.0.1:{ledgerPort}@127.0.0.1:{outsiderPort}/collect" }), "{}", "user information"),
            (Json(new { httpUrl = $"http://user:pw@127.0.0.1:{ledgerPort}/api" }), "{}", "user information"),
            // the secret supplies the address, the model's rest may not move it
            ("{}", $$$"""{"url": "{{secrets.LEDGER_HOST_ONLY}}:{{{outsiderPort}}}/collect"}""", "leaves the address of its secret LEDGER_HOST_ONLY"),
            ("{}", """{"url": "{{secrets.LEDGER_TOKEN}}/x"}""", "absolute http(s) URL"),
            // no text shortcut: a leading "{{" is just text
            (Json(new { httpUrl = $"{{{{x}}}}http://127.0.0.1:{outsiderPort}/collect" }), "{}", "absolute http(s) URL"),
            // port and scheme are compared, not just the host
            (Json(new { httpUrl = Outsider("collect") }), "{}", $"(http, port {outsiderPort}) is not in"),
            (Json(new { httpUrl = $"https://127.0.0.1:{ledgerPort}/api" }), "{}", "(https, port"),
            ("{}", $$$"""{"url": "http://127.0.0.1:{{{outsiderPort}}}/x?t={{secrets.LEDGER_TOKEN}}"}""", "leads to a host that is not in"),
        ];
        foreach (var (variables, headers, expected) in cases)
        {
            var refused = Failed(await http.HandleAsync(Job("http", variables, headers), CancellationToken.None));
            refused.Retryable.ShouldBeFalse(refused.Message);
            refused.Message.ShouldContain(expected, Case.Sensitive, headers + variables);
            if (variables == "{}")
            {
                ShowsNoSecret(refused.Message); // (an address typed into a variable is the typist's, not a secret)
            }
        }
        NothingWasSent();
    }

    [Test]
    public async Task Header_injection_through_variables_is_refused()
    {
        var http = Handler("http", Settings());
        string[] attempts =
        [
            Json(new { httpHeaders = new Dictionary<string, string> { ["X-A"] = "a\r\nX-Leak: b" } }),
            Json(new { httpHeaders = new Dictionary<string, string> { ["Host"] = "internal.corp" } }),
            Json(new { httpHeaders = new Dictionary<string, string> { ["X-A: b\r\nX-B"] = "c" } }),
            Json(new { httpHeaders = new Dictionary<string, string> { ["Transfer-Encoding"] = "chunked" } }),
            Json(new { httpHeaders = "X-A: b" }),
        ];
        foreach (var variables in attempts)
        {
            Failed(await http.HandleAsync(Job("http", variables, $$"""{"url": "{{LedgerUrl}}/fees"}"""), CancellationToken.None)).Retryable.ShouldBeFalse(variables);
        }
        NothingWasSent();
    }

    [Test]
    public async Task Failures_and_logs_show_placeholders_never_resolved_secrets()
    {
        var logs = new LogCapture();
        var settings = Settings();
        var closed = new Uri($"http://127.0.0.1:{FreePort()}/hook/{Token}");
        settings["Processes:Secrets:DEAD_HOOK"] = closed.ToString();
        settings["Processes:Secrets:CHAT_HOOK"] = new Uri(_ledger.BaseUrl, $"hook/{Token}?key=q-{Token}").ToString();
        var http = Handler("http", settings, logs);

        var unreachable = Failed(await http.HandleAsync(Job("http", "{}", """{"url": "{{secrets.DEAD_HOOK}}"}"""), CancellationToken.None));
        unreachable.Retryable.ShouldBeTrue();
        unreachable.Message.ShouldStartWith("GET {{secrets.DEAD_HOOK}}: ");
        unreachable.Message.ShouldNotContain(closed.Authority);
        ShowsNoSecret(unreachable.Message);

        _ledger.Respond = r => new FakeAnswer(400, $$"""{"error": "bad token {{r.Header("Authorization")}}"}""");
        var echoed = Failed(await http.HandleAsync(Job("http", "{}", """{"url": "{{secrets.LEDGER_URL}}/x", "header.Authorization": "{{secrets.LEDGER_TOKEN}}"}"""),
            CancellationToken.None));
        echoed.Message.ShouldBe("GET {{secrets.LEDGER_URL}}/x answered 400: {\"error\": \"bad token {{secrets.LEDGER_TOKEN}}\"}");

        _ledger.Respond = _ => new FakeAnswer(200, "{}");
        Completed(await http.HandleAsync(Job("http", "{}", """{"url": "{{secrets.CHAT_HOOK}}", "method": "POST"}"""), CancellationToken.None));
        _ledger.Requests.Last().PathAndQuery.ShouldBe($"/hook/{Token}?key=q-{Token}");

        var entries = logs.Entries.ToList();
        entries.ShouldContain(e => e.Category == "Processes.Activities.OutboundHttp" && e.Message.Contains("127.0.0.1", StringComparison.Ordinal));
        entries.ShouldNotContain(e => e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal), "the framework's loggers print whole URIs");
        entries.ShouldAllBe(e => !e.Message.Contains(Token, StringComparison.Ordinal) && !e.Message.Contains("/hook", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
