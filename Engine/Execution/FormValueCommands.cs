using System.Text.Json.Nodes;
using Npgsql;
using Processes.Engine.Execution.State;
using Processes.Engine.Deployment;

namespace Processes.Engine.Execution;

/// <summary>
/// The form-value step of the completion's precondition chain and of a start: the linked form of the task (or the
/// process's start form) is read in the command's transaction and its values are checked by <see cref="FormValues"/>.
/// </summary>
internal sealed partial class ProcessEngine
{
    private const string LinkedForm = "form:";

    /// <summary>The host's check of form values (catalogues); without one, values are not checked beyond the engine's limits.</summary>
    public IFormValueCheck? FormValues { get; set; }

    /// <summary>Null when the linked form of a task (<c>form:&lt;id&gt;</c>) accepts <paramref name="variables"/>; else the refused fields.</summary>
    private Task<IReadOnlyDictionary<string, string[]>?> TaskFormRefusesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId,
        string? formKey, JsonObject? variables, CancellationToken cancellationToken) =>
        formKey is not null && formKey.StartsWith(LinkedForm, StringComparison.Ordinal)
            ? FormRefusesAsync(connection, transaction, tenantId, formKey[LinkedForm.Length..], variables, cancellationToken)
            : Task.FromResult<IReadOnlyDictionary<string, string[]>?>(null);

    /// <summary>
    /// Null when the process's start form (on its none start event) accepts <paramref name="variables"/>: a start by the
    /// API, a message, a webhook or another process carries the values the start form would have offered.
    /// </summary>
    private Task<IReadOnlyDictionary<string, string[]>?> StartFormRefusesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        ExecutableDefinition definition, JsonObject? variables, CancellationToken cancellationToken) =>
        definition.Model.Scope.NoneStartEvent?.StartFormId is { } formId
            ? FormRefusesAsync(connection, transaction, definition.TenantId, formId, variables, cancellationToken)
            : Task.FromResult<IReadOnlyDictionary<string, string[]>?>(null);

    private async Task<IReadOnlyDictionary<string, string[]>?> FormRefusesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId,
        string formId, JsonObject? variables, CancellationToken cancellationToken)
    {
        if (FormValues is not { } check || variables is null || variables.Count == 0
            || await FormDeployment.LatestAsync(connection, transaction, tenantId, formId, cancellationToken) is not { } form)
        {
            return null;
        }
        var refused = await check.CheckAsync(tenantId, form.Schema, variables, cancellationToken);
        return refused.Count == 0 ? null : refused;
    }
}
