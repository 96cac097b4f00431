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
            }
        }
        await Engine.SyncStartEventsAsync(null, CancellationToken.None);
        (await CountAsync("SELECT count(*) FROM timer WHERE process_instance_key IS NULL")).ShouldBe(1, "only the monthly settlement starts by timer");
    }
}
