using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Catalogues;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Catalogues;

/// <summary>A new version of a catalogue: <see cref="Version"/> is the version the editor read (0 or absent for a new one).</summary>
public sealed record CatalogueRequest(string? Title, string? Parent, IReadOnlyList<CatalogueEntry>? Entries, int? Version);

/// <summary>
/// /api/catalogues: the managed catalogues of a tenant (<c>?tenantId=</c>, else the session's tenant). Anyone signed in
/// reads them (forms offer them); admins change them: every change is a new version (who, when, what), audited, and
/// a save based on an older version than the latest is a 409 rather than a lost update.
/// </summary>
internal static class CataloguesApi
{
    public static IEndpointRouteBuilder MapCataloguesApi(this IEndpointRouteBuilder app)
    {
        var catalogues = app.MapGroup("/api/catalogues").WithTags("Catalogues");
        catalogues.MapGet("/", ListAsync).RequireAuthorization(Policies.Authenticated);
        catalogues.MapGet("/{name}", GetAsync).RequireAuthorization(Policies.Authenticated);
        catalogues.MapGet("/{name}/versions", HistoryAsync).RequireAuthorization(Policies.Authenticated);
        catalogues.MapGet("/{name}/versions/{version:int}", GetVersionAsync).RequireAuthorization(Policies.Authenticated);
        catalogues.MapPut("/{name}", PutAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static Task<Results<Ok<IReadOnlyList<Catalogue>>, ProblemHttpResult>> ListAsync(string? tenantId, HttpContext http, CatalogueStore store,
        TenantRequests tenants, CancellationToken cancellationToken) => tenants.ListAsync(http, tenantId, store.ListAsync, cancellationToken);

    private static Task<Results<Ok<Catalogue>, ProblemHttpResult>> GetAsync(string name, string? tenantId, HttpContext http, CatalogueStore store,
        TenantRequests tenants, CancellationToken cancellationToken) => GetVersionAsync(name, null, tenantId, http, store, tenants, cancellationToken);

    private static Task<Results<Ok<Catalogue>, ProblemHttpResult>> GetVersionAsync(string name, int? version, string? tenantId, HttpContext http,
        CatalogueStore store, TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.FindAsync(http, tenantId, "catalogue", version is null ? name : $"{name} version {version}",
            (tenant, ct) => store.FindAsync(tenant, name, version, ct), cancellationToken);

    // Every version, newest first; a catalogue without any does not exist.
    private static Task<Results<Ok<IReadOnlyList<Catalogue>>, ProblemHttpResult>> HistoryAsync(string name, string? tenantId, HttpContext http,
        CatalogueStore store, TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.FindAsync<IReadOnlyList<Catalogue>>(http, tenantId, "catalogue", name,
            async (tenant, ct) => await store.HistoryAsync(tenant, name, ct) is { Count: > 0 } history ? history : null, cancellationToken);

    private static Task<Results<Ok<Catalogue>, ProblemHttpResult>> PutAsync(string name, string? tenantId, CatalogueRequest body, HttpContext http,
        CatalogueStore store, TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<Catalogue>>(http, tenantId, tenant => SaveAsync(name, tenant, body, http, store, audit, cancellationToken), cancellationToken);

    private static async Task<Results<Ok<Catalogue>, ProblemHttpResult>> SaveAsync(string name, string tenant, CatalogueRequest body, HttpContext http,
        CatalogueStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var parentName = string.IsNullOrWhiteSpace(body.Parent) ? null : body.Parent.Trim();
        var catalogue = new Catalogue(name, body.Title?.Trim() ?? "", parentName,
            [.. (body.Entries ?? []).Select(e => e is null ? null! : e with { Value = e.Value?.Trim()!, Label = e.Label?.Trim()!, Parent = string.IsNullOrWhiteSpace(e.Parent) ? null : e.Parent.Trim() })])
        {
            TenantId = tenant,
        };
        var parent = parentName is null || !CatalogueRules.IsName(parentName) ? null : await store.FindAsync(tenant, parentName, null, cancellationToken);
        var errors = CatalogueRules.Check(catalogue, parent);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var saved = await store.SaveAsync(catalogue, AuditEntry.ActorOf(http.User), body.Version, cancellationToken);
        if (saved.Saved is not { } created)
        {
            return Problems.Conflict("version", $"The catalogue '{name}' was changed since version {body.Version}; read it again.");
        }
        await audit.RecordAsync(AuditEntry.For(http, "catalogue.saved", "catalogue", name,
            new { tenantId = tenant, created.Version, created.Title, created.Parent, created.Entries }), cancellationToken);
        return TypedResults.Ok(created);
    }
}
