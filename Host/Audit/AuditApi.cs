using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Identity;

namespace Processes.Host.Audit;

/// <summary>An audit row as the API shows it, newest first.</summary>
public sealed record AuditView(long Id, DateTime At, string Actor, long? ApiKeyId, string Action, string? TargetType, string? TargetId,
    JsonElement? Details, string? RemoteAddress);

/// <summary>GET /api/audit: admin only; filters actor, action, from, to (ISO 8601, from inclusive, to exclusive); cursor paging.</summary>
internal static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", ListAsync).WithTags("Audit").RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<Results<Ok<Page<AuditView>>, ProblemHttpResult>> ListAsync(
        string? actor, string? action, string? from, string? to, string? after, string? limit,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (afterId, count) = Paging.Read(after, limit, errors);
        var fromTime = ReadTime("from", from, errors);
        var toTime = ReadTime("to", to, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Newest first: the cursor is the last (smallest) id seen.
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition("""
            SELECT id AS Id, at AS At, actor AS Actor, api_key_id AS ApiKeyId, action AS Action, target_type AS TargetType, target_id AS TargetId,
                   details::text AS Details, remote_address AS RemoteAddress
            FROM audit_log
            WHERE (@after::bigint IS NULL OR id < @after)
              AND (@actor::text IS NULL OR actor = @actor)
              AND (@action::text IS NULL OR action = @action)
              AND (@from::timestamptz IS NULL OR at >= @from)
              AND (@to::timestamptz IS NULL OR at < @to)
            ORDER BY id DESC
            LIMIT @limit
            """, new { after = afterId, actor = Blank(actor), action = Blank(action), from = fromTime, to = toTime, limit = count + 1 },
            cancellationToken: cancellationToken))).ToList();
        return TypedResults.Ok(Paging.PageOf(rows, count, r => r.Id, r => r.ToView()));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static DateTime? ReadTime(string field, string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.UtcDateTime;
        }
        errors[field] = ["An ISO 8601 time, e.g. 2026-11-22T08:00:00Z."];
        return null;
    }

    private sealed class AuditRow
    {
        public long Id { get; init; }
        public DateTime At { get; init; }
        public string Actor { get; init; } = "";
        public long? ApiKeyId { get; init; }
        public string Action { get; init; } = "";
        public string? TargetType { get; init; }
        public string? TargetId { get; init; }
        public string? Details { get; init; }
        public string? RemoteAddress { get; init; }

        public AuditView ToView()
        {
            JsonElement? details = null;
            if (Details is not null)
            {
                using var document = JsonDocument.Parse(Details);
                details = document.RootElement.Clone();
            }
            return new(Id, DateTime.SpecifyKind(At, DateTimeKind.Utc), Actor, ApiKeyId, Action, TargetType, TargetId, details, RemoteAddress);
        }
    }
}
