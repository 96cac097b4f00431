using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Security;

namespace Processes.Host.Camunda;

/// <summary>Camunda's deletion body: only an operation reference (int64 ≥ 1), echoed nowhere, as in 8.8.</summary>
public sealed record DeleteResourceRequest(long? OperationReference);

public sealed record ResourceItem(string ResourceKey, string ResourceId, string ResourceName, int Version, string? VersionTag, string TenantId);

/// <summary>
/// /v2/resources/{key}: a deployed model by its key — a process definition's, a decision requirements graph's or a
/// form's — and the file it came from (a download, as every model document) — and its deletion (admins): see
/// <see cref="IProcessEngine.DeleteResourceAsync"/>.
/// </summary>
internal static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v2/resources").WithTags("Resources").RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{key}", GetAsync);
        group.MapGet("/{key}/content", ContentAsync);
        group.MapPost("/{key}/deletion", DeleteAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<Results<Ok<ResourceItem>, ProblemHttpResult>> GetAsync(string key, ClaimsPrincipal user, DefinitionQueries definitions, CancellationToken cancellationToken)
    {
        var found = CamundaResults.TryKey(key, out var resourceKey) ? await definitions.FindResourceAsync(user.Caller(), resourceKey, cancellationToken) : null;
        return found is null
            ? CamundaResults.NotFound($"No deployed resource with key {key}.")
            : TypedResults.Ok(new ResourceItem(CamundaResults.Key(found.Key), found.ResourceId, found.ResourceName, found.Version, found.VersionTag,
                found.TenantId));
    }

    /// <summary>200 with no body (as Camunda 8.8); 404 for a key the caller's tenants do not hold; 409 while instances run.</summary>
    private static async Task<Results<Ok, ProblemHttpResult>> DeleteAsync(string key, DeleteResourceRequest? request, HttpContext http, IProcessEngine engine,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var resourceKey))
        {
            return CamundaResults.BadRequest($"resourceKey '{key}' is not a key (a positive int64).");
        }
        if (request?.OperationReference is < 1)
        {
            return CamundaResults.BadRequest($"operationReference must be at least 1, not {request.OperationReference}.");
        }
        var result = await engine.DeleteResourceAsync(http.User.Caller(), resourceKey, AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.Ok() : CamundaResults.Refused(result);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ContentAsync(string key, ClaimsPrincipal user, DefinitionQueries definitions, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var found = CamundaResults.TryKey(key, out var resourceKey) ? await definitions.FindResourceAsync(user.Caller(), resourceKey, cancellationToken) : null;
        if (found is null)
        {
            return CamundaResults.NotFound($"No deployed resource with key {key}.");
        }
        using var reader = new StreamReader(new MemoryStream(found.Content), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (found.ResourceName.EndsWith(".bpmn", StringComparison.OrdinalIgnoreCase) || found.ResourceName.EndsWith(".dmn", StringComparison.OrdinalIgnoreCase))
        {
            return ModelDocuments.Xml(response, text, found.ResourceName);
        }
        // A form (JSON) goes as text: it is the file, not an answer to parse.
        ModelDocuments.MarkAsDownload(response, found.ResourceName);
        return TypedResults.Text(text, "text/plain", Encoding.UTF8);
    }
}
