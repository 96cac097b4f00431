using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// The input policy (issue 21): a hostile corpus sent to every write endpoint family gets no 5xx, and each
/// refusal is problem+json saying what is wrong — NUL and lone surrogates (which PostgreSQL would refuse),
/// invalid UTF-8, malformed, truncated, wrongly shaped or too deep JSON, oversized variables and bodies.
/// </summary>
public sealed class BadInputTests : DatabaseTest
{
    private static readonly (string Method, string Path)[] Endpoints =
    [
        ("POST", "/v2/process-instances"), ("POST", "/v2/process-instances/search"), ("POST", "/v2/process-instances/1/cancellation"),
        ("POST", "/v2/messages/publication"), ("POST", "/v2/messages/correlation"), ("POST", "/v2/signals/broadcast"),
        ("POST", "/v2/jobs/activation"), ("POST", "/v2/jobs/1/completion"), ("POST", "/v2/jobs/1/failure"), ("POST", "/v2/jobs/1/error"),
        ("POST", "/v2/user-tasks/search"), ("POST", "/v2/user-tasks/1/assignment"), ("POST", "/v2/user-tasks/1/completion"),
        ("POST", "/v2/user-tasks/1/variables/search"), ("POST", "/v2/incidents/search"), ("POST", "/v2/incidents/1/resolution"),
        ("PUT", "/v2/element-instances/1/variables"), ("POST", "/v2/process-definitions/search"), ("POST", "/v2/decision-definitions/search"),
        ("POST", "/v2/decision-definitions/evaluation"), ("POST", "/api/tasks/1/reassign"), ("POST", "/api/tasks/1/comments"),
        ("PUT", "/api/calendars/hostile"), ("POST", "/api/users"), ("POST", "/api/groups"),
    ];

    /// <summary>Bodies no endpoint may accept: each must be a 400 or 413 with a detail.</summary>
    private static readonly (string Name, byte[] Body)[] Refused =
    [
        ("truncated", Utf8("{\"processDefinitionId\":\"p\",")),
        ("malformed", Utf8("{\"a\":}")),
        ("trailing garbage", Utf8("{} x")),
        ("nul in a variable value", Utf8("""{"variables":{"note":"a\u0000b"}}""")),
        ("nul in a variable name", Utf8("""{"variables":{"no\u0000te":1}}""")),
        ("nul in a business key", Utf8("""{"processDefinitionId":"p","businessKey":"B\u00001"}""")),
        ("nul in names and keys", Utf8("""{"name":"m\u0000","correlationKey":"k\u0000","processDefinitionId":"p\u0000","userName":"u\u0000"}""")),
        ("nul in a search filter", Utf8("""{"filter":{"businessKey":"\u0000","processDefinitionId":"\u0000","assignee":"\u0000","state":"\u0000"}}""")),
        ("nul deep in a value", Utf8("""{"variables":{"order":{"lines":[{"sku":"x\u0000"}]}}}""")),
        ("lone high surrogate", Utf8("""{"variables":{"a":"\ud800"}}""")),
        ("lone low surrogate in a name", Utf8("""{"variables":{"\udc00":1}}""")),
        ("raw 0xFF byte in a string", [.. Utf8("{\"variables\":{\"a\":\""), 0xFF, .. Utf8("\"}}")]),
        ("raw 0xFF byte first", [0xFF, .. Utf8("{}")]),
        ("overlong UTF-8 NUL", [.. Utf8("{\"businessKey\":\""), 0xC0, 0x80, .. Utf8("\"}")]),
        ("nesting past 64 levels", Utf8("{\"variables\":{\"a\":" + new string('[', 100) + new string(']', 100) + "}}")),
        ("a variable over 1 MB", Utf8($$$"""{"variables":{"big":"{{{new string('x', 1_100_000)}}}"}}""")),
        ("over 1000 variables", Utf8("{\"variables\":{" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"\"v{i}\":{i}")) + "}}")),
        ("a variable name over 256 characters", Utf8($$$"""{"variables":{"{{{new string('n', 300)}}}":1}}""")),
        ("a body over 8 MB", Utf8($$$"""{"variables":{"a":"{{{new string('x', 9_000_000)}}}"}}""")),
    ];

    /// <summary>Well-formed JSON of the wrong shape: the binder or the handler refuses it, never with a 5xx.</summary>
    private static readonly (string Name, byte[] Body)[] Shapes =
    [
        ("empty", []), ("array", Utf8("[]")), ("array of objects", Utf8("[{}]")), ("string", Utf8("\"text\"")), ("number", Utf8("42")),
        ("null", Utf8("null")), ("variables a string", Utf8("""{"variables":"x"}""")), ("variables an array", Utf8("""{"variables":[1,2]}""")),
        ("id a number", Utf8("""{"processDefinitionId":123,"name":7,"correlationKey":{}}""")), ("filter an array", Utf8("""{"filter":[],"page":"x"}""")),
        ("huge numbers", Utf8("""{"retries":1e400,"timeToLive":99999999999999999999,"processDefinitionVersion":-99999999999}""")),
    ];

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _client = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Admin])).ApiKey);
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task The_hostile_corpus_gets_no_5xx_on_any_write_endpoint_and_each_refusal_says_what_is_wrong()
    {
        var failures = new List<string>();
        var sent = 0;
        foreach (var (method, path) in Endpoints)
        {
            foreach (var (name, body) in Refused)
            {
                sent++;
                var (status, problem) = await SendAsync(method, path, body);
                if (status is not (400 or 413) || string.IsNullOrWhiteSpace(problem))
                {
                    failures.Add($"{method} {path} with {name}: {status} {Cut(problem)}");
                }
            }
            foreach (var (name, body) in Shapes)
            {
                sent++;
                var (status, problem) = await SendAsync(method, path, body);
                if (status >= 500 || (status >= 400 && string.IsNullOrWhiteSpace(problem)))
                {
                    failures.Add($"{method} {path} with {name}: {status} {Cut(problem)}");
                }
            }
        }
        sent.ShouldBeGreaterThanOrEqualTo(300);
        failures.ShouldBeEmpty();
    }

    [Test]
    public async Task A_nul_names_the_field_and_an_oversized_variable_names_the_variable_and_the_limit()
    {
        var (status, detail) = await SendAsync("POST", "/v2/process-instances", Utf8("""{"processDefinitionId":"p","variables":{"order":{"note":"a\u0000"}}}"""));
        status.ShouldBe(400);
        detail.ShouldContain("variables.order.note");
        detail.ShouldContain("NUL");
        (status, detail) = await SendAsync("POST", "/v2/messages/publication", Utf8("""{"name":"m","correlationKey":"k\u0000"}"""));
        status.ShouldBe(400);
        detail.ShouldContain("correlationKey");
        (status, detail) = await SendAsync("POST", "/v2/process-instances", Utf8($$$"""{"processDefinitionId":"p","variables":{"big":"{{{new string('x', 1_100_000)}}}"}}"""));
        status.ShouldBe(413);
        detail.ShouldContain("variables.big");
        detail.ShouldContain("MaxVariableBytes");
    }

    [Test]
    public async Task Wrongly_typed_json_is_a_problem_naming_the_path()
    {
        var (status, detail) = await SendAsync("POST", "/v2/process-instances", Utf8("""{"processDefinitionId":"p","businessKey":{"a":1}}"""));
        status.ShouldBe(400);
        detail.ShouldContain("businessKey");
        (status, detail) = await SendAsync("POST", "/v2/process-instances", Utf8("[]"));
        status.ShouldBe(400);
        detail.ShouldNotBeNullOrWhiteSpace();
    }

    [Test]
    public async Task A_nul_in_a_query_parameter_is_a_400_naming_it()
    {
        using var response = await _client.GetAsync(new Uri("/api/tasks?view=mine%00", UriKind.Relative));
        ((int)response.StatusCode).ShouldBe(400);
        (await response.Content.ReadAsStringAsync()).ShouldContain("view");
    }

    [Test]
    public async Task A_deployment_over_the_limit_is_a_413()
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(new byte[25 * 1024 * 1024]);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "resources", "big.bpmn");
        using var response = await _client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [TestCase("file name", "resources", "order\0.bpmn", "order\\u0000.bpmn")]
    [TestCase("part name", "reso\0urces", "order.bpmn", "reso\\u0000urces")]
    public async Task A_nul_in_a_multipart_deployment_is_a_400_naming_the_part(string where, string part, string fileName, string named)
    {
        // Written by hand: the client's own header checks would refuse the NUL before it left.
        const string boundary = "hostile-boundary";
        var body = Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
            $"<definitions/>\r\n--{boundary}--\r\n");
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        using var response = await _client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(400, $"{where}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        using var problem = JsonDocument.Parse(text);
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        detail.ShouldContain(named, Case.Sensitive, $"{where}: the refusal names the part");
        detail.ShouldContain("NUL");
    }

    [Test]
    public async Task An_unknown_resource_type_in_a_deployment_is_a_400_naming_the_file()
    {
        using var content = new MultipartFormDataContent();
        var exe = new ByteArrayContent([0x4D, 0x5A, 0x90, 0x00]);
        exe.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(exe, "resources", "setup.exe");
        using var response = await _client.PostAsync(new Uri("/v2/deployments", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        detail.ShouldContain("setup.exe");
        detail.ShouldContain("Unknown resource type");
    }

    private async Task<(int Status, string Detail)> SendAsync(string method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var detail = "";
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var problem = JsonDocument.Parse(text);
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" :
                problem.RootElement.TryGetProperty("errors", out var e) ? e.GetRawText() : "";
        }
        return ((int)response.StatusCode, detail.Length > 0 ? detail : (int)response.StatusCode >= 400 ? "" : text);
    }

    private static string Cut(string text) => text.Length > 200 ? text[..200] : text;

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
