using System.Text;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Engine.Visibility;
using Processes.Tests.Dmn;
using Processes.Tests.Execution;
using static Processes.Tests.Execution.Models;

namespace Processes.Tests.Tenants;

/// <summary>
/// The engine resolves by id within the caller's tenant: a call activity starts its tenant's process, a business-rule
/// task evaluates its tenant's decision, a message starts and a signal reaches its tenant's processes only, and a
/// command scoped to one tenant finds nothing of another.
/// </summary>
public sealed class TenantResolutionTests : EngineTest
{
    private const string North = "north";
    private const string South = "south";

    private async Task DeployToAsync(string tenant, string name, string xml)
    {
        var result = await new DeploymentService(DataSource, Definitions)
            .DeployAsync([new DeploymentResource(name, Encoding.UTF8.GetBytes(xml))], CancellationToken.None, tenant);
        var deployed = result.ShouldBeOfType<DeploymentResult.Deployed>(result.ToString());
        deployed.TenantId.ShouldBe(tenant);
        await Engine.SyncStartEventsAsync([.. deployed.Processes.Select(p => p.BpmnProcessId)], CancellationToken.None);
    }

    private async Task<long> StartInAsync(string tenant, string processId)
    {
        var result = await Engine.CreateInstanceAsync(processId, null, Vars("""{"customer": {"tier": "VIP"}}"""), null, CancellationToken.None, tenantId: tenant);
        result.Ok.ShouldBeTrue(result.Message);
        result.Value!.TenantId.ShouldBe(tenant);
        return result.Value.ProcessInstanceKey;
    }

    [Test]
    public async Task A_call_activity_starts_the_process_of_its_own_tenant_only()
    {
        var parent = Process("tr-parent", Start() +
            "<bpmn:callActivity id=\"call\"><bpmn:extensionElements><zeebe:calledElement processId=\"tr-child\" /></bpmn:extensionElements></bpmn:callActivity>" +
            End() + Flows("start->call->end"));
        await DeployToAsync(North, "parent.bpmn", parent);
        await DeployToAsync(South, "parent.bpmn", parent);
        await DeployToAsync(North, "child.bpmn", Process("tr-child", Start() + End() + Flows("start->end")));

        (await StateAsync(await StartInAsync(North, "tr-parent"))).ShouldBe("COMPLETED");
        var south = await StartInAsync(South, "tr-parent");
        (await IncidentsAsync(south)).ShouldHaveSingleItem().Type.ShouldBe("CALLED_ELEMENT_ERROR", "north's child is not south's to start");
    }

    [Test]
    public async Task A_business_rule_task_evaluates_the_decision_of_its_own_tenant_only()
    {
        var decision = DmnText.File(DmnText.Table("tr-tiers", "FIRST", ["customer.tier"], ["priority"], [["\"VIP\"", "80"], ["-", "50"]]), id: "tr-tiers-drg");
        var rule = Process("tr-rule", Start() +
            "<bpmn:businessRuleTask id=\"decide\"><bpmn:extensionElements><zeebe:calledDecision decisionId=\"tr-tiers\" resultVariable=\"tier\" /></bpmn:extensionElements></bpmn:businessRuleTask>" +
            End() + Flows("start->decide->end"));
        await DeployToAsync(North, "tiers.dmn", decision);
        await DeployToAsync(North, "rule.bpmn", rule);
        await DeployToAsync(South, "rule.bpmn", rule);

        (await StateAsync(await StartInAsync(North, "tr-rule"))).ShouldBe("COMPLETED");
        (await IncidentsAsync(await StartInAsync(South, "tr-rule"))).ShouldHaveSingleItem().Type.ShouldBe("CALLED_DECISION_ERROR");
        (await Engine.EvaluateDecisionAsync("tr-tiers", null, null, CancellationToken.None, South)).Error.ShouldBe(CommandError.NotFound);
    }

    [Test]
    public async Task A_message_starts_and_a_signal_reaches_processes_of_its_tenant_only()
    {
        var inbound = Process("tr-inbound", "<bpmn:startEvent id=\"start\"><bpmn:messageEventDefinition messageRef=\"m\" /></bpmn:startEvent>" +
            "<bpmn:intermediateCatchEvent id=\"wait\"><bpmn:signalEventDefinition signalRef=\"s\" /></bpmn:intermediateCatchEvent>" + End() +
            Flows("start->wait->end"), Message("m", "tr-order") + "<bpmn:signal id=\"s\" name=\"tr-release\" />");
        await DeployToAsync(North, "inbound.bpmn", inbound);
        await DeployToAsync(South, "inbound.bpmn", inbound);

        var published = await Engine.PublishMessageAsync("tr-order", "k-1", null, TimeSpan.Zero, null, CancellationToken.None, North);
        published.Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem();
        (await CountAsync("SELECT count(*) FROM process_instance WHERE bpmn_process_id = 'tr-inbound' AND tenant_id = @South", new { South })).ShouldBe(0);
        var southStarted = await Engine.PublishMessageAsync("tr-order", "k-1", null, TimeSpan.Zero, null, CancellationToken.None, South);
        southStarted.Value!.CorrelatedProcessInstanceKeys.ShouldHaveSingleItem("the same correlation key is free in south");

        (await Engine.BroadcastSignalAsync("tr-release", null, CancellationToken.None, North)).Ok.ShouldBeTrue();
        (await StateAsync(published.Value.CorrelatedProcessInstanceKeys[0])).ShouldBe("COMPLETED");
        (await StateAsync(southStarted.Value.CorrelatedProcessInstanceKeys[0])).ShouldBe("ACTIVE", "north's signal is not heard in south");
    }

    [Test]
    public async Task Commands_in_a_tenant_scope_find_nothing_of_another_tenant()
    {
        await DeployToAsync(South, "work.bpmn", Process("tr-work", Start() + Task("do", "tr-work") + End() + Flows("start->do->end")));
        var south = await StartInAsync(South, "tr-work");
        using (TenantScope.Enter([North]))
        {
            (await Engine.CancelInstanceAsync(south, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
            (await Engine.ActivateJobsAsync("tr-work", "w", TimeSpan.FromMinutes(1), 10, null, CancellationToken.None)).ShouldBeEmpty();
            (await Engine.CreateInstanceAsync("tr-work", null, null, null, CancellationToken.None, tenantId: South)).Error.ShouldBe(CommandError.Forbidden);
        }
        var jobs = await Engine.ActivateJobsAsync("tr-work", "w", TimeSpan.FromMinutes(1), 10, null, CancellationToken.None, [North]);
        jobs.ShouldBeEmpty("a worker for north gets no south job");
        var job = (await Engine.ActivateJobsAsync("tr-work", "w", TimeSpan.FromMinutes(1), 10, null, CancellationToken.None, [South])).ShouldHaveSingleItem();
        job.TenantId.ShouldBe(South);
        using (TenantScope.Enter([North]))
        {
            (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Error.ShouldBe(CommandError.NotFound);
        }
        (await Engine.CompleteJobAsync(job.Key, null, CancellationToken.None)).Ok.ShouldBeTrue();
    }
}
