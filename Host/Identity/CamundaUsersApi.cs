using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;

namespace Processes.Host.Identity;

public sealed record CamundaUserCreateRequest(string? Username, string? Password, string? Name, string? Email);

public sealed record CamundaUserUpdateRequest(string? Password, string? Name, string? Email);

public sealed record CamundaUserSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>Camunda's user: the user name is its id, our display name its name; no e-mail is no <c>email</c> field.</summary>
public sealed record CamundaUserResult(
    string Username,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email);

/// <summary>
/// Camunda 8.8's <c>/v2/users</c> over our users, for admins as /api/users is: the same store, the same field rules, every
/// change audited in its transaction and clearing the identity cache. A password set here is an admin's, so the user
/// changes it at the first sign-in (as with /api/users); a user without a display name is shown by the user name;
/// deleting takes the user's roles, memberships, API keys and sessions with it; no change may leave the server without
/// an enabled admin (409). Invalid fields are 400s naming the field, as every v2 endpoint answers.
/// </summary>
internal static class CamundaUsersApi
{
    public static IEndpointRouteBuilder MapCamundaUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/v2/users").WithTags("User").RequireAuthorization(Policies.Admin);
        users.MapPost("/", CreateAsync);
        users.MapPost("/search", SearchAsync);
        users.MapGet("/{username}", GetAsync);
        users.MapPut("/{username}", UpdateAsync);
        users.MapDelete("/{username}", DeleteAsync);
        return app;
    }

    private static CamundaUserResult Result(UserRecord user) => new(user.UserName, user.DisplayName, user.Email);

    private static async Task<Results<Created<CamundaUserResult>, ProblemHttpResult>> CreateAsync(CamundaUserCreateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.Name("username", request.Username, errors);
        var name = string.IsNullOrWhiteSpace(request.Name) ? request.Username : request.Name.Trim();
        Profile(name, request.Email, errors);
        if (Passwords.Weakness(request.Password) is { } weakness)
        {
            errors["password"] = [weakness];
        }
        if (errors.Count > 0)
        {
            return IdentityRequests.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await UserStore.InsertAsync(transaction, request.Username!, name!, Email(request.Email), passwords.Hash(request.Password!),
            passwordChangeRequired: true, cancellationToken);
        if (id is null)
        {
            return IdentityRequests.AlreadyExists($"username: the user name '{request.Username}' is taken (names are compared ignoring case).");
        }
        await audit.RecordAsync(AuditEntry.For(http, "user.created", "user", Id(id.Value),
            new { userName = request.Username, roles = Array.Empty<string>(), groups = Array.Empty<string>(), hasPassword = true }), transaction, cancellationToken);
        var user = (await UserStore.FindAsync(connection, id.Value, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v2/users/{Uri.EscapeDataString(user.UserName)}", Result(user));
    }

    private static async Task<Results<Ok<CamundaUserResult>, ProblemHttpResult>> GetAsync(string username, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await UserStore.FindByNameAsync(connection, username, cancellationToken) is { } user
            ? TypedResults.Ok(Result(user))
            : IdentityRequests.NoUser(username);
    }

    private static async Task<Results<Ok<CamundaUserResult>, ProblemHttpResult>> UpdateAsync(string username, CamundaUserUpdateRequest request, HttpContext http,
        NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Profile(request.Name, request.Email, errors, nameRequired: false);
        // Camunda: a blank password leaves it unchanged.
        var password = string.IsNullOrEmpty(request.Password) ? null : request.Password;
        if (password is not null && Passwords.Weakness(password) is { } weakness)
        {
            errors["password"] = [weakness];
        }
        if (errors.Count > 0)
        {
            return IdentityRequests.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await UserStore.FindByNameAsync(connection, username, cancellationToken, transaction) is not { } user ||
            await UserStore.TouchAsync(transaction, user.Id, null, cancellationToken) != WriteOutcome.Done)
        {
            return IdentityRequests.NoUser(username);
        }
        var name = string.IsNullOrWhiteSpace(request.Name) ? user.DisplayName : request.Name.Trim();
        // Camunda's update names every field it keeps: an absent e-mail is no e-mail.
        var email = Email(request.Email);
        await UserStore.UpdateProfileAsync(transaction, user.Id, name, email, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "user.updated", "user", Id(user.Id), new { DisplayName = name, Email = email }), transaction, cancellationToken);
        if (password is not null)
        {
            await UserStore.SetPasswordAsync(transaction, user.Id, passwords.Hash(password), changeRequired: true, keepSessionId: null, cancellationToken);
            await audit.RecordAsync(AuditEntry.For(http, "user.password_reset", "user", Id(user.Id)), transaction, cancellationToken);
        }
        var updated = (await UserStore.FindAsync(connection, user.Id, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.Ok(Result(updated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string username, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await UserStore.FindByNameAsync(connection, username, cancellationToken, transaction) is not { } user ||
            await UserStore.TouchAsync(transaction, user.Id, null, cancellationToken) != WriteOutcome.Done ||
            !await UserStore.DeleteAsync(transaction, user.Id, cancellationToken))
        {
            return IdentityRequests.NoUser(username);
        }
        if (!await UserStore.AnyEnabledAdminAsync(transaction, cancellationToken))
        {
            return IdentityRequests.LastAdmin(username);
        }
        await audit.RecordAsync(AuditEntry.For(http, "user.deleted", "user", Id(user.Id), new { userName = user.UserName }), transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SearchResponse<CamundaUserResult>>, ProblemHttpResult>> SearchAsync(CamundaUserSearchRequest? request,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(IdentityReadModels.Users, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        return await CamundaSearch.RespondAsync(() => OwnedTableSearch.RunAsync(dataSource, IdentityReadModels.Users, query, cancellationToken), query,
            r => new CamundaUserResult(r.Username, r.Name, r.Email));
    }

    private static void Profile(string? name, string? email, Dictionary<string, string[]> errors, bool nameRequired = true)
    {
        if (nameRequired || !string.IsNullOrWhiteSpace(name))
        {
            var named = new Dictionary<string, string[]>();
            UserValidation.DisplayName(name, named);
            foreach (var (_, messages) in named)
            {
                errors["name"] = messages;
            }
        }
        UserValidation.Email(Email(email), errors);
    }

    private static string? Email(string? email) => string.IsNullOrWhiteSpace(email) ? null : email.Trim();

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
