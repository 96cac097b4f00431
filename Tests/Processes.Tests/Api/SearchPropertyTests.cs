using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Random filter / sort / page combinations on every 8.8 search outside identity (issue 20's property test): whatever
/// the request, the answer is a 200 search result or a 400 problem that says what is wrong — never a 5xx. Cursors
/// returned by one answer are fed into later requests, forward and back. The seed is printed; set
/// <c>SEARCH_PROPERTY_SEED</c> to replay a run.
/// </summary>
public sealed class SearchPropertyTests : DatabaseTest
{
    private const int RequestsPerSearch = 30;
    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private CamundaScenario _scenario = null!;

    [OneTimeSetUp]
    public async Task CreateScenario()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _admin = await _host.AdminAsync();
        _scenario = await CamundaScenario.CreateAsync(_admin, "O-prop");
        await CamundaScenario.CreateAsync(_admin, "O-other");
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Random_filters_sorts_and_pages_never_answer_a_server_error()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SEARCH_PROPERTY_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s : Random.Shared.Next();
        TestContext.Out.WriteLine($"SEARCH_PROPERTY_SEED={seed}");
        var keys = new[] { _scenario.ParentKey, _scenario.ChildKey, _scenario.JobKey, _scenario.IncidentKey, _scenario.UserTaskKey,
            _scenario.DecisionKey, _scenario.RequirementsKey, _scenario.ProcessDefinitionKey };
        var generator = new SearchRequestGenerator(new Random(seed), keys);
        var failures = new List<string>();
        var answered = new Dictionary<HttpStatusCode, int>();
        var refusals = new Dictionary<string, int>();
        foreach (var search in SearchRequestGenerator.Searches)
        {
            var cursors = new List<string>();
            var path = generator.Path(search, _scenario.UserTaskKey, _scenario.ChildKey);
            for (var i = 0; i < RequestsPerSearch; i++)
            {
                var body = generator.Body(search, cursors);
                var json = body.ToJsonString();
                using var response = await _admin.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                answered[response.StatusCode] = answered.GetValueOrDefault(response.StatusCode) + 1;
                var problem = Check(response, text, cursors, body);
                if (response.StatusCode == HttpStatusCode.BadRequest && JsonNode.Parse(text)?["detail"]?.GetValue<string>() is { } detail)
                {
                    var reason = $"{search.Path}: {detail[..Math.Min(detail.Length, 90)]}";
                    refusals[reason] = refusals.GetValueOrDefault(reason) + 1;
                }
                if (problem is not null)
                {
                    failures.Add($"POST {path} {json}\n  → {(int)response.StatusCode}: {problem}\n  {Shorten(text)}");
                }
            }
        }
        TestContext.Out.WriteLine(string.Join(", ", answered.OrderBy(a => a.Key).Select(a => $"{(int)a.Key}: {a.Value}")));
        TestContext.Out.WriteLine(string.Join("\n", refusals.OrderByDescending(r => r.Value).Take(60).Select(r => $"  {r.Value} × {r.Key}")));
        failures.ShouldBeEmpty($"seed {seed}:\n{string.Join("\n", failures.Take(20))}");
        answered.GetValueOrDefault(HttpStatusCode.OK).ShouldBeGreaterThan(SearchRequestGenerator.Searches.Count * RequestsPerSearch / 5,
            "most random requests are valid ones; if nearly all are refused the generator (or the host) is wrong");
    }

    [Test]
    public async Task Every_filter_and_sort_field_the_spec_lists_is_accepted()
    {
        var gaps = new List<string>();
        foreach (var search in SearchRequestGenerator.Searches)
        {
            var path = search.Path.Replace("{userTask}", _scenario.UserTaskKey, StringComparison.Ordinal)
                .Replace("{instance}", _scenario.ChildKey, StringComparison.Ordinal);
            var requests = search.Fields.Select(f => (What: $"filter.{f.Name}", Body: new JsonObject { ["filter"] = new JsonObject { [f.Name] = ValidValue(f.Name, f.Kind) } }))
                .Concat(search.SortFields.Select(f => (What: $"sort {f}", Body: new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["field"] = f, ["order"] = "DESC" }) })));
            foreach (var (what, body) in requests)
            {
                using var response = await _admin.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    gaps.Add($"{search.Path} {what}: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
        }
        // Known gaps, named in the README (issue 20): none left since instance tags. The list must match exactly, so a
        // field the host stops accepting fails here, and a gap closed later removes its line.
        string[] known = [];
        TestContext.Out.WriteLine($"Known gaps, not yet built: {(known.Length == 0 ? "none" : string.Join("; ", known))}");
        gaps.Select(g => g[..g.IndexOf(':', StringComparison.Ordinal)]).ShouldBe(known, string.Join("\n", gaps));
    }

    private JsonNode? ValidValue(string name, string kind) => kind.Replace("+ops", "", StringComparison.Ordinal) switch
    {
        "key" => JsonValue.Create(_scenario.ChildKey),
        "text" when name == "tenantId" => JsonValue.Create("<default>"),
        "text" => JsonValue.Create("a"),
        "date" => JsonValue.Create("2026-12-07T10:00:00Z"),
        "int" => JsonValue.Create(1),
        "bool" => JsonValue.Create(true),
        "vars" => new JsonArray(new JsonObject { ["name"] = "orderId", ["value"] = "\"O-prop\"" }),
        "tags" => new JsonArray(JsonValue.Create("vip")),
        "or" => new JsonArray(new JsonObject { ["state"] = "ACTIVE" }),
        var k when k.StartsWith("enum:", StringComparison.Ordinal) => JsonValue.Create(k[5..].Split('|')[0]),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>
    /// Why an answer is wrong, or null: a 200 is a search result, a 400 a problem naming the cause, a 404 only for a
    /// tenant filter naming a tenant that does not exist (the tenants' rule, README "Tenants"); nothing else.
    /// </summary>
    private static string? Check(HttpResponseMessage response, string text, List<string> cursors, JsonObject body)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var result = JsonNode.Parse(text)!.AsObject();
            if (result["items"] is not JsonArray || result["page"] is not JsonObject page || page["totalItems"] is null)
            {
                return "a 200 without items and page.totalItems";
            }
            foreach (var cursor in new[] { page["startCursor"], page["endCursor"] })
            {
                if (cursor?.GetValue<string>() is { Length: > 0 } c && cursors.Count < 50)
                {
                    cursors.Add(c);
                }
            }
            return null;
        }
        if (response.StatusCode == HttpStatusCode.NotFound && text.Contains("\"detail\":\"filter.", StringComparison.Ordinal)
            && text.Contains("tenant", StringComparison.Ordinal) && body.ToJsonString().Contains("tenantId", StringComparison.Ordinal))
        {
            return null;
        }
        if (response.StatusCode != HttpStatusCode.BadRequest)
        {
            return "neither a search result nor a 400";
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "a 400 that is not problem+json";
        }
        var detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>();
        return string.IsNullOrWhiteSpace(detail) ? "a 400 without a detail saying what is wrong" : null;
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
