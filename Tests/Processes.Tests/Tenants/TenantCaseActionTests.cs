using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Tenants;

/// <summary>
/// Case actions (<c>/api/instances/{key}/actions</c>, the engine's ActOnCaseAsync) in a tenant other than the default:
/// the tenant's agent sees the action and does it (the case goes on), while an agent of another tenant — and one of no
/// tenant — in the same candidate group, with the same roles, gets 404 for listing and for acting, and changes nothing.
/// </summary>
public sealed class TenantCaseActionTests : AdminHostTest
{
    [Test]
    public async Task An_agent_of_the_cases_tenant_acts_and_an_agent_of_another_tenant_gets_404()
    {
        await IdentityHost.PostAsync(Admin, "/api/tenants", new { id = "ca-west", name = "West" });
        await IdentityHost.PostAsync(Admin, "/api/tenants", new { id = "ca-east", name = "East" });
        await IdentityHost.EnsureGroupAsync(Admin, "ca-desk", "Case desk");
        var west = await Server.CreateUserAsync(userName: "ca-west-agent", roles: [Roles.Agent, Roles.Supervisor], groups: ["ca-desk"]);
        var east = await Server.CreateUserAsync(userName: "ca-east-agent", roles: [Roles.Agent, Roles.Supervisor], groups: ["ca-desk"]);
        var nobody = await Server.CreateUserAsync(userName: "ca-default-agent", roles: [Roles.Agent, Roles.Supervisor], groups: ["ca-desk"]);
        (await Admin.PutAsync($"/api/tenants/ca-west/users/{west.UserName}", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.PutAsync($"/api/tenants/ca-east/users/{east.UserName}", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var model = Process("ca-reply", Start() + UserTask("reply", $"""
            <zeebe:assignmentDefinition assignee="{west.UserName}" candidateGroups="ca-desk" />
            <zeebe:properties>
              <zeebe:property name="action.answer" value="Answer the customer" />
              <zeebe:property name="action.answer.set.answered" value="true" />
            </zeebe:properties>
            """) + End() + Flows("start->reply->end"));
        using (var deploy = new MultipartFormDataContent())
        {
            deploy.Add(new StringContent("ca-west"), "tenantId");
            deploy.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(model)), "resources", "ca-reply.bpmn");
            var deployed = await Admin.PostAsync("/v2/deployments", deploy);
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        }
        var started = await Admin.PostAsJsonAsync("/v2/process-instances", new { processDefinitionId = "ca-reply", tenantId = "ca-west" });
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        var key = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processInstanceKey").GetString();

        using var westApi = Server.Bearer(west.ApiKey);
        var offered = await WaitForActionsAsync(westApi, key!);
        offered.EnumerateArray().Select(a => a.GetProperty("id").GetString()).ShouldBe(["answer"]);
        offered[0].GetProperty("userTaskKey").GetString().ShouldNotBeNull();

        foreach (var stranger in new[] { east, nobody })
        {
            using var api = Server.Bearer(stranger.ApiKey);
            (await api.GetAsync($"/api/instances/{key}/actions")).StatusCode.ShouldBe(HttpStatusCode.NotFound, stranger.UserName);
            var acted = await api.PostAsJsonAsync($"/api/instances/{key}/actions/answer", new { });
            acted.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{stranger.UserName}: {await acted.Content.ReadAsStringAsync()}");
            (await api.GetAsync($"/api/instances/{key}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, stranger.UserName);
        }
        (await Instance(key!)).GetProperty("state").GetString().ShouldBe("ACTIVE", "the strangers changed nothing");

        var done = await westApi.PostAsJsonAsync($"/api/instances/{key}/actions/answer", new { });
        done.IsSuccessStatusCode.ShouldBeTrue(await done.Content.ReadAsStringAsync());
        var instance = await Instance(key!);
        instance.GetProperty("state").GetString().ShouldBe("COMPLETED");
        instance.GetProperty("tenantId").GetString().ShouldBe("ca-west");
        var answered = await Admin.PostAsJsonAsync("/v2/variables/search", new { filter = new { processInstanceKey = key, name = "answered" } });
        (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0].GetProperty("value").GetString().ShouldBe("true");
    }

    private async Task<JsonElement> Instance(string key) => await Admin.GetFromJsonAsync<JsonElement>($"/v2/process-instances/{key}");

    /// <summary>The user task opens in the start's transaction; the list is read until it shows (at most a few seconds).</summary>
    private static async Task<JsonElement> WaitForActionsAsync(HttpClient api, string key)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await api.GetAsync($"/api/instances/{key}/actions");
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            var actions = JsonDocument.Parse(body).RootElement.Clone();
            if (actions.GetArrayLength() > 0 || attempt == 50)
            {
                return actions;
            }
            await System.Threading.Tasks.Task.Delay(100);
        }
    }
}
