using System.Text;
using Dapper;
using Npgsql;
using Processes.Engine.Calendars;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Tests.Calendars;
using Processes.Tests.Dmn;
using Processes.Tests.Storage;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Execution;

/// <summary>
/// A command needs one connection, never two: its look-ups (the definition by id, the model by key, the decision and its
/// graph, the business calendar, a block of keys) read on the command's own connection when they are not cached. With
/// a look-up opening a second connection, as many concurrent commands as the pool holds each held one and waited for
/// another: after a failover the clients' retries starved a host that way. Here a fresh engine (nothing cached, no key
/// block) on a pool of <see cref="Pool"/> connections takes four times as many concurrent starts of a model with a
/// decision and a calendar timer: every one completes, none times out waiting for the pool.
/// </summary>
public sealed class CommandConnectionTests : DatabaseTest
{
    private const int Pool = 3;

    private static string Model(string id) => Process(id, Start() +
        $"<bpmn:businessRuleTask id=\"decide\"><bpmn:extensionElements><zeebe:calledDecision decisionId=\"cc-tiers\" resultVariable=\"tier\" /></bpmn:extensionElements></bpmn:businessRuleTask>" +
        """<bpmn:intermediateCatchEvent id="wait"><bpmn:extensionElements><zeebe:properties><zeebe:property name="businessCalendar" value="cc-calendar" /></zeebe:properties></bpmn:extensionElements>""" +
        TimerDuration("PT2H") + "</bpmn:intermediateCatchEvent>" + End() + Flows("start->decide->wait->end"));

    [OneTimeSetUp]
    public async Task DeployTheModel()
    {
        (await new CalendarStore(DataSource).SaveAsync(TenantIds.Default, TestCalendars.CnSupportDefinition with { Name = "cc-calendar" }, null, CancellationToken.None))
            .Status.ShouldBe(CalendarSaveStatus.Saved);
        var deployer = new DeploymentService(DataSource, new ProcessDefinitions(DataSource));
        var decision = DmnText.File(DmnText.Table("cc-tiers", "FIRST", ["customer"], ["tier"], [["\"VIP\"", "\"gold\""], ["-", "\"plain\""]]), id: "cc-drg");
        var deployed = await deployer.DeployAsync([new DeploymentResource("tiers.dmn", Encoding.UTF8.GetBytes(decision)),
            new DeploymentResource("cc.bpmn", Encoding.UTF8.GetBytes(Model("cc-start")))], CancellationToken.None);
        deployed.ShouldBeOfType<DeploymentResult.Deployed>(deployed.ToString());
    }

    [Test]
    public async Task Four_times_the_pool_of_concurrent_starts_on_a_cold_engine_all_complete()
    {
        // Timeout: how long an open waits for a free connection in the pool; a nested open would wait forever and fail here.
        await using var small = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = Pool, Timeout = 5 }.ConnectionString);
        var engine = new ProcessEngine(small, new ProcessDefinitions(small), TimeProvider.System);
        var starts = Enumerable.Range(0, 4 * Pool).Select(i => System.Threading.Tasks.Task.Run(() =>
            engine.CreateInstanceAsync("cc-start", null, new System.Text.Json.Nodes.JsonObject { ["customer"] = i % 2 == 0 ? "VIP" : "other" }, null, CancellationToken.None)));

        var results = await System.Threading.Tasks.Task.WhenAll(starts);

        results.Where(r => !r.Ok).Select(r => r.Message).ShouldBeEmpty();
        await using var connection = await DataSource.OpenConnectionAsync();
        var keys = results.Select(r => r.Value!.ProcessInstanceKey).ToArray();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM timer WHERE process_instance_key = ANY(@keys)", new { keys }))
            .ShouldBe(4 * Pool, "every instance passed the decision and waits on its calendar timer");
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM variable WHERE scope_key = ANY(@keys) AND name = 'tier' AND value::text IN ('\"gold\"', '\"plain\"')", new { keys }))
            .ShouldBe(4 * Pool);
    }

    [Test]
    public async Task A_look_up_inside_a_command_reads_on_its_connection_and_outside_on_its_own()
    {
        await using var own = await CommandConnection.OpenAsync(DataSource, CancellationToken.None);
        own.Transaction.ShouldBeNull("outside a command a look-up opens a connection of its own");

        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        using (CommandConnection.Enter(DataSource, connection, transaction))
        {
            await using var inside = await CommandConnection.OpenAsync(DataSource, CancellationToken.None);
            inside.Connection.ShouldBeSameAs(connection);
            inside.Transaction.ShouldBeSameAs(transaction);
            // Another database's data source never borrows this command's connection.
            await using var other = NpgsqlDataSource.Create(ConnectionString);
            CommandConnection.IsInside(other).ShouldBeFalse();
        }
        CommandConnection.IsInside(DataSource).ShouldBeFalse("the scope ends with the command's attempt");
    }
}
