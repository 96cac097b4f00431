using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Processes.Host.Identity;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Activities;

public sealed class ActivitiesApiTests : DatabaseTest
{
    private IdentityHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = IdentityHost.Start(ConnectionString, settings: new Dictionary<string, string> { ["Processes:Engine:Enabled"] = "false" });

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public void The_host_registers_the_ten_activities_as_job_handlers() =>
        _host.Services.GetServices<Processes.Engine.Jobs.IJobHandler>().Select(h => h.Type)
            .ShouldBe(["sms", "refund", "assign", "http", "settlement-credit", "user-task-update", "start-process", "verification-code", "poi-check", "catalogue"], ignoreOrder: true);

    [Test]
    public async Task A_supervisor_maintains_agent_profiles_that_central_dispatch_reads()
    {
        var supervisor = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Supervisor])).ApiKey);

        var put = await supervisor.PutAsJsonAsync("/api/agents/alice",
            new { skills = new[] { "refunds" }, regions = new[] { "EU" }, languages = new[] { "en" }, tiers = new[] { "gold" }, capacity = 7 });
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        (await supervisor.PutAsJsonAsync("/api/agents/bob", new { skills = new[] { "refunds" } })).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);

        var list = await supervisor.GetFromJsonAsync<JsonElement>("/api/agents");
        var alice = list.EnumerateArray().Single();
        alice.GetProperty("userName").GetString().ShouldBe("alice");
        alice.GetProperty("capacity").GetInt32().ShouldBe(7);
        alice.GetProperty("onDuty").GetBoolean().ShouldBeTrue();

        (await supervisor.DeleteAsync("/api/agents/alice")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await supervisor.DeleteAsync("/api/agents/alice")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Saving_an_sms_template_with_placeholder_problems_answers_422_with_each_of_them()
    {
        var designer = _host.Bearer((await _host.CreateUserAsync(roles: [Roles.Designer])).ApiKey);

        var bad = await designer.PutAsJsonAsync("/api/sms-templates/refund-done",
            new { text = "Hello {name}, {amount} refunded", parameters = new[] { "name", "orderId" } });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problems = await bad.Content.ReadAsStringAsync();
        problems.ShouldContain("unknown placeholder '{amount}'");
        problems.ShouldContain("parameter 'orderId' is declared");

        var good = await designer.PutAsJsonAsync("/api/sms-templates/refund-done",
            new { text = "Hello {name}, {amount} refunded", parameters = new[] { "name", "amount" } });
        good.StatusCode.ShouldBe(HttpStatusCode.OK, await good.Content.ReadAsStringAsync());
        (await designer.GetFromJsonAsync<JsonElement>("/api/sms-templates/refund-done")).GetProperty("text").GetString()
            .ShouldBe("Hello {name}, {amount} refunded");
    }
}
