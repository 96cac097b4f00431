using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Queries;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>
/// A case action (<see cref="CaseAction"/>: a message to the case, or completing its open user task) as one command:
/// the action and its <c>case.action</c> audit row commit in one transaction, so the log never records an action
/// that rolled back, nor misses one that happened.
/// </summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<bool>> ActOnCaseAsync(Caller caller, long processInstanceKey, CaseAction action, JsonObject variables, AuditActor audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(audit);
        return ExecuteAsync<bool>("Case action", variables, async (x, connection, transaction) =>
        {
            if (action.Kind == "message")
            {
                if (!TenantScope.Allows(action.TenantId))
                {
                    return CommandResult<bool>.Fail(CommandError.Forbidden, $"You may not correlate messages in tenant '{action.TenantId}'.");
                }
                await LockCorrelationAsync(connection, transaction, action.TenantId, action.MessageName!, action.CorrelationKey!, cancellationToken);
                var (correlated, refused) = await CorrelateAsync(x, connection, transaction, action.TenantId, x.Keys.Next(), action.MessageName!,
                    action.CorrelationKey!, variables, buffered: false, cancellationToken);
                if (refused is not null)
                {
                    return CommandResult<bool>.Invalid(refused);
                }
                if (correlated.Count == 0)
                {
                    return CommandResult<bool>.Fail(CommandError.NotFound,
                        $"The case no longer waits for message '{action.MessageName}' with correlation key '{action.CorrelationKey}'.");
                }
            }
            else
            {
                var completed = await CompleteTaskAsync(x, connection, transaction, caller, action.UserTaskKey!.Value, variables, null, audit, cancellationToken);
                if (!completed.Ok)
                {
                    return completed;
                }
            }
            await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "case.action", "process-instance",
                processInstanceKey.ToString(CultureInfo.InvariantCulture),
                JsonSerializer.Serialize(new { action = action.Id, action.Kind, action.ElementId }, JsonSerializerOptions.Web)), cancellationToken);
            return CommandResult<bool>.Success(true);
        }, cancellationToken);
    }

    public Task<CommandResult<bool>> SetCaseVariableAsync(Caller caller, long processInstanceKey, string name, JsonNode? value, AuditActor audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return ExecuteAsync<bool>("Set case variable", new JsonObject { [name] = value?.DeepClone() }, async (x, connection, transaction) =>
        {
            if (!await MigrationStore.IsVisibleAsync(connection, transaction, caller, processInstanceKey, cancellationToken))
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, $"Process instance {processInstanceKey} does not exist.");
            }
            if (await LoadAsync(x, connection, transaction, processInstanceKey, cancellationToken) is not { } instance || instance.Find(processInstanceKey) is not { } scope)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState, $"Process instance {processInstanceKey} has ended; its variables no longer change.");
            }
            x.SetVariable(instance, scope.Key, name, value?.DeepClone(), local: true);
            await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "case.variable.set", "process-instance",
                processInstanceKey.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(new { name }, JsonSerializerOptions.Web)), cancellationToken);
            return CommandResult<bool>.Success(true);
        }, cancellationToken);
    }
}
