using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// Programs acting on tasks (issue 20): an API key with the <c>integration</c> role (or an admin's) completes and
/// reassigns a task someone else holds, as a Camunda client with user-task permissions may; people keep
/// single-direction assignment; the history and the audit log name who acted and for whom.
/// </summary>
public sealed class IntegrationRoleTests : AdminHostTest
{
    private const string ProcessId = "integration-desk";

    [OneTimeSetUp]
    public async Task DeployTheDesk()
    {
        await IdentityHost.EnsureGroupAsync(Admin, "integration-desk", "Integration desk");
        (await IdentityHost.DeployAsync(Admin, "integration-desk.bpmn", TaskModels.DeskTask(ProcessId, "answer", "Answer the customer", "integration-desk")))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task An_integration_completes_a_task_its_assignee_holds_and_the_history_names_both()
    {
        var agent = await Server.CreateUserAsync(roles: ["agent"], groups: ["integration-desk"]);
        var colleague = await Server.CreateUserAsync(roles: ["agent"], groups: ["integration-desk"]);
        var program = await Server.CreateUserAsync(roles: ["integration"]);
        var (instanceKey, taskKey) = await StartAndFindTaskAsync(Server.Bearer(program.ApiKey));
        var agentClient = Server.Bearer(agent.ApiKey);
        (await agentClient.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = agent.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // People: single direction, as before.
        var colleagueClient = Server.Bearer(colleague.ApiKey);
        (await colleagueClient.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await colleagueClient.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = colleague.UserName })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // The program: reassigns and completes for the assignee.
        var programClient = Server.Bearer(program.ApiKey);
        (await programClient.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/assignment", new { assignee = colleague.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await programClient.PostAsJsonAsync($"/v2/user-tasks/{taskKey}/completion", new { variables = new { answer = "sent" } })).StatusCode
            .ShouldBe(HttpStatusCode.NoContent);
        (await programClient.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{instanceKey}")).GetProperty("state").GetString().ShouldBe("COMPLETED");

        await using var connection = await DataSource.OpenConnectionAsync();
        var completed = await connection.QuerySingleAsync<string>(
            "SELECT details::text FROM execution_history WHERE event = 'TASK_COMPLETED' AND (details->>'userTaskKey')::bigint = @key", new { key = long.Parse(taskKey) });
        var details = JsonDocument.Parse(completed).RootElement;
        details.GetProperty("by").GetString().ShouldBe(program.UserName);
        details.GetProperty("for").GetString().ShouldBe(colleague.UserName);
        var audit = await Admin.GetFromJsonAsync<JsonElement>("/api/audit?action=task.completed");
        audit.GetRawText().ShouldContain(program.UserName);
        audit.GetRawText().ShouldContain(colleague.UserName);
    }

    [Test]
    public async Task An_admin_completes_an_unassigned_task_and_an_assignees_own_completion_names_no_one_else()
    {
        var agent = await Server.CreateUserAsync(roles: ["agent"], groups: ["integration-desk"]);
        var (_, unassigned) = await StartAndFindTaskAsync(Admin);
        (await Admin.PostAsJsonAsync($"/v2/user-tasks/{unassigned}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var (_, own) = await StartAndFindTaskAsync(Admin);
        var agentClient = Server.Bearer(agent.ApiKey);
        (await agentClient.PostAsJsonAsync($"/v2/user-tasks/{own}/assignment", new { assignee = agent.UserName })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await agentClient.PostAsJsonAsync($"/v2/user-tasks/{own}/completion", new { })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(long Key, string Details)>(
            "SELECT (details->>'userTaskKey')::bigint, details::text FROM execution_history WHERE event = 'TASK_COMPLETED' AND (details->>'userTaskKey')::bigint = ANY(@keys)",
            new { keys = new[] { long.Parse(unassigned), long.Parse(own) } })).ToDictionary(r => r.Key, r => JsonDocument.Parse(r.Details).RootElement);
        rows[long.Parse(unassigned)].GetProperty("for").ValueKind.ShouldBe(JsonValueKind.Null, "completed for nobody: the task was unassigned");
        rows[long.Parse(own)].TryGetProperty("for", out _).ShouldBeFalse("the assignee acted for themselves");
    }

    [Test]
    public async Task The_integration_role_opens_neither_the_admin_nor_the_designer_api()
    {
        var program = await Server.CreateUserAsync(roles: ["integration"]);
        var client = Server.Bearer(program.ApiKey);
        (await client.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.PostAsJsonAsync("/v2/deployments", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private async Task<(string Instance, string Task)> StartAndFindTaskAsync(HttpClient client)
    {
        var instance = (await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = ProcessId }))
            .GetProperty("processInstanceKey").GetString()!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var found = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
            if (found.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } task)
            {
                return (instance, task.GetProperty("userTaskKey").GetString()!);
            }
            await Task.Delay(100);
        }
        throw new AssertionException($"No user task appeared for instance {instance}.");
    }
}
