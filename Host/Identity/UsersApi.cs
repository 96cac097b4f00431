using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Audit;

namespace Processes.Host.Identity;

public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Password,
    IReadOnlyList<string>? Roles, IReadOnlyList<string>? Groups);

public sealed record UpdateUserRequest(string? DisplayName, string? Email, int? Version);

public sealed record SetRolesRequest(IReadOnlyList<string>? Roles, int? Version);

public sealed record SetGroupsRequest(IReadOnlyList<string>? Groups, int? Version);

public sealed record ResetPasswordRequest(string? Password);

/// <summary>/api/users: the user administration, admin only. Every change is audited in its own transaction.</summary>
internal static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync);
        users.MapGet("/{id:long}", GetAsync);
        users.MapPost("/", CreateAsync);
        users.MapPut("/{id:long}", UpdateAsync);
        users.MapPost("/{id:long}/disable", (long id, HttpContext http, NpgsqlDataSource db, IAuditLog audit, CancellationToken ct) =>
            SetEnabledAsync(id, false, http, db, audit, ct));
        users.MapPost("/{id:long}/enable", (long id, HttpContext http, NpgsqlDataSource db, IAuditLog audit, CancellationToken ct) =>
            SetEnabledAsync(id, true, http, db, audit, ct));
        users.MapPut("/{id:long}/roles", SetRolesAsync);
        users.MapPut("/{id:long}/groups", SetGroupsAsync);
        users.MapPost("/{id:long}/password", ResetPasswordAsync);
        users.MapPost("/{id:long}/unlock", UnlockAsync);
        return app;
    }

    private static async Task<Results<Ok<Page<UserView>>, ProblemHttpResult>> ListAsync(
        string? after, string? limit, string? search, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (afterId, count) = Paging.Read(after, limit, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await UserStore.ListAsync(connection, afterId ?? 0, count + 1, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), cancellationToken);
        return TypedResults.Ok(Paging.PageOf(rows, count, r => r.Id, r => r.ToView()));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetAsync(
        long id, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var user = await UserStore.FindAsync(connection, id, cancellationToken);
        return user is null ? Problems.NotFound("user", id) : WithETag(http, user.ToView());
    }

    private static async Task<Results<Created<UserView>, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, HttpContext http, NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.Name("userName", request.UserName, errors);
        UserValidation.DisplayName(request.DisplayName, errors);
        UserValidation.Email(request.Email, errors);
        UserValidation.Roles(request.Roles, errors);
        if (request.Password is not null && Passwords.Weakness(request.Password) is { } weakness)
        {
            errors["password"] = [weakness];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var hash = request.Password is null ? null : passwords.Hash(request.Password);
        // The admin knows this password, so the user must replace it at the first sign-in.
        var id = await UserStore.InsertAsync(transaction, request.UserName!, request.DisplayName!.Trim(), request.Email, hash,
            passwordChangeRequired: hash is not null, cancellationToken);
        if (id is null)
        {
            return Problems.Conflict("userName", $"The user name '{request.UserName}' is taken (names are compared ignoring case).");
        }
        var roles = request.Roles?.Distinct().ToList() ?? [];
        await UserStore.SetRolesAsync(transaction, id.Value, roles, cancellationToken);
        var groups = request.Groups ?? [];
        var unknown = await UserStore.SetGroupsAsync(transaction, id.Value, groups, cancellationToken);
        if (unknown.Count > 0)
        {
            UserValidation.UnknownGroups(groups, unknown, errors);
            return Problems.Invalid(errors);
        }
        await audit.RecordAsync(AuditEntry.For(http, "user.created", "user", Id(id.Value),
            new { userName = request.UserName, roles, groups, hasPassword = hash is not null }), transaction, cancellationToken);
        var user = (await UserStore.FindAsync(connection, id.Value, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        http.Response.Headers.ETag = Versions.ETag(user.Version);
        return TypedResults.Created($"/api/users/{id}", user.ToView());
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateUserRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UserValidation.DisplayName(request.DisplayName, errors);
        UserValidation.Email(request.Email, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var (expected, fromIfMatch) = Versions.Read(http.Request, request.Version);
        if (expected is null && !fromIfMatch)
        {
            return Problems.VersionRequired("user");
        }
        return await WriteAsync(id, expected, fromIfMatch, http, dataSource, async (transaction, ct) =>
        {
            await UserStore.UpdateProfileAsync(transaction, id, request.DisplayName!.Trim(), request.Email, ct);
            await audit.RecordAsync(AuditEntry.For(http, "user.updated", "user", Id(id), new { request.DisplayName, request.Email }), transaction, ct);
            return null;
        }, cancellationToken);
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> SetEnabledAsync(
        long id, bool enabled, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var (expected, fromIfMatch) = Versions.Read(http.Request, null);
        return await WriteAsync(id, expected, fromIfMatch, http, dataSource, async (transaction, ct) =>
        {
            await UserStore.SetEnabledAsync(transaction, id, enabled, ct);
            await audit.RecordAsync(AuditEntry.For(http, enabled ? "user.enabled" : "user.disabled", "user", Id(id)), transaction, ct);
            return null;
        }, cancellationToken, lastAdminField: "enabled");
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> SetRolesAsync(
        long id, SetRolesRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Roles is null)
        {
            errors["roles"] = ["Required: the complete list of roles (may be empty)."];
        }
        UserValidation.Roles(request.Roles, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var (expected, fromIfMatch) = Versions.Read(http.Request, request.Version);
        var roles = request.Roles!.Distinct().ToList();
        return await WriteAsync(id, expected, fromIfMatch, http, dataSource, async (transaction, ct) =>
        {
            await UserStore.SetRolesAsync(transaction, id, roles, ct);
            await audit.RecordAsync(AuditEntry.For(http, "user.roles_set", "user", Id(id), new { roles }), transaction, ct);
            return null;
        }, cancellationToken);
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> SetGroupsAsync(
        long id, SetGroupsRequest request, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (request.Groups is null)
        {
            return Problems.Invalid("groups", "Required: the complete list of group names (may be empty).");
        }
        var (expected, fromIfMatch) = Versions.Read(http.Request, request.Version);
        var groups = request.Groups;
        return await WriteAsync(id, expected, fromIfMatch, http, dataSource, async (transaction, ct) =>
        {
            var unknown = await UserStore.SetGroupsAsync(transaction, id, groups, ct);
            if (unknown.Count > 0)
            {
                var errors = new Dictionary<string, string[]>();
                UserValidation.UnknownGroups(groups, unknown, errors);
                return Problems.Invalid(errors);
            }
            await audit.RecordAsync(AuditEntry.For(http, "user.groups_set", "user", Id(id), new { groups }), transaction, ct);
            return null;
        }, cancellationToken);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetPasswordAsync(
        long id, ResetPasswordRequest request, HttpContext http, NpgsqlDataSource dataSource, Passwords passwords, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (Passwords.Weakness(request.Password) is { } weakness)
        {
            return Problems.Invalid("password", weakness);
        }
        var result = await WriteAsync(id, null, false, http, dataSource, async (transaction, ct) =>
        {
            await UserStore.SetPasswordAsync(transaction, id, passwords.Hash(request.Password!), changeRequired: true, keepSessionId: null, ct);
            await audit.RecordAsync(AuditEntry.For(http, "user.password_reset", "user", Id(id)), transaction, ct);
            return null;
        }, cancellationToken);
        return result.Result is ProblemHttpResult problem ? problem : TypedResults.NoContent();
    }

    /// <summary>Lifts a sign-in lock early, e.g. for a user locked out by someone else's wrong passwords.</summary>
    private static Task<Results<Ok<UserView>, ProblemHttpResult>> UnlockAsync(
        long id, HttpContext http, NpgsqlDataSource dataSource, IAuditLog audit, CancellationToken cancellationToken) =>
        WriteAsync(id, null, false, http, dataSource, async (transaction, ct) =>
        {
            await UserStore.UnlockAsync(transaction, id, ct);
            await audit.RecordAsync(AuditEntry.For(http, "user.unlocked", "user", Id(id)), transaction, ct);
            return null;
        }, cancellationToken);

    /// <summary>
    /// The shape of every change: lock the row, check the version, apply, refuse a result without an enabled
    /// admin (409: nobody could administer the server any more), commit with the audit row, answer the new state.
    /// </summary>
    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> WriteAsync(
        long id, int? expected, bool fromIfMatch, HttpContext http, NpgsqlDataSource dataSource,
        Func<NpgsqlTransaction, CancellationToken, Task<ProblemHttpResult?>> change, CancellationToken cancellationToken, string lastAdminField = "roles")
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        switch (await UserStore.TouchAsync(transaction, id, expected, cancellationToken))
        {
            case WriteOutcome.NotFound:
                return Problems.NotFound("user", id);
            case WriteOutcome.Stale:
                return Problems.Stale("user", fromIfMatch);
        }
        if (await change(transaction, cancellationToken) is { } problem)
        {
            return problem;
        }
        if (!await UserStore.AnyEnabledAdminAsync(transaction, cancellationToken))
        {
            return Problems.Conflict(lastAdminField, "This change would leave no enabled user with the admin role.");
        }
        var user = (await UserStore.FindAsync(connection, id, cancellationToken, transaction))!;
        await transaction.CommitAsync(cancellationToken);
        IdentityChanges.Committed(http);
        return WithETag(http, user.ToView());
    }

    private static Ok<UserView> WithETag(HttpContext http, UserView user)
    {
        http.Response.Headers.ETag = Versions.ETag(user.Version);
        return TypedResults.Ok(user);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
