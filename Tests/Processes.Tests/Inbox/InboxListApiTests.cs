using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Identity;
using Processes.Tests.Identity;

namespace Processes.Tests.Inbox;

/// <summary>
/// GET /api/tasks with search, filters, sort and keyset paging; the completed and team views; take-over; the
/// reassign picker's eligible users and the refusal of anyone else — against the real host and PostgreSQL.
/// </summary>
public sealed class InboxListApiTests : AdminHostTest
{
    private static readonly string Model = Api.TaskModels.DeskTask("inbox-list", "handle", "Handle order", "list-desk", """
        <zeebe:priorityDefinition priority="=prio" />
        <zeebe:taskSchedule dueDate="=due" />
        <zeebe:properties><zeebe:property name="title" value="=orderId + &quot; · &quot; + kind" /></zeebe:properties>
        """);

    private TestUser _ann = null!;
    private TestUser _bob = null!;
    private TestUser _sue = null!;
    private TestUser _outsider = null!;
    private HttpClient _annClient = null!;
    private HttpClient _bobClient = null!;
    private HttpClient _sueClient = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        await IdentityHost.PostAsync(Admin, "/api/groups", new { name = "list-desk", displayName = "List desk" });
        await IdentityHost.PostAsync(Admin, "/api/groups", new { name = "list-other", displayName = "Other desk" });
        _ann = await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["list-desk"]);
        _bob = await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["list-desk"]);
        _sue = await Server.CreateUserAsync(roles: [Roles.Supervisor], groups: ["list-desk"]);
        _outsider = await Server.CreateUserAsync(roles: [Roles.Agent], groups: ["list-other"]);
        _annClient = Server.Bearer(_ann.ApiKey);
        _bobClient = Server.Bearer(_bob.ApiKey);
        _sueClient = Server.Bearer(_sue.ApiKey);
        using var deployed = await IdentityHost.DeployAsync(Admin, "inbox-list.bpmn", Model);
        deployed.StatusCode.ShouldBe(HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _annClient.Dispose();
        _bobClient.Dispose();
        _sueClient.Dispose();
    }

    [Test]
    public async Task Search_finds_a_task_by_its_title_or_business_key_in_any_case()
    {
        var wanted = await StartAsync("O-SEARCH-1", "vip", 10, DateTimeOffset.UtcNow.AddDays(2), businessKey: "BK-SEARCH-77");
        await StartAsync("O-SEARCH-2", "regular", 10, DateTimeOffset.UtcNow.AddDays(2));

        Keys(await ListAsync(_annClient, "view=group&q=o-search-1")).ShouldBe([wanted]);
        Keys(await ListAsync(_annClient, "view=group&q=search%20VIP")).ShouldBe([wanted]);
        Keys(await ListAsync(_annClient, "view=group&q=bk-search-77")).ShouldBe([wanted]);
        var item = (await ListAsync(_annClient, "view=group&q=O-SEARCH-1")).GetProperty("items")[0];
        item.GetProperty("title").GetString().ShouldBe("O-SEARCH-1 · vip");
    }

    [Test]
    public async Task By_priority_the_earliest_due_comes_first_within_a_priority_and_pages_follow_that_order()
    {
        var tag = "O-PRIO-" + Guid.NewGuid().ToString("N")[..6];
        var later = await StartAsync(tag + "-a", "x", 60, DateTimeOffset.UtcNow.AddDays(2));
        var sooner = await StartAsync(tag + "-b", "x", 60, DateTimeOffset.UtcNow.AddHours(5));
        var higher = await StartAsync(tag + "-c", "x", 70, DateTimeOffset.UtcNow.AddDays(9));

        Keys(await ListAsync(_annClient, $"view=group&q={tag}")).ShouldBe([higher, sooner, later]);
        Keys(await ListAsync(_annClient, $"view=group&q={tag}&sort=priority&order=asc")).ShouldBe([later, sooner, higher]);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await ListAsync(_annClient, $"view=group&q={tag}&limit=1" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(Keys(page));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        }
        while (cursor is not null);
        seen.ShouldBe([higher, sooner, later]);
    }

    [Test]
    public async Task Filters_by_priority_and_due_sort_and_keyset_pages_cover_every_task_once()
    {
        var tag = "O-FILTER-" + Guid.NewGuid().ToString("N")[..6];
        var low = await StartAsync(tag + "-a", "x", 10, DateTimeOffset.UtcNow.AddDays(3));
        var high = await StartAsync(tag + "-b", "x", 80, DateTimeOffset.UtcNow.AddDays(1));
        var late = await StartAsync(tag + "-c", "x", 50, DateTimeOffset.UtcNow.AddHours(-2));

        Keys(await ListAsync(_annClient, $"view=group&q={tag}&priority=50&sort=priority")).ShouldBe([high, late]);
        Keys(await ListAsync(_annClient, $"view=group&q={tag}&due=overdue")).ShouldBe([late]);
        Keys(await ListAsync(_annClient, $"view=group&q={tag}&sort=due&order=asc")).ShouldBe([late, high, low]);
        Keys(await ListAsync(_annClient, $"view=group&q={tag}&process=inbox-list&sort=priority&order=asc")).ShouldBe([low, late, high]);
        Keys(await ListAsync(_annClient, $"view=group&q={tag}&process=another")).ShouldBeEmpty();

        // Pages of one: each cursor continues after the last row shown, in the same order.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await ListAsync(_annClient, $"view=group&q={tag}&sort=due&limit=1" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(Keys(page));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        }
        while (cursor is not null);
        seen.ShouldBe([late, high, low]);
    }

    [Test]
    public async Task Bad_parameters_are_refused_naming_the_parameter()
    {
        foreach (var (query, field) in new[] { ("view=all", "view"), ("priority=high", "priority"), ("due=tomorrow", "due"), ("sort=name", "sort"),
            ("order=up", "order"), ("after=garbage", "after") })
        {
            using var response = await _annClient.GetAsync(new Uri("/api/tasks?" + query, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, query);
            (await response.Content.ReadAsStringAsync()).ShouldContain($"\"{field}\"");
        }
        using var team = await _annClient.GetAsync(new Uri("/api/tasks?view=team", UriKind.Relative));
        team.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Completed_tasks_are_in_the_completed_view_of_whoever_completed_them()
    {
        var task = await StartAsync("O-DONE-1", "x", 10, DateTimeOffset.UtcNow.AddDays(1));
        await ClaimAsync(_annClient, task, _ann.UserName);
        using (var completed = await _annClient.PostAsJsonAsync($"/v2/user-tasks/{task}/completion", new { }))
        {
            completed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await completed.Content.ReadAsStringAsync());
        }

        var done = await ListAsync(_annClient, "view=completed&q=O-DONE-1");
        Keys(done).ShouldBe([task]);
        done.GetProperty("items")[0].GetProperty("task").GetProperty("completionDate").GetString().ShouldNotBeNull();
        Keys(await ListAsync(_annClient, "view=mine&q=O-DONE-1")).ShouldBeEmpty();
        Keys(await ListAsync(_bobClient, "view=completed&q=O-DONE-1")).ShouldBeEmpty();
    }

    [Test]
    public async Task A_supervisor_sees_members_tasks_in_the_team_view_and_takes_one_over_with_a_reason()
    {
        var task = await StartAsync("O-TEAM-1", "x", 10, DateTimeOffset.UtcNow.AddDays(1));
        await ClaimAsync(_bobClient, task, _bob.UserName);

        Keys(await ListAsync(_sueClient, "view=team&q=O-TEAM-1")).ShouldBe([task]);

        using (var noReason = await _sueClient.PostAsJsonAsync($"/api/tasks/{task}/take-over", new { reason = " " }))
        {
            noReason.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            (await noReason.Content.ReadAsStringAsync()).ShouldContain("reason");
        }
        using (var agent = await _annClient.PostAsJsonAsync($"/api/tasks/{task}/take-over", new { reason = "mine now" }))
        {
            agent.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        using (var taken = await _sueClient.PostAsJsonAsync($"/api/tasks/{task}/take-over", new { reason = "Customer escalated to me" }))
        {
            taken.StatusCode.ShouldBe(HttpStatusCode.NoContent, await taken.Content.ReadAsStringAsync());
        }

        (await Admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{task}")).GetProperty("assignee").GetString().ShouldBe(_sue.UserName);
        Keys(await ListAsync(_sueClient, "view=team&q=O-TEAM-1")).ShouldBeEmpty();
        var audit = await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=task.reassigned&actor={_sue.UserName}");
        audit.GetProperty("items").EnumerateArray().ShouldContain(row => row.GetProperty("targetId").GetString() == task
            && row.GetProperty("details").GetRawText().Contains("Customer escalated to me", StringComparison.Ordinal));
    }

    [Test]
    public async Task The_picker_offers_members_of_the_tasks_groups_and_reassignment_to_anyone_else_is_refused_saying_why()
    {
        var task = await StartAsync("O-PICK-1", "x", 10, DateTimeOffset.UtcNow.AddDays(1));
        await ClaimAsync(_annClient, task, _ann.UserName);

        var eligible = (await _annClient.GetFromJsonAsync<JsonElement>($"/api/tasks/{task}/eligible")).EnumerateArray()
            .Select(p => p.GetProperty("userName").GetString()).ToList();
        eligible.ShouldContain(_bob.UserName);
        eligible.ShouldContain(_sue.UserName);
        eligible.ShouldNotContain(_outsider.UserName);

        using (var outsider = await _annClient.PostAsJsonAsync($"/api/tasks/{task}/reassign", new { assignee = _outsider.UserName, reason = "holiday" }))
        {
            outsider.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            var text = await outsider.Content.ReadAsStringAsync();
            text.ShouldContain("list-desk");
            text.ShouldContain(_outsider.UserName);
        }
        using (var nobody = await _annClient.PostAsJsonAsync($"/api/tasks/{task}/reassign", new { assignee = "nobody.here", reason = "holiday" }))
        {
            nobody.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            (await nobody.Content.ReadAsStringAsync()).ShouldContain("no enabled user named 'nobody.here'");
        }
        (await Admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{task}")).GetProperty("assignee").GetString().ShouldBe(_ann.UserName);

        using (var bob = await _annClient.PostAsJsonAsync($"/api/tasks/{task}/reassign", new { assignee = _bob.UserName.ToUpperInvariant(), reason = "holiday" }))
        {
            bob.StatusCode.ShouldBe(HttpStatusCode.NoContent, await bob.Content.ReadAsStringAsync());
        }
        (await Admin.GetFromJsonAsync<JsonElement>($"/v2/user-tasks/{task}")).GetProperty("assignee").GetString().ShouldBe(_bob.UserName);
    }

    private static List<string> Keys(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("task").GetProperty("userTaskKey").GetString()!)];

    private static async Task<JsonElement> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync(new Uri("/api/tasks?" + query, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task ClaimAsync(HttpClient client, string task, string userName)
    {
        using var claimed = await client.PostAsJsonAsync($"/v2/user-tasks/{task}/assignment", new { assignee = userName });
        claimed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await claimed.Content.ReadAsStringAsync());
    }

    private async Task<string> StartAsync(string orderId, string kind, int prio, DateTimeOffset due, string? businessKey = null)
    {
        var started = await IdentityHost.PostAsync(Admin, "/v2/process-instances", new
        {
            processDefinitionId = "inbox-list",
            businessKey,
            variables = new { orderId, kind, prio, due = due.ToString("O", CultureInfo.InvariantCulture) },
        });
        var instance = started.GetProperty("processInstanceKey").GetString();
        var found = await IdentityHost.PostAsync(Admin, "/v2/user-tasks/search", new { filter = new { processInstanceKey = instance } });
        return found.GetProperty("items").EnumerateArray().Single().GetProperty("userTaskKey").GetString()!;
    }
}
