using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// One of everything the v2 API reads, made through the API: a parent instance calling a child that waits on a job
/// (failed into an incident), a user task and a message — from the models the npm conformance runner deploys too
/// (Tests/Processes.Conformance/models).
/// </summary>
public sealed record CamundaScenario(string ParentKey, string ChildKey, string JobKey, string IncidentKey, string UserTaskKey, string DecisionKey,
    string RequirementsKey, string ProcessDefinitionKey)
{
    public static string ModelsDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Processes.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("No Processes.sln above the test binaries."),
            "Tests", "Processes.Conformance", "models");
    }

    public static async Task<CamundaScenario> CreateAsync(HttpClient client, string orderId)
    {
        var keys = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(ModelsDirectory()).Order(StringComparer.Ordinal))
        {
            var deployed = await IdentityHost.DeployAsync(client, Path.GetFileName(file), await File.ReadAllTextAsync(file));
            var text = await deployed.Content.ReadAsStringAsync();
            deployed.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            foreach (var item in JsonDocument.Parse(text).RootElement.GetProperty("deployments").EnumerateArray())
            {
                foreach (var (kind, key) in new[] { ("processDefinition", "processDefinitionKey"), ("decisionDefinition", "decisionDefinitionKey"),
                    ("decisionRequirements", "decisionRequirementsKey") })
                {
                    if (item.TryGetProperty(kind, out var part))
                    {
                        var id = part.TryGetProperty("processDefinitionId", out var p) ? p.GetString() : kind;
                        keys[$"{kind}:{id}"] = part.GetProperty(key).GetString()!;
                    }
                }
            }
        }
        var parent = await IdentityHost.PostAsync(client, "/v2/process-instances",
            new { processDefinitionId = "conformance-parent", variables = new { orderId, amount = 1200 } });
        var parentKey = parent.GetProperty("processInstanceKey").GetString()!;
        var children = await IdentityHost.PostAsync(client, "/v2/process-instances/search",
            new { filter = new { parentProcessInstanceKey = parentKey } });
        var childKey = children.GetProperty("items")[0].GetProperty("processInstanceKey").GetString()!;
        // Other instances' jobs of the type may be waiting too: this child's is the one to fail.
        var jobs = await IdentityHost.PostAsync(client, "/v2/jobs/activation",
            new { type = "conformance-work", worker = "scenario", timeout = 60000, maxJobsToActivate = 100 });
        var jobKey = jobs.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("processInstanceKey").GetString() == childKey).GetProperty("jobKey").GetString()!;
        var failed = await client.PostAsJsonAsync($"/v2/jobs/{jobKey}/failure", new { retries = 0, errorMessage = "the scenario fails it" });
        failed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await failed.Content.ReadAsStringAsync());
        var incidents = await IdentityHost.PostAsync(client, "/v2/incidents/search", new { filter = new { processInstanceKey = childKey } });
        var tasks = await IdentityHost.PostAsync(client, "/v2/user-tasks/search", new { filter = new { processInstanceKey = childKey } });
        return new CamundaScenario(parentKey, childKey, jobKey, incidents.GetProperty("items")[0].GetProperty("incidentKey").GetString()!,
            tasks.GetProperty("items")[0].GetProperty("userTaskKey").GetString()!, keys["decisionDefinition:decisionDefinition"],
            keys["decisionRequirements:decisionRequirements"], keys["processDefinition:conformance-child"]);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
