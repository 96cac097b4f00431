using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>
/// POST /v2/resources/{key}/deletion over HTTP: admins only, 200 without a body, 409 naming the running instances,
/// 400/404 problems naming what is wrong; afterwards the API no longer knows the version and the previous one is latest.
/// </summary>
public sealed class ResourceDeletionApiTests : DatabaseTest
{
    private static string Model(string id, string name, bool waits = false) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="{id}" name="{name}" isExecutable="true">
            <bpmn:startEvent id="start" />
            {(waits ? "<bpmn:serviceTask id=\"work\"><bpmn:extensionElements><zeebe:taskDefinition type=\"rd-api-work\" /></bpmn:extensionElements></bpmn:serviceTask>" : "")}
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{(waits ? "work" : "end")}" />
            {(waits ? "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"work\" targetRef=\"end\" />" : "")}
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;
    private HttpClient _designer = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        _admin = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Admin, Roles.Designer, Roles.Agent])).ApiKey);
        _designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
    }

    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _admin.Dispose();
        _designer.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<string> DeployAsync(string id, string name, bool waits = false)
    {
        var deployed = await IdentityHost.DeployAsync(_admin, $"{id}.bpmn", Model(id, name, waits));
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        var body = await deployed.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("deployments")[0].GetProperty("processDefinition").GetProperty("processDefinitionKey").GetString()!;
    }

    private Task<HttpResponseMessage> DeleteAsync(HttpClient client, string key, string body = "{}") =>
        client.PostAsync($"/v2/resources/{key}/deletion", new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<List<JsonElement>> LatestAsync(string id)
    {
        var response = await _admin.PostAsJsonAsync("/v2/process-definitions/search", new { filter = new { processDefinitionId = id, isLatestVersion = true } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    [Test]
    public async Task An_admin_deletes_the_latest_version_and_the_previous_one_is_latest_again_while_other_processes_stay()
    {
        var v1 = await DeployAsync("rd-api", "one");
        var v2 = await DeployAsync("rd-api", "two");
        var other = await DeployAsync("rd-api-other", "other");

        (await DeleteAsync(_designer, v2)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var deleted = await DeleteAsync(_admin, v2, """{"operationReference": 7}""");

        deleted.StatusCode.ShouldBe(HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
        (await deleted.Content.ReadAsStringAsync()).ShouldBeEmpty();
        (await _admin.GetAsync($"/v2/resources/{v2}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.GetAsync($"/v2/process-definitions/{v2}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await LatestAsync("rd-api")).ShouldHaveSingleItem().GetProperty("processDefinitionKey").GetString().ShouldBe(v1);
        (await _admin.GetAsync($"/v2/resources/{other}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var started = await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "rd-api" });
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processDefinitionKey").GetString().ShouldBe(v1);
        var byKey = await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionKey = v2 });
        byKey.StatusCode.ShouldBe(HttpStatusCode.NotFound, await byKey.Content.ReadAsStringAsync());
        (await DeleteAsync(_admin, v2)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var versions = await _admin.GetFromJsonAsync<JsonElement>("/api/versions?processDefinitionId=rd-api");
        var listed = versions.EnumerateArray().ShouldHaveSingleItem().GetProperty("versions").EnumerateArray().ToList();
        listed.ShouldHaveSingleItem().GetProperty("processDefinitionKey").GetString().ShouldBe(v1, "the versions page lists no deleted version");
        listed[0].GetProperty("isLatest").GetBoolean().ShouldBeTrue();
    }

    [Test]
    public async Task A_version_with_running_instances_is_a_409_naming_how_many()
    {
        var key = await DeployAsync("rd-api-run", "running", waits: true);
        (await _admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "rd-api-run" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var refused = await DeleteAsync(_admin, key);

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("INVALID_STATE");
        problem.GetProperty("detail").GetString()!.ShouldContain("1 running instance");
        (await _admin.GetAsync($"/v2/resources/{key}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_second_host_forgets_the_deleted_version_it_had_parsed_and_starts_the_previous_one()
    {
        await using var second = IdentityHost.Start(ConnectionString, logs: _logs);
        using var onSecond = second.Bearer((await second.CreateUserAsync(roles: [Roles.Agent])).ApiKey);
        var v1 = await DeployAsync("rd-api-hosts", "one");
        var v2 = await DeployAsync("rd-api-hosts", "two");
        var cached = second.Service<Processes.Engine.Deployment.ProcessDefinitions>();
        // The listener's first (empty) notification clears the whole cache once it connects: start until the model stays.
        for (var attempt = 0; attempt < 20 && !cached.Holds(long.Parse(v2, System.Globalization.CultureInfo.InvariantCulture)); attempt++)
        {
            var started = await onSecond.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "rd-api-hosts" });
            (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processDefinitionKey").GetString().ShouldBe(v2);
            await Task.Delay(250);
        }
        cached.Holds(long.Parse(v2, System.Globalization.CultureInfo.InvariantCulture)).ShouldBeTrue("the second host parsed version 2 to start it");

        (await DeleteAsync(_admin, v2)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cached.Holds(long.Parse(v2, System.Globalization.CultureInfo.InvariantCulture)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        cached.Holds(long.Parse(v2, System.Globalization.CultureInfo.InvariantCulture)).ShouldBeFalse("the notification reached the second host");
        var again = await onSecond.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "rd-api-hosts" });
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processDefinitionKey").GetString().ShouldBe(v1);
    }

    [TestCase("abc", "{}", HttpStatusCode.BadRequest, "resourceKey")]
    [TestCase("999999", "{}", HttpStatusCode.NotFound, "999999")]
    [TestCase("999999", """{"operationReference": 0}""", HttpStatusCode.BadRequest, "operationReference")]
    [TestCase("999999", """{"operationReference": "x"}""", HttpStatusCode.BadRequest, "operationReference")]
    public async Task Bad_input_is_a_problem_naming_it(string key, string body, HttpStatusCode status, string named)
    {
        var response = await DeleteAsync(_admin, key, body);

        response.StatusCode.ShouldBe(status);
        (await response.Content.ReadAsStringAsync()).ShouldContain(named);
    }
}
