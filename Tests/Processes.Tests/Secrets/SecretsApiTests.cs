using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Processes.Activities.Shared;
using Processes.Engine.Storage;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Secrets;

/// <summary>
/// Connector secrets admins manage: write-only through /api/secrets (names and who set them, never values), encrypted
/// in the database, audited; {{secrets.NAME}} resolves to a stored value at the next job, and configuration wins.
/// </summary>
public sealed class SecretsApiTests : IdentityHostTest
{
    [Test]
    public async Task An_admin_sets_replaces_and_deletes_a_secret_whose_value_is_never_shown_back_nor_stored_in_clear()
    {
        var admin = await Server.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Server.Bearer(admin.ApiKey);
        const string Value = "tok-3b9f1c0e-very-secret";

        (await api.PutAsJsonAsync("/api/secrets/CRM_TOKEN", new { value = Value })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await api.PutAsJsonAsync("/api/secrets/CRM_TOKEN", new { value = Value + "-2" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var listed = await api.GetStringAsync("/api/secrets");
        listed.ShouldNotContain(Value);
        var item = JsonDocument.Parse(listed).RootElement.EnumerateArray().Single(i => i.GetProperty("name").GetString() == "CRM_TOKEN");
        item.GetProperty("stored").GetBoolean().ShouldBeTrue();
        item.GetProperty("configured").GetBoolean().ShouldBeFalse();
        item.GetProperty("updatedBy").GetString().ShouldBe(admin.UserName);
        item.TryGetProperty("value", out _).ShouldBeFalse();
        await using (var connection = await DataSource.OpenConnectionAsync())
        {
            var stored = await connection.ExecuteScalarAsync<string>("SELECT protected_value FROM connector_secret WHERE name = 'CRM_TOKEN'");
            stored.ShouldNotBeNull().ShouldNotContain(Value, Case.Insensitive, "encrypted at rest");
            (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'secret.set' AND target_id = 'CRM_TOKEN' AND actor = @actor",
                new { actor = admin.UserName })).ShouldBe(2);
            (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || @value || '%'", new { value = Value })).ShouldBe(0);
        }

        (await api.DeleteAsync("/api/secrets/CRM_TOKEN")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.DeleteAsync("/api/secrets/CRM_TOKEN")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Bad_names_and_empty_values_are_refused_naming_the_field_and_only_admins_manage_secrets()
    {
        var admin = await Server.CreateUserAsync(roles: [Roles.Admin]);
        using var api = Server.Bearer(admin.ApiKey);
        var badName = await api.PutAsJsonAsync("/api/secrets/has%20space", new { value = "x" });
        badName.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await badName.Content.ReadAsStringAsync()).ShouldContain("name");
        var empty = await api.PutAsJsonAsync("/api/secrets/EMPTY", new { value = "" });
        empty.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await empty.Content.ReadAsStringAsync()).ShouldContain("value");

        var designer = await Server.CreateUserAsync(roles: [Roles.Designer]);
        using var other = Server.Bearer(designer.ApiKey);
        (await other.GetAsync("/api/secrets")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await other.PutAsJsonAsync("/api/secrets/X", new { value = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_stored_secret_resolves_at_the_next_resolution_and_configuration_wins()
    {
        var store = new ConnectorSecretStore(DataSource, DataProtectionProvider.Create("secrets-test"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["PINNED"] = "from-config" }).Build();
        var secrets = new ConnectorSecrets(configuration, store);
        var actor = new AuditActor("secrets-test");
        const string Url = "{{secrets.HOOK_URL}}/notify?key={{ secrets.PINNED }}";

        var before = await secrets.ForTextsAsync([Url], "<default>", CancellationToken.None);
        var (text, missing) = before.Resolve(Url, new ConnectorSecrets.Resolved());
        text.ShouldBeNull();
        missing.ShouldBe(["HOOK_URL"]);
        ConnectorSecrets.MissingMessage(missing).ShouldContain("retry the incident");

        await store.SetAsync("<default>", "HOOK_URL", "https://hooks.example.test", actor, CancellationToken.None);
        await store.SetAsync("<default>", "PINNED", "from-store", actor, CancellationToken.None);
        var after = await secrets.ForTextsAsync([Url], "<default>", CancellationToken.None);
        after.Resolve(Url, new ConnectorSecrets.Resolved()).Text.ShouldBe("https://hooks.example.test/notify?key=from-config");
        secrets.ConfiguredNames.ShouldBe(["PINNED"]);
    }
}
