using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// The admin settings endpoints under /api (agents, positions, SMS texts, calendars, catalogues, connector secrets)
/// against a corpus built from one good body each: every field in turn a huge string, a number, an object, an array of
/// huge strings, and the name in the path too long for an index. None may answer 5xx; a refusal is problem+json that
/// says what is wrong.
/// </summary>
public sealed class SettingsBadInputTests : DatabaseTest
{
    private static readonly string Huge = RandomText(200_000);

    private static readonly (string Path, string Body)[] Endpoints =
    [
        ("/api/agents/{0}", """{"skills":["repair"],"regions":["north"],"languages":["en"],"tiers":["vip"],"channels":["phone"],"capacity":2,"onDuty":true,"phone":"+49 30 1234567","position":null,"grade":"senior","outsourced":false}"""),
        ("/api/positions/{0}", """{"title":"Senior agent","duties":["refunds"],"tiers":["vip"],"refundLimit":100.5}"""),
        ("/api/sms-templates/{0}", """{"text":"Hello {name}","parameters":["name"],"description":"greeting"}"""),
        ("/api/calendars/{0}", """{"name":"{0}","timeZone":"Europe/Berlin","week":{"monday":[["09:00","17:00"]]},"holidays":[{"date":"2026-12-25","name":"Christmas"}],"workingDays":["2026-12-27"]}"""),
        ("/api/catalogues/{0}", """{"title":"Reasons","parent":null,"entries":[{"value":"lost","label":"Lost"}],"version":0}"""),
        ("/api/secrets/{0}", """{"value":"s3cret"}"""),
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
    public async Task The_settings_endpoints_answer_every_variant_without_a_5xx()
    {
        var failures = new List<string>();
        var sent = 0;
        var n = 0;
        foreach (var (path, template) in Endpoints)
        {
            var good = $"ok-{n++}";
            var (status, detail) = await PutAsync(path, good, template);
            status.ShouldBeLessThan(300, $"{path} with its good body: {detail}");
            foreach (var (name, body) in Variants(template.Replace("{0}", good, StringComparison.Ordinal)))
            {
                sent++;
                var result = await PutAsync(path, good, body);
                if (result.Status >= 500 || (result.Status >= 400 && string.IsNullOrWhiteSpace(result.Detail)))
                {
                    failures.Add($"PUT {path} with {name}: {result.Status} {Cut(result.Detail)}");
                }
            }
            sent++;
            var longName = RandomText(6000);
            var named = await PutAsync(path, longName, template);
            if (named.Status >= 500 || named.Status is >= 200 and < 300 || string.IsNullOrWhiteSpace(named.Detail))
            {
                failures.Add($"PUT {path} with a 6000-character name: {named.Status} {Cut(named.Detail)}");
            }
        }
        sent.ShouldBeGreaterThan(100);
        failures.ShouldBeEmpty();
    }

    /// <summary>The body with each property (and each array's first item) replaced in turn.</summary>
    private static IEnumerable<(string Name, string Body)> Variants(string template)
    {
        var original = JsonNode.Parse(template)!.AsObject();
        JsonNode?[] replacements = [Huge, 12345, new JsonObject { ["a"] = 1 }, new JsonArray(Huge), -1e300, true];
        foreach (var property in original.Select(p => p.Key).ToList())
        {
            foreach (var replacement in replacements)
            {
                var body = original.DeepClone().AsObject();
                body[property] = replacement?.DeepClone();
                yield return ($"{property} = {Describe(replacement)}", body.ToJsonString());
            }
            if (original[property] is JsonArray { Count: > 0 } array && array[0] is JsonObject item)
            {
                foreach (var field in item.Select(p => p.Key).ToList())
                {
                    var body = original.DeepClone().AsObject();
                    body[property]![0]![field] = Huge;
                    yield return ($"{property}[0].{field} = a huge string", body.ToJsonString());
                }
            }
        }
    }

    private static string Describe(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out _) => "a huge string",
        JsonArray => "an array of a huge string",
        null => "null",
        _ => node.ToJsonString(),
    };

    private async Task<(int Status, string Detail)> PutAsync(string path, string name, string body)
    {
        var uri = new Uri(path.Replace("{0}", Uri.EscapeDataString(name), StringComparison.Ordinal), UriKind.Relative);
        using var request = new HttpRequestMessage(HttpMethod.Put, uri)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace("\"{0}\"", JsonSerializer.Serialize(name), StringComparison.Ordinal))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var detail = "";
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var problem = JsonDocument.Parse(text);
            detail = problem.RootElement.TryGetProperty("errors", out var e) ? e.GetRawText() :
                problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        }
        return ((int)response.StatusCode, detail.Length > 0 ? detail : (int)response.StatusCode >= 400 ? "" : text);
    }

    /// <summary>Text that does not compress (an index stores it as it is).</summary>
    private static string RandomText(int length) => Convert.ToHexString(RandomNumberGenerator.GetBytes(length / 2 + 1))[..length];

    private static string Cut(string text) => text.Length > 200 ? text[..200] : text;
}
