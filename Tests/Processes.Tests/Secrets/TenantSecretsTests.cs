using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Processes.Activities.Shared;
using Processes.Engine.Storage;
using Processes.Tests.Activities;

namespace Processes.Tests.Secrets;

/// <summary>
/// Connector secrets per tenant: two tenants store the same secret name with different values, and an http job of each
/// tenant sends its own tenant's value; a tenant without the secret does not borrow the default tenant's (its job
/// fails naming the secret); a configured value wins for every tenant.
/// </summary>
public sealed class TenantSecretsTests : ActivityTest
{
    private FakeServer _server = null!;
    private readonly IDataProtectionProvider _protection = DataProtectionProvider.Create("tenant-secrets-test");

    [SetUp]
    public async Task StartServer() => _server = await FakeServer.StartAsync();

    [TearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Each_job_resolves_the_secret_of_its_own_tenant()
    {
        var store = new ConnectorSecretStore(DataSource, _protection);
        var actor = new AuditActor("tenant-secrets-test");
        await store.SetAsync("ts-east", "TS_TOKEN", "east-token", actor, CancellationToken.None);
        await store.SetAsync("ts-west", "TS_TOKEN", "west-token", actor, CancellationToken.None);
        await store.SetAsync("<default>", "TS_ONLY_DEFAULT", "default-token", actor, CancellationToken.None);

        var settings = FastRetries("Http");
        settings["Processes:Activities:Http:AllowedHosts:0"] = $"127.0.0.1:{_server.BaseUrl.Port}";
        settings["Processes:Secrets:TS_PINNED"] = "from-configuration";
        var http = Services(settings, configure: services => services.AddSingleton(_protection)).GetServices<Processes.Engine.Jobs.IJobHandler>()
            .Single(h => h.Type == "http");
        var headers = $$$"""{"url": "{{{new Uri(_server.BaseUrl, "call")}}}", "header.Authorization": "Bearer {{secrets.TS_TOKEN}}", "header.X-Pinned": "{{secrets.TS_PINNED}}"}""";

        Completed(await http.HandleAsync(Job("http", "{}", headers) with { TenantId = "ts-east" }, CancellationToken.None));
        Completed(await http.HandleAsync(Job("http", "{}", headers) with { TenantId = "ts-west" }, CancellationToken.None));
        var sent = _server.Requests.ToList();
        sent.Select(r => r.Header("Authorization")).ShouldBe(["Bearer east-token", "Bearer west-token"]);
        sent.Select(r => r.Header("X-Pinned")).ShouldBe(["from-configuration", "from-configuration"], "configuration wins for every tenant");

        // The default tenant's value is not a fallback: a tenant without the secret fails, naming it.
        var borrowed = $$$"""{"url": "{{{new Uri(_server.BaseUrl, "other")}}}", "header.Authorization": "{{secrets.TS_ONLY_DEFAULT}}"}""";
        var refused = Failed(await http.HandleAsync(Job("http", "{}", borrowed) with { TenantId = "ts-east" }, CancellationToken.None));
        refused.Message.ShouldContain("TS_ONLY_DEFAULT");
        refused.Message.ShouldNotContain("default-token");
        Completed(await http.HandleAsync(Job("http", "{}", borrowed), CancellationToken.None));
        _server.Requests.Last().Header("Authorization").ShouldBe("default-token");

        (await store.ListAsync("ts-east", CancellationToken.None)).Select(s => s.Name).ShouldBe(["TS_TOKEN"]);
        (await store.DeleteAsync("ts-west", "TS_TOKEN", actor, CancellationToken.None)).ShouldBeTrue();
        (await store.ListAsync("ts-east", CancellationToken.None)).Select(s => s.Name).ShouldBe(["TS_TOKEN"], "deleting west's left east's");
    }
}
