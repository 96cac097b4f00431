using System.Text;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Tenants;

/// <summary>
/// Work across tenants: an instance never migrates into another tenant's definition, and a worker serving two
/// tenants gets the jobs of both, not only of the one with the most or oldest work.
/// </summary>
public sealed class TenantWorkTests : EngineTest
{
    private async Task<long> DeployToAsync(string tenant, string xml)
    {
        var result = await new DeploymentService(DataSource, Definitions)
            .DeployAsync([new DeploymentResource("work.bpmn", Encoding.UTF8.GetBytes(xml))], CancellationToken.None, tenant);
        return result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString()).Processes.ShouldHaveSingleItem().ProcessDefinitionKey;
    }

    private async Task<long> StartInAsync(string tenant, string processId)
    {
        var result = await Engine.CreateInstanceAsync(processId, null, null, null, CancellationToken.None, tenantId: tenant);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!.ProcessInstanceKey;
    }

    [Test]
    public async Task An_instance_is_refused_migration_into_another_tenants_definition()
    {
        var model = Process("tw-migrate", Start() + Task("do", "tw-migrate") + End() + Flows("start->do->end"));
        await DeployToAsync("tw-north", model);
        var southKey = await DeployToAsync("tw-south", model);
        var north = await StartInAsync("tw-north", "tw-migrate");

        var refused = await Engine.MigrateInstanceAsync(Caller.System, north, new MigrationPlan(southKey, [new MigrationMappingInstruction("do", "do")]),
            dryRun: false, null, CancellationToken.None);

        refused.Error.ShouldBe(CommandError.InvalidArgument);
        refused.Message!.ShouldContain("belongs to tenant 'tw-south'");
        refused.Message!.ShouldContain("migrates only within its tenant");
        (await CountAsync("SELECT count(*) FROM process_instance WHERE key = @north AND tenant_id = 'tw-north' AND process_definition_key <> @southKey",
            new { north, southKey })).ShouldBe(1);
    }

    [Test]
    public async Task A_worker_serving_two_tenants_gets_jobs_of_both_even_when_one_tenant_has_far_more_work()
    {
        var model = Process("tw-work", Start() + Task("do", "tw-shared") + End() + Flows("start->do->end"));
        await DeployToAsync("tw-busy", model);
        await DeployToAsync("tw-quiet", model);
        for (var i = 0; i < 30; i++)
        {
            await StartInAsync("tw-busy", "tw-work");
        }
        await StartInAsync("tw-quiet", "tw-work");

        var jobs = await Engine.ActivateJobsAsync("tw-shared", "w", TimeSpan.FromMinutes(5), 10, null, CancellationToken.None, ["tw-busy", "tw-quiet"]);

        jobs.Count.ShouldBe(10);
        // The quiet tenant's one job is not starved behind the busy tenant's older ones.
        jobs.Select(j => j.TenantId).Distinct().Order(StringComparer.Ordinal).ToList().ShouldBe(["tw-busy", "tw-quiet"]);
    }
}
