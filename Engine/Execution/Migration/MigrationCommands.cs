using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Execution.Migration;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>
/// Instance migration (Camunda 8's process instance migration): one instance per command, so one transaction per
/// instance — a batch stopped half-way leaves each instance either moved or untouched. Keys stay (jobs, tasks,
/// timers, subscriptions keep theirs); ids, definition and version change; the target's new events are subscribed.
/// </summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<InstanceMigration>> MigrateInstanceAsync(Caller caller, long processInstanceKey, MigrationPlan plan, bool dryRun,
        AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(plan);
        return ExecuteAsync<InstanceMigration>(dryRun ? "Check process instance migration" : "Migrate process instance", async (x, connection, transaction) =>
        {
            if (!await MigrationStore.IsVisibleAsync(connection, transaction, caller, processInstanceKey, cancellationToken) ||
                await LoadAsync(x, connection, transaction, processInstanceKey, cancellationToken) is not { } instance)
            {
                return CommandResult<InstanceMigration>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist.");
            }
            if (!instance.IsActive)
            {
                return CommandResult<InstanceMigration>.Fail(CommandError.InvalidState,
                    $"Process instance {processInstanceKey} is not active (it is {instance.Row.State.ToStored()}); only active instances move.");
            }
            var target = await _store.DefinitionAsync(plan.TargetProcessDefinitionKey, cancellationToken);
            if (target is null || !caller.InTenant(target.TenantId))
            {
                return CommandResult<InstanceMigration>.Fail(CommandError.InvalidArgument,
                    $"targetProcessDefinitionKey: no process definition has the key {plan.TargetProcessDefinitionKey}.");
            }
            if (target.TenantId != instance.Row.TenantId)
            {
                // Tenants never share a case: an instance moves only to a version of its own tenant.
                return CommandResult<InstanceMigration>.Fail(CommandError.InvalidArgument,
                    $"targetProcessDefinitionKey: process definition {plan.TargetProcessDefinitionKey} belongs to tenant '{target.TenantId}', " +
                    $"process instance {processInstanceKey} to tenant '{instance.Row.TenantId}'; an instance migrates only within its tenant.");
            }
            var source = instance.Definition;
            if (source.Key == target.Key)
            {
                return CommandResult<InstanceMigration>.Success(new InstanceMigration(instance.Key, source.BpmnProcessId, source.Version, source.Key, target.Key,
                    target.Version, false, []) { AlreadyOnTarget = true });
            }
            var check = MigrationRules.Check(instance, target, plan);
            InstanceMigration Outcome(bool migrated) => new(instance.Key, source.BpmnProcessId, source.Version, source.Key, target.Key, target.Version,
                migrated, check.Problems);
            if (check.Problems.Count > 0 || dryRun)
            {
                return CommandResult<InstanceMigration>.Success(Outcome(false));
            }
            await MigrationStore.MoveAsync(connection, transaction, instance, target, check, cancellationToken);

            // The moved instance is read back, so what follows (new subscriptions, history) sees the target model.
            var moved = await _store.LoadAsync(connection, transaction, processInstanceKey, cancellationToken)
                ?? throw new InvalidOperationException($"Process instance {processInstanceKey} vanished inside its own migration.");
            x.Instances[processInstanceKey] = moved;
            moved.IsChanged = true;
            var details = new JsonObject
            {
                ["sourceProcessDefinitionKey"] = source.Key,
                ["sourceVersion"] = source.Version,
                ["targetProcessDefinitionKey"] = target.Key,
                ["targetVersion"] = target.Version,
                ["mappingInstructions"] = new JsonArray([.. plan.MappingInstructions.Select(m =>
                    (JsonNode)new JsonObject { ["sourceElementId"] = m.SourceElementId, ["targetElementId"] = m.TargetElementId })]),
            };
            x.History(moved, moved.Root, HistoryEvents.ProcessInstanceMigrated, details);
            foreach (var owned in check.Subscriptions.Where(s => s.Opened.Count > 0))
            {
                if (moved.Find(owned.OwnerKey) is { } owner)
                {
                    x.OpenSubscriptions(moved, owner, owned.Opened.Select(e => moved.Model.GetFlowNode(e.Id)));
                }
            }
            if (audit is not null)
            {
                await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "instance.migrated", "processInstance",
                    processInstanceKey.ToString(CultureInfo.InvariantCulture), details.ToJsonString()), cancellationToken);
            }
            return CommandResult<InstanceMigration>.Success(Outcome(true));
        }, cancellationToken);
    }
}
