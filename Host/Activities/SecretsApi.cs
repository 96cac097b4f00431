using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Shared;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Activities;

/// <summary>A connector secret as admins see it: whether it is set and where, never its value.</summary>
public sealed record SecretItem(
    string Name,
    bool Stored,
    bool Configured,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? UpdatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? UpdatedBy);

public sealed record SecretValueRequest(string? Value);

/// <summary>
/// Connector secrets for admins (<c>/api/secrets</c>): the names in use (set in configuration, stored, or both) and
/// write-only values — a PUT stores (encrypted) or replaces, a DELETE removes; no answer ever carries a value. A stored
/// value resolves at the next job run, so a job that failed for a missing secret continues after "retry incident".
/// Stored values belong to a tenant (<c>?tenantId=</c>, else the session's, else the default one; an unknown tenant is a
/// 404 naming it): a job resolves its own tenant's. Configured values are shared by every tenant and win.
/// </summary>
internal static class SecretsApi
{
    public static IEndpointRouteBuilder MapSecretsApi(this IEndpointRouteBuilder app)
    {
        var secrets = app.MapGroup("/api/secrets").WithTags("Connector secrets").RequireAuthorization(Policies.Admin);
        secrets.MapGet("/", ListAsync);
        secrets.MapPut("/{name}", SetAsync);
        secrets.MapDelete("/{name}", DeleteAsync);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<SecretItem>>, ProblemHttpResult>> ListAsync(string? tenantId, HttpContext http, ConnectorSecrets secrets,
        TenantRequests tenants, CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var stored = secrets.Store is { } store ? await store.ListAsync(tenant!, cancellationToken) : [];
        var configured = secrets.ConfiguredNames.ToHashSet(StringComparer.Ordinal);
        var names = stored.Select(s => s.Name).Concat(configured).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return TypedResults.Ok<IReadOnlyList<SecretItem>>([.. names.Select(name => stored.FirstOrDefault(s => s.Name == name) is { } row
            ? new SecretItem(name, true, configured.Contains(name), Camunda.CamundaResults.Iso((DateTime?)row.UpdatedAt), row.UpdatedBy)
            : new SecretItem(name, false, true, null, null))]);
    }

    private static async Task<Results<NoContent, Created, ProblemHttpResult>> SetAsync(string name, string? tenantId, SecretValueRequest? body, HttpContext http,
        ConnectorSecrets secrets, TenantRequests tenants, CancellationToken cancellationToken)
    {
        if (!ConnectorSecretStore.IsValidName(name))
        {
            return Problems.Invalid("name", $"'{name}' cannot be a secret name: 1 to 100 letters, digits, '_' or '-' (as in {{{{secrets.NAME}}}}).");
        }
        if (string.IsNullOrEmpty(body?.Value))
        {
            return Problems.Invalid("value", "A secret needs a value; to remove it, DELETE it.");
        }
        if (body.Value.Length > ConnectorSecretStore.MaxValueLength)
        {
            return Problems.Invalid("value", $"A secret value has at most {ConnectorSecretStore.MaxValueLength} characters (got {body.Value.Length}).");
        }
        if (secrets.Store is not { } store)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Secrets cannot be stored",
                detail: "This host has no Data Protection key ring to encrypt them; configure Processes:Secrets instead.");
        }
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var created = await store.SetAsync(tenant!, name, body.Value, AuditEntry.ActorFor(http), cancellationToken);
        return created ? TypedResults.Created($"/api/secrets/{Uri.EscapeDataString(name)}") : TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, string? tenantId, HttpContext http, ConnectorSecrets secrets,
        TenantRequests tenants, CancellationToken cancellationToken)
    {
        var (tenant, problem) = await tenants.TargetAsync(http.User, tenantId, "tenantId", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return secrets.Store is { } store && await store.DeleteAsync(tenant!, name, AuditEntry.ActorFor(http), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("stored secret", name);
    }
}
