using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

public sealed record DecisionRequirementsItem(
    string DecisionRequirementsKey, string DecisionRequirementsId, string? DecisionRequirementsName, int Version, string ResourceName, string TenantId);

/// <summary>A v2 search: the filter is read against the decision requirements read model's declared fields; an unknown one is a 400.</summary>
public sealed record DecisionRequirementsSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>/v2/decision-requirements: the deployed DRGs (a DMN file each) — search, get, and the file itself.</summary>
internal static class DecisionRequirementsApi
{
    public static IEndpointRouteBuilder MapDecisionRequirementsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/decision-requirements").WithTags("Decision requirements").RequireAuthorization(Policies.Authenticated);
        group.MapPost("/search", SearchAsync);
        group.MapGet("/{key}", GetAsync);
        group.MapGet("/{key}/xml", XmlAsync);
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<DecisionRequirementsItem>>, ProblemHttpResult>> SearchAsync(DecisionRequirementsSearchRequest? request,
        ClaimsPrincipal user, DefinitionQueries definitions, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(DefinitionQueries.RequirementsModel, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => definitions.RequirementsAsync(caller, query, cancellationToken), query, Item);
    }

    private static async Task<Results<Ok<DecisionRequirementsItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, DefinitionQueries definitions,
        CancellationToken cancellationToken)
    {
        var found = CamundaResults.TryKey(key, out var requirementsKey) ? await definitions.FindRequirementsAsync(user.Caller(), requirementsKey, cancellationToken) : null;
        return found is null ? CamundaResults.NotFound($"No decision requirements with key {key}.") : TypedResults.Ok(Item(found));
    }

    private static DecisionRequirementsItem Item(DecisionRequirementsRow r) => new(CamundaResults.Key(r.Key), r.DecisionRequirementsId, r.Name, r.Version,
        r.ResourceName, r.TenantId);

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> XmlAsync(string key, Processes.Engine.Dmn.DecisionDefinitions decisions, DefinitionQueries definitions,
        ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken)
    {
        // Another tenant's graph does not exist for the caller: the read side's visibility rule decides first.
        var visible = CamundaResults.TryKey(key, out var requirementsKey) ? await definitions.FindRequirementsAsync(user.Caller(), requirementsKey, cancellationToken) : null;
        var stored = visible is not null ? await decisions.FindRequirementsXmlAsync(requirementsKey, cancellationToken) : null;
        if (stored is null)
        {
            return CamundaResults.NotFound($"No decision requirements with key {key}.");
        }
        using var reader = new StreamReader(new MemoryStream(stored.Content), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return ModelDocuments.Xml(response, await reader.ReadToEndAsync(cancellationToken), stored.ResourceName);
    }
}
