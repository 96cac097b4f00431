using System.Text.Json.Nodes;
using Processes.Activities.Catalogues;
using Processes.Engine.Execution;

namespace Processes.Host.Catalogues;

/// <summary>
/// The catalogue check the engine runs inside a completion's and a start's command: the values a form's catalogue
/// fields would offer are the only ones accepted, whoever submits them (a page, a script, a message, a webhook, a
/// <c>start-process</c> job). The engine reads the task or the definition and its form; this reads the catalogues.
/// </summary>
internal sealed class CatalogueFormValues(CatalogueStore catalogues) : IFormValueCheck
{
    public async Task<IReadOnlyDictionary<string, string[]>> CheckAsync(string tenantId, string formSchema, JsonObject variables,
        CancellationToken cancellationToken) =>
        await CatalogueForms.CheckAsync(catalogues, tenantId, formSchema, variables, cancellationToken);
}
