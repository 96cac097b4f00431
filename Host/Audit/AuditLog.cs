using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Npgsql;
using Processes.Engine.Storage;
using Processes.Host.Identity;
using Processes.Host.Postgres;

namespace Processes.Host.Audit;

/// <summary>
/// One human or operator action: who (user name), what (a dotted action such as <c>user.created</c>), on what
/// (target type and id), from where (remote address), with free-form details stored as JSON.
/// </summary>
public sealed record AuditEntry(
    string Actor,
    string Action,
    string? TargetType = null,
    string? TargetId = null,
    object? Details = null,
    string? RemoteAddress = null)
{
    /// <summary>The API key the actor authenticated with, if any (an actor may hold several).</summary>
    public long? ApiKeyId { get; init; }

    /// <summary>The actor of an unauthenticated or system action.</summary>
    public const string System = "system";

    /// <summary>An entry for the request's signed-in user (or "anonymous") and its remote address.</summary>
    public static AuditEntry For(HttpContext http, string action, string? targetType = null, string? targetId = null, object? details = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new AuditEntry(ActorOf(http.User), action, targetType, targetId, details, http.Connection.RemoteIpAddress?.ToString())
        {
            ApiKeyId = long.TryParse(http.User.FindFirstValue(IdentitySchemes.ApiKeyIdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var key) ? key : null,
        };
    }

    /// <summary>Who and from where, for a command the engine audits in its own transaction (task commands).</summary>
    public static AuditActor ActorFor(HttpContext http)
    {
        var entry = For(http, "");
        return new AuditActor(entry.Actor, entry.RemoteAddress, entry.ApiKeyId);
    }

    /// <summary>The user name; an API key's id is added to the details by the caller when it matters.</summary>
    public static string ActorOf(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { } name } ? name : "anonymous";
}

/// <summary>Writes audit entries. Other features call this for every action a person or operator takes.</summary>
public interface IAuditLog
{
    /// <summary>Records the entry in its own short transaction.</summary>
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Records the entry inside the caller's transaction, so the action and its audit row commit (or roll back) together.</summary>
    Task RecordAsync(AuditEntry entry, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <remarks>
/// Takes the database, not the data source, so that services built at host start (before the database is reachable)
/// can depend on it; the data source is first needed when an entry is written.
/// </remarks>
internal sealed class PostgresAuditLog(ProcessesDatabase database) : IAuditLog
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var dataSource = await database.EnsureStartedAsync().WaitAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await AuditRows.InsertAsync(connection, null, Row(entry), cancellationToken);
    }

    public async Task RecordAsync(AuditEntry entry, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await AuditRows.InsertAsync(transaction.Connection!, transaction, Row(entry), cancellationToken);
    }

    private static AuditRow Row(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new AuditRow(new AuditActor(entry.Actor, entry.RemoteAddress, entry.ApiKeyId), entry.Action, entry.TargetType, entry.TargetId,
            entry.Details is null ? null : JsonSerializer.Serialize(entry.Details, JsonSerializerOptions.Web));
    }
}

public static class AuditRegistration
{
    public static IServiceCollection AddProcessesAudit(this IServiceCollection services)
    {
        services.AddSingleton<IAuditLog, PostgresAuditLog>();
        return services;
    }
}
