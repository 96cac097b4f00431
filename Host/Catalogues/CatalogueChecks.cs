using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Catalogues;
using Processes.Engine.Deployment;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Catalogues;

/// <summary>
/// The catalogue check of a start and of a task completion through the API: the values the start form's (or the task
/// form's) catalogue fields would offer are the only ones accepted, whoever submits them (a page or a script). A 422
/// names each field and value; nothing is started or completed.
/// </summary>
internal static class CatalogueChecks
{
    public static async Task<ProblemHttpResult?> StartAsync(Caller caller, string tenantId, string processId, int? version, JsonObject? variables,
        ProcessDefinitions definitions, StartQueries starts, DefinitionQueries forms, CatalogueStore catalogues, CancellationToken cancellationToken)
    {
        if (variables is null || await definitions.FindAsync(tenantId, processId, version, cancellationToken) is not { } definition
            || await starts.FindAsync(caller, definition.ProcessDefinitionKey, cancellationToken) is not { StartFormId: { } formId })
        {
            return null;
        }
        return await CheckAsync(tenantId, formId, variables, forms, catalogues, cancellationToken);
    }

    public static async Task<ProblemHttpResult?> CompletionAsync(Caller caller, long taskKey, JsonObject? variables, UserTaskQueries tasks,
        DefinitionQueries forms, CatalogueStore catalogues, CancellationToken cancellationToken)
    {
        const string linked = "form:";
        if (variables is null || await tasks.FindAsync(caller, taskKey, cancellationToken) is not { } task
            || task.FormKey is not { } formKey || !formKey.StartsWith(linked, StringComparison.Ordinal))
        {
            return null;
        }
        return await CheckAsync(task.TenantId, formKey[linked.Length..], variables, forms, catalogues, cancellationToken);
    }

    private static async Task<ProblemHttpResult?> CheckAsync(string tenantId, string formId, JsonObject variables, DefinitionQueries forms,
        CatalogueStore catalogues, CancellationToken cancellationToken)
    {
        if (await forms.LatestFormAsync(tenantId, formId, cancellationToken) is not { } form)
        {
            return null;
        }
        var errors = await CatalogueForms.CheckAsync(catalogues, tenantId, form.Schema, variables, cancellationToken);
        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }
}
