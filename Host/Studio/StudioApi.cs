using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Templates;
using Processes.Engine.Queries;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Studio;

/// <summary>A deployed version of a form or decision file in the designer's lists (keys as strings, as in the v2 API).</summary>
public sealed record StudioModelItem(string Kind, string Id, string? Name, int Version, string Key, string ResourceName, string? DecisionKey, bool IsLatest);

/// <summary>
/// What the designer needs beyond the v2 API (/api/designer, designers): the deployed forms and decision files with
/// every version and file name (Camunda has no form search), a form version's schema, and the activities' element
/// templates. Deploying still goes through POST /v2/deployments.
/// </summary>
internal static class StudioApi
{
    public static IEndpointRouteBuilder MapStudioApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/designer").WithTags("Designer").RequireAuthorization(Policies.Designer);
        group.MapGet("/models", ModelsAsync);
        group.MapGet("/forms/{key}", FormAsync);
        group.MapGet("/element-templates", () => TypedResults.Json(ElementTemplates.AsArray()));
        return app;
    }

    private static async Task<Ok<IReadOnlyList<StudioModelItem>>> ModelsAsync(System.Security.Claims.ClaimsPrincipal user, DesignerModelQueries queries,
        CancellationToken cancellationToken)
    {
        var rows = await queries.VersionsAsync(user.Caller(), cancellationToken);
        var latest = rows.GroupBy(r => (r.Kind, r.Id)).ToDictionary(g => g.Key, g => g.Max(r => r.Version));
        return TypedResults.Ok<IReadOnlyList<StudioModelItem>>([.. rows.Select(r => new StudioModelItem(
            r.Kind, r.Id, r.Name, r.Version, CamundaResults.Key(r.Key), r.ResourceName,
            r.DecisionKey is { } decision ? CamundaResults.Key(decision) : null, latest[(r.Kind, r.Id)] == r.Version))]);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> FormAsync(string key, System.Security.Claims.ClaimsPrincipal user, DesignerModelQueries queries,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var formKey))
        {
            return Problems.Invalid("key", $"'{key}' is not a form key.");
        }
        var form = await queries.FormAsync(user.Caller(), formKey, cancellationToken);
        return form is null
            ? Problems.NotFound("form", key)
            : TypedResults.Text(form.Schema, "application/json");
    }
}
