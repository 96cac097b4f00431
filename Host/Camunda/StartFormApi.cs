using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Catalogues;
using Processes.Engine.Queries;
using Processes.Host.Catalogues;
using Processes.Host.Identity;

namespace Processes.Host.Camunda;

/// <summary>Camunda's start form of a process definition: the linked form (<c>zeebe:formDefinition formId</c>) on its plain start event.</summary>
internal static class StartFormApi
{
    public static IEndpointRouteBuilder MapStartFormApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/process-definitions/{key}/form", GetAsync).RequireAuthorization(Policies.Authenticated).WithTags("Process definitions");
        return app;
    }

    /// <summary>As in Camunda: 204 when the start event links no form; a linked form never deployed is a 404 naming it.</summary>
    private static async Task<Results<Ok<UserTaskFormResponse>, NoContent, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, StartQueries starts,
        DefinitionQueries definitions, CatalogueStore catalogues, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process definition key.");
        }
        var process = await starts.FindAsync(user.Caller(), definitionKey, cancellationToken);
        if (process is null)
        {
            return CamundaResults.NotFound($"No process definition with key {definitionKey} that starts by a plain start event.");
        }
        if (process.StartFormId is not { } formId)
        {
            return CamundaResults.NoForm(response);
        }
        var form = await definitions.LatestFormAsync(process.TenantId, formId, cancellationToken);
        if (form is null)
        {
            return CamundaResults.NotFound($"The start event of '{process.BpmnProcessId}' refers to the form '{formId}', which is not deployed.");
        }
        // Catalogue fields offer the catalogue's current version: a change needs no redeployment of the form.
        var schema = await CatalogueForms.FillAsync(catalogues, process.TenantId, form.Schema, cancellationToken);
        return TypedResults.Ok(new UserTaskFormResponse(CamundaResults.Key(form.FormKey), form.FormId, form.Version, schema, process.TenantId));
    }
}
