using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

public sealed record CreateApiKeyRequest(string? Name);

/// <summary>/api/users/{id}/api-keys: admins issue keys (the secret is shown once), list and revoke them.</summary>
internal static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/users/{userId:long}/api-keys").WithTags("API keys").RequireAuthorization(Policies.Admin);
        keys.MapGet("/", ListAsync);
        keys.MapPost("/", CreateAsync);
        keys.MapDelete("/{keyId:long}", RevokeAsync);
        return app;
    }

    private static async Task<Results<Ok<Page<ApiKeyView>>, ProblemHttpResult>> ListAsync(
        long userId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await UserExistsAsync(connection, userId, cancellationToken))
        {
            return Problems.NotFound("user", userId);
        }
        // A user has a handful of keys: one page, no cursor.
        return TypedResults.Ok(new Page<ApiKeyView>(await ApiKeys.ListAsync(connection, userId, cancellationToken), null));
    }

    private static async Task<Results<Created<CreatedApiKey>, ProblemHttpResult>> CreateAsync(
        long userId, CreateApiKeyRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Problems.Invalid("name", "Required, at most 100 characters: what the key is for, e.g. \"camunda-worker-refunds\".");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await UserExistsAsync(connection, userId, cancellationToken))
        {
            return Problems.NotFound("user", userId);
        }
        var key = await ApiKeys.InsertAsync(transaction, userId, request.Name.Trim(), cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "apikey.created", "api_key", Id(key.Id), new { userId, key.Name, key.Prefix }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/users/{userId}/api-keys/{key.Id}", key);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        long userId, long keyId, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await ApiKeys.RevokeAsync(transaction, userId, keyId, cancellationToken))
        {
            return Problems.NotFound("API key", keyId);
        }
        await audit.RecordAsync(AuditEntry.For(http, "apikey.revoked", "api_key", Id(keyId), new { userId }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static Task<bool> UserExistsAsync(NpgsqlConnection connection, long id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM app_user WHERE id = @id)", new { id }, cancellationToken: cancellationToken));

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
