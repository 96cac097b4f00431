using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Host.Identity;

namespace Processes.Host.Inbox;

public sealed record TaskEvent(string Event, string UserTaskKey, string ProcessInstanceKey, string ElementId, string? Assignee, JsonNode? Details, DateTimeOffset At);

/// <summary>
/// GET /api/tasks/events: a server-sent event stream of the caller's task changes (created, assigned, completed)
/// for tasks of their groups, offered to them or assigned to them. Each event's id is its history id, so a
/// reconnecting browser resumes with Last-Event-ID and misses nothing.
/// </summary>
internal static class TaskEventsApi
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapTaskEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tasks/events", async (HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        {
            var from = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last
                : long.TryParse(http.Request.Query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : (long?)null;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            // Headers go out at once, so clients (and proxies) see the stream open before the first event.
            await http.Response.StartAsync(cancellationToken);
            await http.Response.WriteAsync(": stream open\n\n", cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);
            try
            {
                await SseFormatter.WriteAsync(StreamAsync(http.User, dataSource, from, cancellationToken), http.Response.Body,
                    (item, writer) => System.Text.Json.JsonSerializer.Serialize(new System.Text.Json.Utf8JsonWriter(writer), item.Data, JsonOptions), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client went away: the normal end of a stream.
            }
        }).RequireAuthorization(Policies.Tasks).WithTags("Inbox");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<TaskEvent>> StreamAsync(ClaimsPrincipal user, NpgsqlDataSource dataSource, long? from,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long position;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            // Without a resume point the stream starts now: the inbox itself shows the current state.
            position = from ?? await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT coalesce(max(id), 0) FROM execution_history", cancellationToken: cancellationToken));
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            List<Row> rows;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            {
                // The stream outlives the check made when it opened: every poll asks again who the caller is now, and
                // ends the stream once the session ended, the key was revoked, the user was disabled or lost the roles.
                var current = await SessionStore.RecheckAsync(connection, user, cancellationToken);
                if (current is null || !Policies.RolesOf[Policies.Tasks].Append(Roles.Admin).Any(current.IsInRole))
                {
                    yield break;
                }
                var me = current.Identity?.Name ?? "";
                var groups = current.Groups().ToArray();
                var all = current.IsInRole(Roles.Admin);
                rows = [.. await connection.QueryAsync<Row>(new CommandDefinition("""
                    SELECT h.id AS Id, h.event AS Event, t.key AS TaskKey, t.process_instance_key AS InstanceKey, t.element_id AS ElementId, t.assignee AS Assignee,
                           h.details::text AS Details, h.at AS At
                    FROM execution_history h
                    JOIN user_task t ON t.key = (h.details->>'userTaskKey')::bigint
                    WHERE h.id > @position AND h.event IN ('TASK_CREATED', 'TASK_ASSIGNED', 'TASK_COMPLETED', 'TASK_SLA_WARNING')
                      AND (@all OR t.assignee = @me OR @me = ANY(t.candidate_users) OR t.candidate_groups && @groups)
                    ORDER BY h.id LIMIT 200
                    """, new { position, all, me, groups }, cancellationToken: cancellationToken))];
            }
            foreach (var row in rows)
            {
                position = row.Id;
                var data = new TaskEvent(row.Event, row.TaskKey.ToString(CultureInfo.InvariantCulture), row.InstanceKey.ToString(CultureInfo.InvariantCulture),
                    row.ElementId, row.Assignee, row.Details is null ? null : JsonNode.Parse(row.Details), new DateTimeOffset(DateTime.SpecifyKind(row.At, DateTimeKind.Utc)));
                yield return new SseItem<TaskEvent>(data, row.Event.ToLowerInvariant()) { EventId = row.Id.ToString(CultureInfo.InvariantCulture) };
            }
            if (rows.Count < 200)
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
    }

    private sealed record Row(long Id, string Event, long TaskKey, long InstanceKey, string ElementId, string? Assignee, string? Details, DateTime At);
}
