using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>A fresh install has the groups the shipped models route to (Definitions/shipped.groups.json), created once.</summary>
public sealed partial class ShippedGroupsTests : DatabaseTest
{
    private static readonly string Definitions = Path.Combine(AppContext.BaseDirectory, "Definitions");

    [Test]
    public async Task A_fresh_host_has_the_shipped_groups_an_admin_can_put_an_agent_into_and_a_restart_keeps_an_admins_change()
    {
        var shipped = ShippedNames();
        long dispatchId;
        await using (var host = IdentityHost.Start(ConnectionString))
        {
            var admin = await host.AdminAsync();
            var groups = await GroupsAsync(admin, shipped.Count);
            groups.Keys.ShouldBe(shipped, ignoreOrder: true);

            var agent = await host.CreateUserAsync(roles: ["agent"]);
            var put = await admin.PutAsJsonAsync($"/api/users/{agent.Id}/groups", new { groups = new[] { "dispatch" } });
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            var me = await host.Bearer(agent.ApiKey).GetFromJsonAsync<JsonElement>("/api/auth/me");
            me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ShouldBe(["dispatch"]);

            dispatchId = groups["dispatch"];
            (await admin.PutAsJsonAsync($"/api/groups/{dispatchId}", new { displayName = "Dispatch desk", version = 1 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await using (var again = IdentityHost.Start(ConnectionString))
        {
            var admin = await again.AdminAsync();
            (await GroupsAsync(admin, shipped.Count)).Count.ShouldBe(shipped.Count, "a restart creates no second copy");
            var dispatch = await admin.GetFromJsonAsync<JsonElement>($"/api/groups/{dispatchId}");
            dispatch.GetProperty("displayName").GetString().ShouldBe("Dispatch desk", "an admin's change survives a restart");
            var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit?action=group.created&actor=system&limit=100");
            audit.GetProperty("items").GetArrayLength().ShouldBe(shipped.Count, "each shipped group is created, and audited, once");
        }
    }

    [Test]
    public void Every_group_named_literally_in_a_shipped_model_is_in_the_shipped_groups_file()
    {
        var shipped = ShippedNames();
        XNamespace zeebe = "http://camunda.org/schema/zeebe/1.0";
        var named = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Definitions, "*.bpmn"))
        {
            var document = XDocument.Load(file);
            var expressions = document.Descendants(zeebe + "assignmentDefinition").Select(a => (string?)a.Attribute("candidateGroups"))
                .Concat(document.Descendants(zeebe + "input").Where(i => (string?)i.Attribute("target") == "candidateGroups").Select(i => (string?)i.Attribute("source")))
                .OfType<string>();
            foreach (var expression in expressions)
            {
                var literals = expression.StartsWith('=')
                    ? StringLiteral().Matches(expression).Select(m => m.Groups[1].Value)
                    : expression.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                // A literal starting with '-' is a suffix of a computed name (network + "-technicians"): one group per network.
                named.UnionWith(literals.Where(l => !l.StartsWith('-')));
            }
        }
        named.ShouldNotBeEmpty();
        named.Except(shipped).ShouldBeEmpty("groups the shipped models route to, missing from Definitions/shipped.groups.json");
    }

    private static List<string> ShippedNames() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Definitions, "shipped.groups.json"))).RootElement
            .EnumerateArray().Select(g => g.GetProperty("name").GetString()!).ToList();

    /// <summary>The groups by name, waiting for a start-up that deploys in the background to finish.</summary>
    private static async Task<Dictionary<string, long>> GroupsAsync(HttpClient admin, int atLeast)
    {
        for (var attempt = 0; ; attempt++)
        {
            var page = await admin.GetFromJsonAsync<JsonElement>("/api/groups?limit=200");
            var groups = page.GetProperty("items").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!, g => g.GetProperty("id").GetInt64());
            if (groups.Count >= atLeast || attempt == 100)
            {
                return groups;
            }
            await Task.Delay(200);
        }
    }

    // A result of the expression: a list element or a then/else branch (not a literal compared against, as in transferReason = "merchant").
    [GeneratedRegex("(?:then|else|\\[|,)\\s*\"([^\"]+)\"")]
    private static partial Regex StringLiteral();
}
