using System.Globalization;
using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.Behaviors;
using Processes.Engine.Execution.State;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Execution;

/// <summary>One element to activate in an ad-hoc sub-process, with variables local to the new element instance.</summary>
public sealed record AdHocActivation(string ElementId, JsonObject? Variables);

/// <summary>
/// Camunda 8.8's ad-hoc activation (<c>POST /v2/element-instances/ad-hoc-activities/{key}/activation</c>): inner elements
/// of an active ad-hoc sub-process are activated in one transaction, checked first as Zeebe checks them.
/// </summary>
internal sealed partial class ProcessEngine
{
    public Task<CommandResult<bool>> ActivateAdHocActivitiesAsync(Caller caller, long adHocSubProcessInstanceKey, IReadOnlyList<AdHocActivation> elements,
        AuditActor? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(elements);
        var variables = new JsonObject();
        foreach (var (name, value) in elements.SelectMany(e => e.Variables ?? []))
        {
            variables[name] = value?.DeepClone(); // only for the size limits: each element keeps its own
        }
        return ExecuteAsync<bool>("Activate ad-hoc activities", variables, async (x, connection, transaction) =>
        {
            var notFound = $"Expected to activate activities for ad-hoc sub-process but no ad-hoc sub-process instance found with key '{adHocSubProcessInstanceKey}'.";
            var processInstanceKey = await InstanceStore.ProcessInstanceOfElementAsync(connection, transaction, adHocSubProcessInstanceKey, cancellationToken);
            if (processInstanceKey is null ||
                !await MigrationStore.IsVisibleAsync(connection, transaction, caller, processInstanceKey.Value, cancellationToken) ||
                await LoadAsync(x, connection, transaction, processInstanceKey.Value, cancellationToken) is not { } instance ||
                instance.Find(adHocSubProcessInstanceKey) is not { } adHoc)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound, notFound);
            }
            if (adHoc.IsMultiInstanceBody || instance.ModelElement(adHoc) is not ExecutableSubProcess { AdHoc: not null } node)
            {
                return CommandResult<bool>.Fail(CommandError.NotFound,
                    $"Element instance {adHocSubProcessInstanceKey} ('{adHoc.ElementId}') is not an ad-hoc sub-process, so it has no activities to activate.");
            }
            if (adHoc.State != ElementState.Activated)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidState,
                    $"Expected to activate activities for ad-hoc sub-process with key '{adHocSubProcessInstanceKey}', but it is not active.");
            }
            if (elements.GroupBy(e => e.ElementId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidArgument,
                    $"elements: '{duplicate.Key}' is given more than once; duplicate activities are not allowed.");
            }
            if (AdHocSubProcessBehavior.Unknown(node, elements.Select(e => e.ElementId)) is { } unknown)
            {
                return CommandResult<bool>.Fail(CommandError.InvalidArgument, $"elements: {unknown}");
            }
            x.Enqueue(() => AdHocSubProcessBehavior.ActivateElements(x, instance, adHoc, [.. elements.Select(e => (e.ElementId, e.Variables))]));
            if (audit is not null)
            {
                var details = new JsonObject { ["elementIds"] = new JsonArray([.. elements.Select(e => (JsonNode)JsonValue.Create(e.ElementId))]) };
                await AuditRows.InsertAsync(connection, transaction, new AuditRow(audit, "instance.adhoc.activated", "elementInstance",
                    adHocSubProcessInstanceKey.ToString(CultureInfo.InvariantCulture), details.ToJsonString()), cancellationToken);
            }
            return CommandResult<bool>.Success(true);
        }, cancellationToken);
    }
}
