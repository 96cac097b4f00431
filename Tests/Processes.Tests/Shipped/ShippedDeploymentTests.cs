using System.Text;
using Processes.Engine.Deployment;
using Processes.Tests.Execution;

namespace Processes.Tests.Shipped;

/// <summary>Every file of Definitions/ deploys the way the host deploys it at start-up: one by one, and again unchanged.</summary>
public sealed class ShippedDeploymentTests : EngineTest
{
    [Test]
    public async Task Every_shipped_file_deploys_and_a_second_deployment_creates_no_new_version()
    {
        var files = ShippedDefinitions.Files(".bpmn", ".form", ".dmn").ToList();
        files.Count.ShouldBeGreaterThanOrEqualTo(7);
        for (var round = 1; round <= 2; round++)
        {
            foreach (var name in files)
            {
                var resource = new DeploymentResource(name, Encoding.UTF8.GetBytes(ShippedDefinitions.Text(name)));
                var result = await new DeploymentService(DataSource, Definitions).DeployAsync([resource], CancellationToken.None);
                var deployed = result.ShouldBeOfType<DeploymentResult.Deployed>($"{name}: {result}");
                foreach (var process in deployed.Processes)
                {
                    process.Version.ShouldBe(1, name);
                    process.IsDuplicate.ShouldBe(round == 2, name);
                }
                foreach (var decision in deployed.Decisions)
                {
                    decision.Version.ShouldBe(1, name);
                    decision.IsDuplicate.ShouldBe(round == 2, name);
                }
            }
        }
        await Engine.SyncStartEventsAsync(null, CancellationToken.None);
        (await CountAsync("SELECT count(*) FROM timer WHERE process_instance_key IS NULL")).ShouldBe(2, "the monthly settlement and the optional ERP poller start by timer");
        (await CountAsync("SELECT count(*) FROM decision_definition WHERE decision_id = 'sla-targets'")).ShouldBe(1);
    }

    [TestCase("VIP", "PT4H", "PT30M", "PT24H", 80)]
    [TestCase("international", "PT16H", "PT1H", "PT40H", 50)]
    [TestCase("regular", "PT8H", "PT1H", "PT40H", 50)]
    [TestCase(null, "PT8H", "PT1H", "PT40H", 50)]
    public async Task The_shipped_sla_targets_decision_gives_the_targets_of_a_tier(string? tier, string slaTarget, string firstResponse, string demandDeadline,
        int priority)
    {
        var resource = new DeploymentResource("sla-targets.dmn", Encoding.UTF8.GetBytes(ShippedDefinitions.Text("sla-targets.dmn")));
        (await new DeploymentService(DataSource, Definitions).DeployAsync([resource], CancellationToken.None)).ShouldBeOfType<DeploymentResult.Deployed>();

        var variables = new System.Text.Json.Nodes.JsonObject { ["customer"] = new System.Text.Json.Nodes.JsonObject { ["tier"] = tier }, ["entrance"] = "hotline" };
        var evaluated = await Engine.EvaluateDecisionAsync("sla-targets", null, variables, CancellationToken.None);

        evaluated.Ok.ShouldBeTrue(evaluated.Message);
        var result = evaluated.Value!.Result;
        result.Failure.ShouldBeNull();
        var output = Processes.Engine.Feel.Values.FeelJson.ToJsonNode(result.Output)!.AsObject();
        output["slaTarget"]!.GetValue<string>().ShouldBe(slaTarget);
        output["firstResponseTarget"]!.GetValue<string>().ShouldBe(firstResponse);
        output["demandDeadline"]!.GetValue<string>().ShouldBe(demandDeadline);
        output["priority"]!.GetValue<decimal>().ShouldBe(priority);
        evaluated.Value.Definition.Name.ShouldBe("SLA targets per customer tier");
    }
}
