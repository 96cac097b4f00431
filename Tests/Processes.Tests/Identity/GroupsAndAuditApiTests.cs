using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Processes.Host.Audit;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>/api/groups CRUD and /api/audit filters and paging; IAuditLog inside a caller's transaction.</summary>
public sealed class GroupsAndAuditApiTests : DatabaseTest
{
    private IdentityHost _host = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = IdentityHost.Start(ConnectionString);
        _admin = await _host.AdminAsync();
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Groups_are_created_updated_with_a_version_and_deleted()
    {
        var group = await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "escalations", displayName = "Escalations" });
        var id = group.GetProperty("id").GetInt64();

        var duplicate = await _admin.PostAsJsonAsync("/api/groups", new { name = "Escalations", displayName = "Again" });
        duplicate.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("name");

        var invalid = await _admin.PostAsJsonAsync("/api/groups", new { name = "", displayName = "" });
        invalid.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(invalid)).ShouldBe(["name", "displayName"], ignoreOrder: true);

        (await _admin.PutAsJsonAsync($"/api/groups/{id}", new { displayName = "Escalation desk", version = 1 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _admin.PutAsJsonAsync($"/api/groups/{id}", new { displayName = "Stale", version = 1 })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await _admin.PutAsJsonAsync($"/api/groups/{id}", new { displayName = "No version" })).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        var read = await _admin.GetFromJsonAsync<JsonElement>($"/api/groups/{id}");
        read.GetProperty("displayName").GetString().ShouldBe("Escalation desk");
        read.GetProperty("version").GetInt32().ShouldBe(2);

        (await _admin.DeleteAsync($"/api/groups/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _admin.GetAsync($"/api/groups/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _admin.DeleteAsync($"/api/groups/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Group_members_are_listed_by_user_name()
    {
        var group = await IdentityHost.PostAsync(_admin, "/api/groups", new { name = "refunds", displayName = "Refunds" });
        var user = await _host.CreateUserAsync(groups: ["refunds"]);

        var read = await _admin.GetFromJsonAsync<JsonElement>($"/api/groups/{group.GetProperty("id").GetInt64()}");

        read.GetProperty("members").EnumerateArray().Select(m => m.GetString()).ShouldBe([user.UserName]);
        var list = await _admin.GetFromJsonAsync<JsonElement>("/api/groups?limit=200");
        list.GetProperty("items").EnumerateArray().ShouldContain(g => g.GetProperty("name").GetString() == "refunds");
    }

    [Test]
    public async Task The_audit_api_filters_by_action_and_time_and_pages_newest_first()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 3; i++)
        {
            await IdentityHost.PostAsync(_admin, "/api/groups", new { name = $"audit-{i}", displayName = $"Audit {i}" });
        }

        var from = Uri.EscapeDataString(before.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var first = await _admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=group.created&from={from}&limit=2");
        var items = first.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        items[0].GetProperty("details").GetProperty("name").GetString().ShouldBe("audit-2");
        var second = await _admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=group.created&from={from}&limit=2&after={first.GetProperty("nextCursor").GetString()}");
        second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("details").GetProperty("name").GetString()).ShouldContain("audit-0");

        var bad = await _admin.GetAsync("/api/audit?from=yesterday&to=2026-13-45");
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(bad)).ShouldBe(["from", "to"], ignoreOrder: true);
    }

    [Test]
    public async Task An_audit_entry_in_a_transaction_commits_or_rolls_back_with_it()
    {
        var audit = _host.Service<IAuditLog>();
        await using var connection = await DataSource.OpenConnectionAsync();

        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            await audit.RecordAsync(new AuditEntry("tester", "test.rolled_back"), rolledBack, CancellationToken.None);
            await rolledBack.RollbackAsync();
        }
        await using (var committed = await connection.BeginTransactionAsync())
        {
            await audit.RecordAsync(new AuditEntry("tester", "test.committed", "thing", "7", new { why = "because" }, "10.0.0.1"), committed, CancellationToken.None);
            await committed.CommitAsync();
        }

        var rows = await _admin.GetFromJsonAsync<JsonElement>("/api/audit?actor=tester");
        var only = rows.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        only.GetProperty("action").GetString().ShouldBe("test.committed");
        only.GetProperty("details").GetProperty("why").GetString().ShouldBe("because");
        only.GetProperty("remoteAddress").GetString().ShouldBe("10.0.0.1");
    }
}
