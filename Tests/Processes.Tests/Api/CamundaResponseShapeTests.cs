using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// Camunda 8.8's response conventions over every v2 endpoint, on a scenario made through the API: no property is ever
/// null (8.8's client schemas declare optional fields absent, not nullable), keys are int64 strings, cursors are
/// base64, and every error is Camunda's problem detail (type, title, status, detail, instance).
/// </summary>
public sealed partial class CamundaResponseShapeTests : DatabaseTest
{
    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private CamundaScenario _scenario = null!;

    [OneTimeSetUp]
    public async Task CreateScenario()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs, settings: new Dictionary<string, string> { ["Processes:Clock:Controllable"] = "true" });
        _admin = await _host.AdminAsync();
        _scenario = await CamundaScenario.CreateAsync(_admin, "O-shape");
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private IEnumerable<(string Method, string Path, string? Body)> Reads()
    {
        var s = _scenario;
        yield return ("GET", "/v2/topology", null);
        yield return ("GET", "/v2/license", null);
        yield return ("POST", "/v2/process-definitions/search", "{}");
        yield return ("GET", $"/v2/process-definitions/{s.ProcessDefinitionKey}", null);
        yield return ("POST", $"/v2/process-definitions/{s.ProcessDefinitionKey}/statistics/element-instances", "{}");
        yield return ("POST", "/v2/process-instances/search", "{}");
        yield return ("GET", $"/v2/process-instances/{s.ParentKey}", null);
        yield return ("GET", $"/v2/process-instances/{s.ChildKey}", null);
        yield return ("GET", $"/v2/process-instances/{s.ChildKey}/call-hierarchy", null);
        yield return ("GET", $"/v2/process-instances/{s.ChildKey}/sequence-flows", null);
        yield return ("GET", $"/v2/process-instances/{s.ChildKey}/statistics/element-instances", null);
        yield return ("POST", $"/v2/process-instances/{s.ChildKey}/incidents/search", "{}");
        yield return ("POST", "/v2/element-instances/search", "{}");
        yield return ("POST", "/v2/variables/search", "{}");
        yield return ("POST", "/v2/jobs/search", "{}");
        yield return ("POST", "/v2/message-subscriptions/search", "{}");
        yield return ("POST", "/v2/incidents/search", "{}");
        yield return ("GET", $"/v2/incidents/{s.IncidentKey}", null);
        yield return ("POST", "/v2/user-tasks/search", "{}");
        yield return ("GET", $"/v2/user-tasks/{s.UserTaskKey}", null);
        yield return ("POST", $"/v2/user-tasks/{s.UserTaskKey}/variables/search", "{}");
        yield return ("POST", "/v2/decision-definitions/search", "{}");
        yield return ("GET", $"/v2/decision-definitions/{s.DecisionKey}", null);
        yield return ("POST", "/v2/decision-definitions/evaluation", $$$"""{"decisionDefinitionKey":"{{{s.DecisionKey}}}","variables":{"amount":5}}""");
        yield return ("POST", "/v2/decision-requirements/search", "{}");
        yield return ("GET", $"/v2/decision-requirements/{s.RequirementsKey}", null);
        yield return ("POST", "/v2/process-instances", """{"processDefinitionId":"conformance-child","variables":{"orderId":"O-other"}}""");
        yield return ("POST", "/v2/messages/publication", """{"name":"nobody-waits","correlationKey":"x"}""");
        yield return ("POST", "/v2/signals/broadcast", """{"signalName":"nobody-listens"}""");
    }

    [Test]
    public async Task No_v2_answer_holds_a_null_property()
    {
        var nulls = new List<string>();
        foreach (var (method, path, body) in Reads())
        {
            var json = await SendAsync(method, path, body);
            Walk(json, $"{method} {path} $", nulls);
        }
        // Element instances and variables get their own look by key (the keys come from the searches).
        var element = (await SendAsync("POST", "/v2/element-instances/search", """{"filter":{"elementId":"work"}}""")).GetProperty("items")[0];
        Walk(await SendAsync("GET", $"/v2/element-instances/{element.GetProperty("elementInstanceKey").GetString()}", null), "GET element instance $", nulls);
        var variable = (await SendAsync("POST", "/v2/variables/search", $$$"""{"filter":{"name":"orderId","processInstanceKey":"{{{_scenario.ChildKey}}}"}}""")).GetProperty("items")[0];
        Walk(await SendAsync("GET", $"/v2/variables/{variable.GetProperty("variableKey").GetString()}", null), "GET variable $", nulls);
        nulls.ShouldBeEmpty();
    }

    [Test]
    public async Task Keys_are_int64_strings_and_cursors_base64_everywhere()
    {
        var problems = new List<string>();
        foreach (var (method, path, body) in Reads())
        {
            CheckKeysAndCursors(await SendAsync(method, path, body), $"{method} {path} $", problems);
        }
        problems.ShouldBeEmpty();
    }

    [Test]
    public async Task Errors_are_camundas_problem_details()
    {
        var designerOnly = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        await ProblemAsync(_host.Anonymous(), HttpMethod.Get, "/v2/topology", null, 401, "UNAUTHORIZED");
        await ProblemAsync(designerOnly, HttpMethod.Post, "/v2/incidents/search", "{}", 403, "FORBIDDEN");
        await ProblemAsync(_admin, HttpMethod.Get, "/v2/process-instances/999999", null, 404, "NOT_FOUND");
        await ProblemAsync(_admin, HttpMethod.Get, "/v2/element-instances/999999", null, 404, "NOT_FOUND");
        await ProblemAsync(_admin, HttpMethod.Get, "/v2/variables/999999", null, 404, "NOT_FOUND");
        await ProblemAsync(_admin, HttpMethod.Post, "/v2/element-instances/search", """{"filter":{"colour":"red"}}""", 400, "INVALID_ARGUMENT", "filter.colour");
        await ProblemAsync(_admin, HttpMethod.Post, "/v2/jobs/search", """{"filter":{"retries":{"$like":"x"}}}""", 400, "INVALID_ARGUMENT", "filter.retries");
        await ProblemAsync(_admin, HttpMethod.Post, "/v2/variables/search", """{"filter": {"name": """, 400, "INVALID_ARGUMENT");
        await ProblemAsync(_admin, HttpMethod.Post, "/v2/variables/search", """{"page":{"after":"not a cursor"}}""", 400, "INVALID_ARGUMENT", "page.after");
        // The job failed into an incident: completing it is refused for its state.
        await ProblemAsync(_admin, HttpMethod.Post, $"/v2/jobs/{_scenario.JobKey}/completion", "{}", 409, "INVALID_STATE");
    }

    [Test]
    public async Task A_pinned_clock_is_the_engines_time_until_reset()
    {
        var pinned = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        (await _admin.PutAsJsonAsync("/v2/clock", new { timestamp = pinned.ToUnixTimeMilliseconds() })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        try
        {
            var started = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "conformance-child", variables = new { orderId = "O-clock" } });
            var instance = await SendAsync("GET", $"/v2/process-instances/{started.GetProperty("processInstanceKey").GetString()}", null);
            instance.GetProperty("startDate").GetString().ShouldBe("2030-01-02T03:04:05.000Z");
        }
        finally
        {
            (await _admin.PostAsync("/v2/clock/reset", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        var after = await IdentityHost.PostAsync(_admin, "/v2/process-instances", new { processDefinitionId = "conformance-child", variables = new { orderId = "O-clock2" } });
        var again = await SendAsync("GET", $"/v2/process-instances/{after.GetProperty("processInstanceKey").GetString()}", null);
        DateTimeOffset.Parse(again.GetProperty("startDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture).Year.ShouldBeLessThan(2030);
        (await _admin.PutAsJsonAsync("/v2/clock", new { })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Status_answers_204_while_the_database_is_ready()
    {
        var response = await _admin.GetAsync(new Uri("/v2/status", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Test]
    public async Task A_failed_job_gets_retries_then_its_incident_resolved_as_in_camunda()
    {
        // A scenario of its own: the fixture's job stays failed for the other tests.
        var three = await CamundaScenario.CreateAsync(_admin, "O-three");
        var noLease = await _admin.PatchAsJsonAsync($"/v2/jobs/{three.JobKey}", new { changeset = new { timeout = 60000 } });
        noLease.StatusCode.ShouldBe(HttpStatusCode.Conflict, await noLease.Content.ReadAsStringAsync());
        var retried = await _admin.PatchAsJsonAsync($"/v2/jobs/{three.JobKey}", new { changeset = new { retries = 3 } });
        retried.StatusCode.ShouldBe(HttpStatusCode.NoContent, await retried.Content.ReadAsStringAsync());
        List<JsonElement> still = [.. (await IdentityHost.PostAsync(_admin, "/v2/jobs/search", new { filter = new { jobKey = three.JobKey } })).GetProperty("items").EnumerateArray()];
        still.ShouldHaveSingleItem().GetProperty("retries").GetInt32().ShouldBe(3);
        still[0].GetProperty("state").GetString().ShouldBe("FAILED", "the incident stays open until it is resolved");
        (await _admin.PostAsync(new Uri($"/v2/incidents/{three.IncidentKey}/resolution", UriKind.Relative), null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var activated = await IdentityHost.PostAsync(_admin, "/v2/jobs/activation", new { type = "conformance-work", worker = "again", timeout = 60000, maxJobsToActivate = 100 });
        var job = activated.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("jobKey").GetString() == three.JobKey);
        job.GetProperty("retries").GetInt32().ShouldBe(3);
        var extended = await _admin.PatchAsJsonAsync($"/v2/jobs/{three.JobKey}", new { changeset = new { timeout = 120000 } });
        extended.StatusCode.ShouldBe(HttpStatusCode.NoContent, await extended.Content.ReadAsStringAsync());
        (await _admin.PatchAsJsonAsync("/v2/jobs/999999", new { changeset = new { retries = 1 } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.PatchAsJsonAsync($"/v2/jobs/{three.JobKey}", new { changeset = new { retries = 0 } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private async Task<JsonElement> SendAsync(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = CamundaScenario.Json(body);
        }
        using var response = await _admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task ProblemAsync(HttpClient client, HttpMethod method, string path, string? body, int status, string title, string? naming = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = CamundaScenario.Json(body);
        }
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, $"{method} {path}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{method} {path}");
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("about:blank", text);
        problem.GetProperty("title").GetString().ShouldBe(title, text);
        problem.GetProperty("status").GetInt32().ShouldBe(status, text);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace(text);
        problem.GetProperty("instance").GetString().ShouldBe(path, text);
        problem.TryGetProperty("traceId", out _).ShouldBeFalse(text);
        if (naming is not null)
        {
            problem.GetProperty("detail").GetString()!.ShouldContain(naming);
        }
    }

    /// <summary>Every null-valued property, by its JSON path.</summary>
    private static void Walk(JsonElement element, string path, List<string> nulls)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        nulls.Add($"{path}.{property.Name}");
                    }
                    Walk(property.Value, $"{path}.{property.Name}", nulls);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", nulls);
                }
                break;
        }
    }

    private static void CheckKeysAndCursors(JsonElement element, string path, List<string> problems)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var at = $"{path}.{property.Name}";
                var isKey = property.Name.EndsWith("Key", StringComparison.Ordinal) && property.Name is not ("correlationKey" or "businessKey");
                if (isKey && (property.Value.ValueKind != JsonValueKind.String || !Int64Pattern().IsMatch(property.Value.GetString()!)))
                {
                    problems.Add($"{at} = {property.Value.GetRawText()} is not an int64 string");
                }
                if (property.Name is "startCursor" or "endCursor" && !CursorPattern().IsMatch(property.Value.GetString() ?? ""))
                {
                    problems.Add($"{at} = {property.Value.GetRawText()} is not a base64 cursor of 2 to 300 characters");
                }
                if (property.Name is not ("variables" or "customHeaders"))
                {
                    CheckKeysAndCursors(property.Value, at, problems);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                CheckKeysAndCursors(item, $"{path}[{i++}]", problems);
            }
        }
    }

    [GeneratedRegex("^-?[0-9]{1,25}$")]
    private static partial Regex Int64Pattern();

    // Camunda 8.8's StartCursor / EndCursor pattern, with its length bounds.
    [GeneratedRegex("^(?=.{2,300}$)(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=)?$")]
    private static partial Regex CursorPattern();
}
