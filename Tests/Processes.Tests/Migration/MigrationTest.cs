using Processes.Engine.Execution.Migration;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;
using Processes.Tests.Execution;

namespace Processes.Tests.Migration;

/// <summary>The migration tests' shared steps: deploy two versions, start on one, migrate as an admin.</summary>
public abstract class MigrationTest : EngineTest
{
    private protected static readonly Caller Admin = Caller.System;
    private protected static readonly AuditActor Auditor = new("migration-test");

    private protected async Task<(long V1, long V2)> DeployTwoAsync(string processId, string version1, string version2)
    {
        await DeployAsync(version1, $"{processId}.bpmn");
        await DeployAsync(version2, $"{processId}.bpmn");
        var v1 = (await Definitions.FindAsync(processId, 1, CancellationToken.None)).ShouldNotBeNull();
        var v2 = (await Definitions.FindAsync(processId, 2, CancellationToken.None)).ShouldNotBeNull();
        return (v1.ProcessDefinitionKey, v2.ProcessDefinitionKey);
    }

    private protected async Task<long> StartOnAsync(string processId, int version, string? variables = null)
    {
        var result = await Engine.CreateInstanceAsync(processId, version, variables is null ? null : Vars(variables), null, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!.ProcessInstanceKey;
    }

    private protected async Task<InstanceMigration> MigrateAsync(long key, long target, params (string From, string To)[] mapping)
    {
        var result = await Engine.MigrateInstanceAsync(Admin, key,
            new MigrationPlan(target, [.. mapping.Select(m => new MigrationMappingInstruction(m.From, m.To))]), dryRun: false, Auditor, CancellationToken.None);
        result.Ok.ShouldBeTrue(result.Message);
        return result.Value!;
    }
}
