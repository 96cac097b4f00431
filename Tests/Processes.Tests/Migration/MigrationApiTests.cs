using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Migration;

/// <summary>
/// The definition lifecycle API: versions with instance counts, a dry run naming problems, a batch migration, and
/// Camunda's per-instance migration (204, or 400 naming each element) — all for admins only.
/// </summary>
public sealed class MigrationApiTests : DatabaseTest
{
    private static string Model(string body) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
          <bpmn:process id="api-mig" isExecutable="true">
            <bpmn:startEvent id="start" />
            {body}
          </bpmn:process>
        </bpmn:definitions>
        """;

    private static readonly string Version1 = Model("""
        <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="api-mig-work" /></bpmn:extensionElements></bpmn:serviceTask>
        <bpmn:endEvent id="end" />
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
        """);

    private static readonly string Version2 = Model("""
        <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="api-mig-work" /></bpmn:extensionElements></bpmn:serviceTask>
        <bpmn:serviceTask id="check"><bpmn:extensionElements><zeebe:taskDefinition type="api-mig-check" /></bpmn:extensionElements></bpmn:serviceTask>
        <bpmn:endEvent id="end" />
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="check" />
        <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />
        """);

    private static readonly string Version3 = Model("""
        <bpmn:userTask id="work"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
        <bpmn:endEvent id="end" />
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
        """);

    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString);

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task An_admin_sees_versions_with_counts_checks_a_plan_and_migrates_instances_that_then_complete_on_the_new_version()
    {
        var adminUser = await _host.CreateUserAsync(roles: [Roles.Admin]);
        var admin = _host.Bearer(adminUser.ApiKey);
        (await IdentityHost.DeployAsync(admin, "api-mig.bpmn", Version1)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var instances = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            instances.Add((await IdentityHost.PostAsync(admin, "/v2/process-instances", new { processDefinitionId = "api-mig" })).GetProperty("processInstanceKey").GetString()!);
        }
        (await IdentityHost.DeployAsync(admin, "api-mig.bpmn", Version2)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await IdentityHost.DeployAsync(admin, "api-mig.bpmn", Version3)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var versions = (await admin.GetFromJsonAsync<JsonElement>("/api/versions?processDefinitionId=api-mig")).EnumerateArray().ShouldHaveSingleItem()
            .GetProperty("versions").EnumerateArray().ToList();
        versions.Select(v => v.GetProperty("version").GetInt32()).ShouldBe([3, 2, 1]);
        versions[2].GetProperty("running").GetInt64().ShouldBe(3);
        versions[0].GetProperty("isLatest").GetBoolean().ShouldBeTrue();
        var v1 = versions[2].GetProperty("processDefinitionKey").GetString();
        var v2 = versions[1].GetProperty("processDefinitionKey").GetString();
        var v3 = versions[0].GetProperty("processDefinitionKey").GetString();

        // Version 3 turned the service task into a user task: refused, naming the element, with nothing moved.
        var refused = await admin.PostAsJsonAsync($"/v2/process-instances/{instances[0]}/migration", new { targetProcessDefinitionKey = v3, mappingInstructions = Array.Empty<object>() });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("detail").GetString()!.ShouldContain("'work'");
        problem.GetProperty("problems")[0].GetProperty("elementId").GetString().ShouldBe("work");
        var dry = await IdentityHost.PostAsync(admin, "/api/migrations",
            new { sourceProcessDefinitionKey = v1, migrationPlan = new { targetProcessDefinitionKey = v3 }, dryRun = true });
        dry.GetProperty("items").GetArrayLength().ShouldBe(3);
        dry.GetProperty("refused").GetInt32().ShouldBe(3);
        (await admin.PostAsJsonAsync("/api/migrations", new { processInstanceKeys = new[] { "x" }, migrationPlan = new { targetProcessDefinitionKey = v2 } }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // One by Camunda's endpoint, the other two as a batch of the version's active instances.
        (await admin.PostAsJsonAsync($"/v2/process-instances/{instances[0]}/migration",
            new { targetProcessDefinitionKey = v2, mappingInstructions = new[] { new { sourceElementId = "work", targetElementId = "work" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var batch = await IdentityHost.PostAsync(admin, "/api/migrations", new { sourceProcessDefinitionKey = v1, migrationPlan = new { targetProcessDefinitionKey = v2 } });
        batch.GetProperty("migrated").GetInt32().ShouldBe(2);

        var counts = (await admin.GetFromJsonAsync<JsonElement>("/api/versions?processDefinitionId=api-mig"))[0].GetProperty("versions");
        counts[2].GetProperty("running").GetInt64().ShouldBe(0);
        counts[1].GetProperty("running").GetInt64().ShouldBe(3);
        foreach (var type in new[] { "api-mig-work", "api-mig-check" })
        {
            var jobs = (await IdentityHost.PostAsync(admin, "/v2/jobs/activation", new { type, maxJobsToActivate = 10, requestTimeout = 2_000 })).GetProperty("jobs");
            jobs.GetArrayLength().ShouldBe(3);
            foreach (var job in jobs.EnumerateArray())
            {
                (await admin.PostAsJsonAsync($"/v2/jobs/{job.GetProperty("jobKey").GetString()}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            }
        }
        foreach (var instance in instances)
        {
            var state = await admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instance}");
            state.GetProperty("state").GetString().ShouldBe("COMPLETED");
            state.GetProperty("processDefinitionVersion").GetInt32().ShouldBe(2);
        }
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=instance.migrated&actor={adminUser.UserName}");
        audit.GetProperty("items").GetArrayLength().ShouldBe(3);
    }

    [Test]
    public async Task Only_admins_migrate_or_list_versions()
    {
        var operatorClient = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Operator, Roles.Designer])).ApiKey);
        (await operatorClient.GetAsync(new Uri("/api/versions", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await operatorClient.PostAsJsonAsync("/v2/process-instances/1/migration", new { targetProcessDefinitionKey = "1" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await operatorClient.PostAsJsonAsync("/api/migrations", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
