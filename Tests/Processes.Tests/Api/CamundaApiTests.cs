using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Api;

/// <summary>The Camunda 8 v2 core through HTTP, as Camunda's SDKs and job workers call it, on real PostgreSQL.</summary>
public sealed class CamundaApiTests : DatabaseTest
{
    private const string Model = """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="api-demand" name="API demand" isExecutable="true">
            <bpmn:startEvent id="start" />
            <bpmn:serviceTask id="classify"><bpmn:extensionElements><zeebe:taskDefinition type="api-classify" /></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:userTask id="handle" name="Handle demand">
              <bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="=[team]" /></bpmn:extensionElements>
            </bpmn:userTask>
            <bpmn:endEvent id="end" />
            <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="classify" />
            <bpmn:sequenceFlow id="f2" sourceRef="classify" targetRef="handle" />
            <bpmn:sequenceFlow id="f3" sourceRef="handle" targetRef="end" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private readonly LogCapture _logs = new();
    private IdentityHost _host = null!;
    private HttpClient _designer = null!;
    private HttpClient _worker = null!;
    private TestUser _agent = null!;
    private TestUser _otherAgent = null!;

    [OneTimeSetUp]
    public async Task CreateUsers()
    {
        _host = IdentityHost.Start(ConnectionString, logs: _logs);
        var admin = await _host.AdminAsync();
        await IdentityHost.PostAsync(admin, "/api/groups", new { name = "after-sales", displayName = "After-sales" });
        _designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);
        var worker = await _host.CreateUserAsync(roles: [Roles.Operator]);
        _worker = _host.Basic(worker.UserName, worker.ApiKey);
        _agent = await _host.CreateUserAsync(roles: [Roles.Agent], groups: ["after-sales"]);
        _otherAgent = await _host.CreateUserAsync(roles: [Roles.Agent], groups: ["after-sales"]);
    }

    /// <summary>A failing API test shows the host's errors (a 500's exception) in its output.</summary>
    [TearDown]
    public void ShowHostErrors() => _logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _designer.Dispose();
        _worker.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public async Task Deploy_start_work_the_job_claim_and_complete_the_task_and_see_the_instance_end()
    {
        var deployed = await IdentityHost.DeployAsync(_designer, "demand.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        var deployment = await deployed.Content.ReadFromJsonAsync<JsonElement>();
        var definition = deployment.GetProperty("deployments")[0].GetProperty("processDefinition");
        definition.GetProperty("processDefinitionId").GetString().ShouldBe("api-demand");
        definition.GetProperty("processDefinitionVersion").GetInt32().ShouldBe(1);
        definition.GetProperty("processDefinitionKey").ValueKind.ShouldBe(JsonValueKind.String, "Camunda sends int64 keys as strings");

        var agent = _host.Bearer(_agent.ApiKey);
        var started = await IdentityHost.PostAsync(agent, "/v2/process-instances",
            new { processDefinitionId = "api-demand", variables = new { team = "after-sales", orderId = "O-1" }, businessKey = "D-1" });
        var instanceKey = started.GetProperty("processInstanceKey").GetString()!;
        // Field by field, Camunda 8's CreateDeploymentResponse and CreateProcessInstanceResult.
        string[] deploymentFields = ["deploymentKey", "tenantId", "deployments"];
        deploymentFields.Except(deployment.EnumerateObject().Select(p => p.Name)).ShouldBeEmpty();
        string[] creationFields = ["processDefinitionId", "processDefinitionVersion", "tenantId", "variables", "processDefinitionKey", "processInstanceKey", "tags"];
        creationFields.Except(started.EnumerateObject().Select(p => p.Name)).ShouldBeEmpty();

        var activation = await IdentityHost.PostAsync(_worker, "/v2/jobs/activation",
            new { type = "api-classify", worker = "w1", timeout = 60_000, maxJobsToActivate = 5, requestTimeout = 2_000 });
        var job = activation.GetProperty("jobs").EnumerateArray().ShouldHaveSingleItem();
        // Field by field, the ActivatedJobResult of Camunda 8.8's REST API (what its SDKs deserialize).
        string[] camundaFields = [
            "type", "processDefinitionId", "processDefinitionVersion", "elementId", "customHeaders", "worker", "retries", "deadline",
            "variables", "tenantId", "jobKey", "processInstanceKey", "processDefinitionKey", "elementInstanceKey", "kind", "listenerEventType", "tags"];
        camundaFields.Except(job.EnumerateObject().Select(p => p.Name)).ShouldBeEmpty();
        job.GetProperty("deadline").ValueKind.ShouldBe(JsonValueKind.Number, "deadline is a UNIX epoch timestamp in ms");
        job.GetProperty("variables").GetProperty("orderId").GetString().ShouldBe("O-1");
        job.GetProperty("processInstanceKey").GetString().ShouldBe(instanceKey);
        var completed = await _worker.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { variables = new { category = "refund" } });
        completed.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var inbox = await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { candidateGroup = "after-sales", processInstanceKey = instanceKey } });
        var task = inbox.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        var taskKey = task.GetProperty("userTaskKey").GetString()!;
        task.TryGetProperty("assignee", out _).ShouldBeFalse("an unassigned task has no assignee field (8.8 omits unset optional fields)");

        var other = _host.Bearer(_otherAgent.ApiKey);
        (await other.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { })).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden, "only the assignee may complete a task");
        (await agent.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = _agent.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await other.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = _otherAgent.UserName })).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden, "another agent may not take a task from its assignee");
        (await other.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { variables = new { resolution = "refunded" } })).StatusCode
            .ShouldBe(HttpStatusCode.NoContent);

        var instance = await agent.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instanceKey}");
        instance.GetProperty("state").GetString().ShouldBe("COMPLETED");
        instance.GetProperty("businessKey").GetString().ShouldBe("D-1");
        var search = await IdentityHost.PostAsync(agent, "/v2/process-instances/search", new { filter = new { processDefinitionId = "api-demand", state = "COMPLETED" } });
        search.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(1);

        var allStates = await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instanceKey } });
        allStates.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("state").GetString()
            .ShouldBe("COMPLETED", "without a state filter a search covers every state, as in Camunda 8.8");
        var open = await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instanceKey, state = "CREATED" } });
        open.GetProperty("page").GetProperty("totalItems").GetInt64().ShouldBe(0);
    }

    [Test]
    public async Task A_stale_task_version_in_if_match_is_refused()
    {
        await IdentityHost.DeployAsync(_designer, "demand.bpmn", Model);
        var agent = _host.Bearer(_agent.ApiKey);
        await IdentityHost.PostAsync(agent, "/v2/process-instances", new { processDefinitionId = "api-demand", variables = new { team = "after-sales" } });
        var jobs = await IdentityHost.PostAsync(_worker, "/v2/jobs/activation", new { type = "api-classify", maxJobsToActivate = 10, requestTimeout = 2_000 });
        foreach (var job in jobs.GetProperty("jobs").EnumerateArray())
        {
            await _worker.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { });
        }
        var task = (await IdentityHost.PostAsync(agent, "/v2/user-tasks/search", new { filter = new { candidateGroup = "after-sales", state = "CREATED" } }))
            .GetProperty("items").EnumerateArray().First();
        var key = task.GetProperty("userTaskKey").GetString();
        var version = task.GetProperty("version").GetInt32();
        (await agent.PostAsJsonAsync($"/v2/user-tasks/{key}/assignment", new { assignee = _agent.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/v2/user-tasks/{key}/completion") { Content = JsonContent.Create(new { }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        var response = await agent.SendAsync(stale);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task An_invalid_model_is_rejected_with_the_element_named()
    {
        var response = await IdentityHost.DeployAsync(_designer, "broken.bpmn", Model.Replace("targetRef=\"handle\"", "targetRef=\"nowhere\"", StringComparison.Ordinal));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("detail").GetString()!.ShouldContain("nowhere");
    }

    [Test]
    public async Task Messages_correlate_and_unknown_keys_answer_problem_json()
    {
        var agent = _host.Bearer(_agent.ApiKey);
        var published = await IdentityHost.PostAsync(agent, "/v2/messages/publication", new { name = "nobody-waits", correlationKey = "k", timeToLive = 60_000 });
        published.GetProperty("messageKey").GetString().ShouldNotBeNullOrEmpty();
        var correlate = await agent.PostAsJsonAsync("/v2/messages/correlation", new { name = "nobody-waits", correlationKey = "k" });
        correlate.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await agent.GetAsync(new Uri("/v2/process-instances/123", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await agent.GetAsync(new Uri("/v2/process-instances/abc", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var noType = await _worker.PostAsJsonAsync("/v2/jobs/activation", new { maxJobsToActivate = 1 });
        noType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noType.Content.ReadAsStringAsync()).ShouldContain("type");
    }
}
