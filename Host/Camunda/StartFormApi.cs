using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;
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
    private static async Task<Results<Ok<UserTaskFormResponse>, NoContent, ProblemHttpResult>> GetAsync(string key, StartQueries starts,
        DefinitionQueries definitions, System.Security.Claims.ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var definitionKey))
        {
            return CamundaResults.BadRequest($"'{key}' is not a process definition key.");
        }
        if (await definitions.FindProcessAsync(user.Caller(), definitionKey, cancellationToken) is null)
        {
            return CamundaResults.NotFound($"No process definition with key {key}.");
        }
        // A definition started only by messages or timers has no start form: 204, as for a plain start event without one.
        if (await starts.FindAsync(definitionKey, cancellationToken) is not { StartFormId: { } formId } process)
        {
            return CamundaResults.NoForm(response);
        }
        var form = await definitions.LatestFormAsync(formId, cancellationToken);
        return form is null
            ? CamundaResults.NotFound($"The start event of '{process.BpmnProcessId}' refers to the form '{formId}', which is not deployed.")
            : TypedResults.Ok(new UserTaskFormResponse(CamundaResults.Key(form.FormKey), form.FormId, form.Version, form.Schema, CamundaResults.DefaultTenant));
    }
}
