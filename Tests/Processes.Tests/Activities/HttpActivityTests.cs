using System.Text.Json.Nodes;

namespace Processes.Tests.Activities;

public sealed class HttpActivityTests : ActivityTest
{
    private FakeServer _server = null!;

    [SetUp]
    public async Task StartServer() => _server = await FakeServer.StartAsync();

    [TearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>The fake server's own origin: the allow-list compares scheme, host and port.</summary>
    private Dictionary<string, string?> AllowLoopback()
    {
        var settings = FastRetries("Http");
        settings["Processes:Activities:Http:AllowedHosts:0"] = $"127.0.0.1:{_server.BaseUrl.Port}";
        settings["Processes:Activities:Http:AllowedHosts:1"] = "*.example.com";
        return settings;
    }

    private string Url(string path) => new Uri(_server.BaseUrl, path).ToString();

    [Test]
    public async Task A_call_maps_the_answer_to_httpStatus_and_httpBody_parsed_when_it_is_json()
    {
        _server.Respond = r => r.PathAndQuery.StartsWith("/json", StringComparison.Ordinal)
            ? new FakeAnswer(200, """{"customer": {"tier": "gold"}, "open": [1, 2]}""")
            : new FakeAnswer(201, "created", "text/plain");
        var http = Handler("http", AllowLoopback());

        var json = Completed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("json?id=7")}}"}"""), CancellationToken.None));
        json["httpStatus"]!.GetValue<int>().ShouldBe(200);
        json["httpBody"]!["customer"]!["tier"]!.GetValue<string>().ShouldBe("gold");

        var job = Job("http", $$$"""
            {"httpUrl": "{{{Url("orders")}}}", "httpMethod": "post", "httpHeaders": {"X-Tenant": "eu"}, "httpRequestBody": {"orderId": "O-3"}}
            """, """{"header.X-Source": "processes"}""");
        var text = Completed(await http.HandleAsync(job, CancellationToken.None));
        text["httpStatus"]!.GetValue<int>().ShouldBe(201);
        text["httpBody"]!.GetValue<string>().ShouldBe("created");

        var post = _server.Requests.Last();
        Completed(await http.HandleAsync(Job("http", "{}", $$$"""{"url": "{{{Url("notes")}}}", "method": "PUT", "body": "{\"note\": 1}"}"""),
            CancellationToken.None));
        var put = _server.Requests.Last();
        put.Method.ShouldBe("PUT");
        JsonNode.Parse(put.Body)!["note"]!.GetValue<int>().ShouldBe(1);
        post.Method.ShouldBe("POST");
        post.PathAndQuery.ShouldBe("/orders");
        post.Header("X-Tenant").ShouldBe("eu");
        post.Header("X-Source").ShouldBe("processes");
        post.Header("Content-Type")!.ShouldStartWith("application/json");
        post.Header("Idempotency-Key").ShouldBe(job.Key.ToString(System.Globalization.CultureInfo.InvariantCulture));
        JsonNode.Parse(post.Body)!["orderId"]!.GetValue<string>().ShouldBe("O-3");
    }

    [Test]
    public async Task The_allow_list_blocks_every_other_host_without_calling_it()
    {
        var http = Handler("http", AllowLoopback());
        var other = _server.BaseUrl.ToString().Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

        var blocked = Failed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{other}}"}"""), CancellationToken.None));
        blocked.Retryable.ShouldBeFalse();
        blocked.Message.ShouldContain("'localhost'");
        blocked.Message.ShouldContain("AllowedHosts");
        _server.Requests.ShouldBeEmpty();

        var nothingConfigured = Handler("http", []);
        Failed(await nothingConfigured.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("x")}}"}"""), CancellationToken.None))
            .Message.ShouldContain("'127.0.0.1'");
        Failed(await http.HandleAsync(Job("http", "{}", """{"url": "ftp://127.0.0.1/x"}"""), CancellationToken.None)).Retryable.ShouldBeFalse();
        Failed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("x")}}", "method": "GE T"}"""), CancellationToken.None)).Retryable.ShouldBeFalse();
        _server.Requests.ShouldBeEmpty();
    }

    [Test]
    public async Task Connector_secrets_fill_the_url_and_headers_and_never_show_in_failures()
    {
        _server.Respond = r => r.PathAndQuery == "/hooks/ops" ? new FakeAnswer(200, "{}") : new FakeAnswer(503, "down");
        var settings = FastRetries("Http"); // no allowed hosts: a secret's address is trusted, a model's is not
        settings["Processes:Secrets:CHAT_HOOK"] = Url("hooks/ops");
        settings["Processes:Secrets:CHAT_TOKEN"] = "t0ken-s3cret";
        settings["Processes:Secrets:BASE"] = _server.BaseUrl.ToString().TrimEnd('/');
        var http = Handler("http", settings);

        var sent = Completed(await http.HandleAsync(Job("http", "{}",
            """{"url": "{{secrets.CHAT_HOOK}}", "method": "POST", "header.Authorization": "Bearer {{ secrets.CHAT_TOKEN }}"}"""), CancellationToken.None));
        sent["httpStatus"]!.GetValue<int>().ShouldBe(200);
        _server.Requests.Single().Header("Authorization").ShouldBe("Bearer t0ken-s3cret");

        var down = Failed(await http.HandleAsync(Job("http", "{}", """{"url": "{{secrets.BASE}}/other"}"""), CancellationToken.None));
        down.Retryable.ShouldBeTrue();
        down.Message.ShouldBe("GET {{secrets.BASE}}/other answered 503: down", "the address stays a placeholder in what operators read");

        var missing = Failed(await http.HandleAsync(Job("http", "{}", """{"url": "{{secrets.NOT_SET}}/x"}"""), CancellationToken.None));
        missing.Retryable.ShouldBeFalse();
        missing.Message.ShouldBe("The URL '{{secrets.NOT_SET}}/x' needs a secret: The secret(s) NOT_SET are not configured: " +
            "an admin sets them on the settings page (Connector secrets, in the instance's tenant), or configure Processes:Secrets:NOT_SET " +
            "(environment variable Processes__Secrets__NOT_SET); then retry the incident.");

        var modelAddress = Failed(await http.HandleAsync(Job("http", "{}", $$$"""{"url": "{{{Url("hooks/ops")}}}?t={{secrets.CHAT_TOKEN}}"}"""),
            CancellationToken.None));
        modelAddress.Message.ShouldBe($"The URL '{Url("hooks/ops")}?t={{{{secrets.CHAT_TOKEN}}}}' leads to a host that is not in Processes:Activities:Http:AllowedHosts.",
            "a secret inside a model's own address does not lift the allow-list");
    }

    [Test]
    public void Wildcard_entries_allow_subdomains_only()
    {
        var list = new Processes.Activities.Http.HostAllowList(["*.example.com", "API.partner.org"]);
        list.Allows(new Uri("https://crm.example.com/x")).ShouldBeTrue();
        list.Allows(new Uri("https://example.com/x")).ShouldBeFalse();
        list.Allows(new Uri("https://evil-example.com/x")).ShouldBeFalse();
        list.Allows(new Uri("http://api.partner.org/x")).ShouldBeTrue();
        list.Allows(new Uri("https://partner.org/x")).ShouldBeFalse();
    }

    [Test]
    public void Entries_compare_the_parsed_scheme_host_and_port()
    {
        var list = new Processes.Activities.Http.HostAllowList(["api.partner.org", "https://pay.partner.org", "127.0.0.1:8080", "*.hooks.org:8443", "[::1]:9000", "bad entry/x"]);
        list.Allows(new Uri("https://api.partner.org/v1")).ShouldBeTrue();
        list.Allows(new Uri("http://api.partner.org/v1")).ShouldBeTrue();
        list.Allows(new Uri("https://api.partner.org:444/v1")).ShouldBeFalse("without a port an entry allows the default one only");
        list.Allows(new Uri("https://pay.partner.org/")).ShouldBeTrue();
        list.Allows(new Uri("http://pay.partner.org/")).ShouldBeFalse("the entry names its scheme");
        list.Allows(new Uri("http://127.0.0.1:8080/x")).ShouldBeTrue();
        list.Allows(new Uri("http://127.0.0.1:8081/x")).ShouldBeFalse();
        list.Allows(new Uri("http://127.0.0.1/x")).ShouldBeFalse();
        list.Allows(new Uri("https://a.hooks.org:8443/x")).ShouldBeTrue();
        list.Allows(new Uri("https://a.hooks.org/x")).ShouldBeFalse();
        list.Allows(new Uri("http://[::1]:9000/x")).ShouldBeTrue();
        list.Allows(new Uri("http://api.partner.org@evil.org/")).ShouldBeFalse("the parsed host is evil.org, whatever the text starts with");
    }

    [Test]
    public async Task Server_errors_retry_and_stay_retryable_client_errors_do_not_unless_the_model_says_so()
    {
        var http = Handler("http", AllowLoopback());

        var calls = 0;
        _server.Respond = _ => Interlocked.Increment(ref calls) == 1 ? new FakeAnswer(500, "oops") : new FakeAnswer(200, "{}");
        Completed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("flaky")}}"}"""), CancellationToken.None))["httpStatus"]!
            .GetValue<int>().ShouldBe(200);
        _server.Requests.Count.ShouldBe(2);

        _server.Requests.Clear();
        _server.Respond = _ => new FakeAnswer(503, "maintenance");
        var down = Failed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("down")}}"}"""), CancellationToken.None));
        down.Retryable.ShouldBeTrue();
        down.Message.ShouldContain("503");
        _server.Requests.Count.ShouldBe(3);

        _server.Requests.Clear();
        _server.Respond = _ => new FakeAnswer(404, """{"error": "no such order"}""");
        var missing = Failed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("orders/9")}}"}"""), CancellationToken.None));
        missing.Retryable.ShouldBeFalse();
        missing.Message.ShouldContain("no such order");
        _server.Requests.Count.ShouldBe(1, "a 4xx is not retried in-process");

        _server.Respond = _ => new FakeAnswer(409, "locked");
        Failed(await http.HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("orders/9")}}", "retryableStatusCodes": "409, 423"}"""), CancellationToken.None))
            .Retryable.ShouldBeTrue();
    }

    [Test]
    public async Task A_host_that_does_not_answer_in_time_is_a_retryable_failure()
    {
        var settings = AllowLoopback();
        settings["Processes:Activities:Http:Retry:Timeout"] = "00:00:00.200";
        settings["Processes:Activities:Http:Retry:MaxRetries"] = "0";
        _server.Respond = _ => new FakeAnswer(200, "{}", Delay: TimeSpan.FromSeconds(5));

        var slow = Failed(await Handler("http", settings).HandleAsync(Job("http", "{}", $$"""{"url": "{{Url("slow")}}"}"""), CancellationToken.None));

        slow.Retryable.ShouldBeTrue();
        slow.Message.ShouldContain("no answer within");
    }
}
