using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Processes.Host.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>API keys: Bearer and Basic (as Camunda clients send them), revocation, storage.</summary>
public sealed class ApiKeyTests : IdentityHostTest
{
    [Test]
    public async Task A_bearer_key_authenticates_its_user()
    {
        var user = await Server.CreateUserAsync(roles: [Roles.Operator]);

        var me = await Server.Bearer(user.ApiKey).GetFromJsonAsync<JsonElement>("/api/auth/me");

        me.GetProperty("userName").GetString().ShouldBe(user.UserName);
        me.GetProperty("authenticatedWith").GetString().ShouldBe("apiKey");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([Roles.Operator]);
    }

    [Test]
    public async Task Basic_with_the_user_name_and_the_key_as_password_authenticates()
    {
        var user = await Server.CreateUserAsync();

        (await Server.Basic(user.UserName.ToUpperInvariant(), user.ApiKey).GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task Basic_with_another_users_name_or_the_password_is_refused()
    {
        var user = await Server.CreateUserAsync();
        var other = await Server.CreateUserAsync();

        (await Server.Basic(other.UserName, user.ApiKey).GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Server.Basic(user.UserName, user.Password).GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Other_features_tests_get_a_key_for_any_roles_straight_from_the_database()
    {
        var key = await TestIdentity.ApiKeyAsync(DataSource, "designer-for-tests", Roles.Designer);
        await using var host = Hosting.HostStartupTests.NewHost(ConnectionString);
        using var client = host.CreateClient().WithApiKey(key);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");

        me.GetProperty("userName").GetString().ShouldBe("designer-for-tests");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([Roles.Designer]);
    }

    [Test]
    public void The_current_user_helpers_read_id_name_groups_and_roles_from_the_principal()
    {
        var principal = IdentitySchemes.PrincipalOf(new UserRecord
        {
            Id = 42, UserName = "erin", SecurityStamp = Guid.NewGuid(), Roles = [Roles.Agent], Groups = ["billing", "refunds"],
        }, IdentitySchemes.ApiKey, apiKeyId: 7);

        principal.UserId().ShouldBe(42);
        principal.UserName().ShouldBe("erin");
        principal.Groups().ShouldBe(["billing", "refunds"]);
        principal.Has(Roles.Agent).ShouldBeTrue();
        principal.Has(Roles.Finance).ShouldBeFalse();
        new System.Security.Claims.ClaimsPrincipal().UserName().ShouldBeNull();
    }

    [TestCase("pk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("not-a-key")]
    public async Task An_unknown_key_is_refused_with_problem_json(string key)
    {
        var response = await Server.Bearer(key).GetAsync("/api/auth/me");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).ShouldContain("Bearer");
    }

    [TestCase("not base64!")]
    [TestCase("bm8tY29sb24=")]
    public async Task Malformed_basic_credentials_are_refused_with_problem_json(string parameter)
    {
        using var client = Server.Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", parameter);

        var response = await client.GetAsync("/api/auth/me");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Test]
    public async Task Anonymous_endpoints_answer_even_with_a_bad_key()
    {
        (await Server.Bearer("pk_00000000_nope").GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_revoked_key_is_refused_at_once()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.Bearer(user.ApiKey);
        (await client.GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var admin = await Server.AdminAsync();
        var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/users/{user.Id}/api-keys");
        var keyId = keys.GetProperty("items")[0].GetProperty("id").GetInt64();

        (await admin.DeleteAsync($"/api/users/{user.Id}/api-keys/{keyId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var refused = await client.GetAsync("/api/auth/me");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await admin.DeleteAsync($"/api/users/{user.Id}/api-keys/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Keys_are_listed_without_secret_and_stored_only_as_a_hash()
    {
        var user = await Server.CreateUserAsync();
        await Server.Bearer(user.ApiKey).GetAsync("/api/auth/me");
        var admin = await Server.AdminAsync();

        var listed = await admin.GetStringAsync($"/api/users/{user.Id}/api-keys");

        var secret = user.ApiKey.Split('_', 3)[2];
        listed.ShouldNotContain(secret);
        var item = JsonDocument.Parse(listed).RootElement.GetProperty("items")[0];
        item.GetProperty("prefix").GetString().ShouldBe(user.ApiKey.Split('_')[1]);
        item.GetProperty("lastUsedAt").ValueKind.ShouldBe(JsonValueKind.String);
        await using var connection = await DataSource.OpenConnectionAsync();
        var stored = await connection.QuerySingleAsync<byte[]>("SELECT secret_hash FROM api_key WHERE user_id = @Id", new { user.Id });
        stored.ShouldBe(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
    }

    [Test]
    public async Task Key_authenticated_writes_need_no_antiforgery_token()
    {
        var admin = await Server.AdminAsync();

        (await admin.PostAsJsonAsync("/api/groups", new { name = "key-writes", displayName = "Key writes" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Test]
    public async Task Keys_of_a_disabled_user_are_refused()
    {
        var user = await Server.CreateUserAsync();
        var admin = await Server.AdminAsync();

        (await admin.PostAsync($"/api/users/{user.Id}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await Server.Bearer(user.ApiKey).GetAsync("/api/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Creating_a_key_needs_a_name_and_an_existing_user()
    {
        var admin = await Server.AdminAsync();

        var noName = await admin.PostAsJsonAsync("/api/users/1/api-keys", new { name = " " });
        noName.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SessionTests.Errors(noName)).ShouldBe(["name"]);
        (await admin.PostAsJsonAsync("/api/users/999999/api-keys", new { name = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetAsync("/api/users/999999/api-keys")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
