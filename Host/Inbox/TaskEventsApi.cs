using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Identity;

namespace Processes.Host.Inbox;

public sealed record TaskEvent(string Event, string UserTaskKey, string ProcessInstanceKey, string ElementId, string? Assignee, JsonNode? Details, DateTimeOffset At);

/// <summary>
/// GET /api/tasks/events: a server-sent event stream of the caller's task changes (created, assigned, completed)
/// for the tasks the engine's visibility rule lets them see. Each event's id is its history id, so a
/// reconnecting browser resumes with Last-Event-ID and misses nothing.
/// </summary>
internal static class TaskEventsApi
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapTaskEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tasks/events", async (HttpContext http, CallerRecheck recheck, TaskEventQueries events, EventStreamLimiter limiter, CancellationToken cancellationToken) =>
        {
            using var lease = limiter.TryOpen(http.User.UserName() ?? "");
            if (lease is null)
            {
                http.Response.Headers.RetryAfter = "5";
                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many event streams.",
                    detail: $"This user already has {limiter.Limit} open event streams on this host (Processes:Limits:MaxEventStreamsPerUser); close one first.")
                    .ExecuteAsync(http);
                return;
            }
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
                await SseFormatter.WriteAsync(StreamAsync(http.User, recheck, events, from, cancellationToken), http.Response.Body,
                    (item, writer) => System.Text.Json.JsonSerializer.Serialize(new System.Text.Json.Utf8JsonWriter(writer), item.Data, JsonOptions), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client went away: the normal end of a stream.
            }
        }).RequireAuthorization(Policies.Tasks).WithTags("Inbox");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<TaskEvent>> StreamAsync(ClaimsPrincipal user, CallerRecheck recheck, TaskEventQueries events, long? from,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Without a resume point the stream starts now: the inbox itself shows the current state.
        var position = from ?? await events.NowAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            // The stream outlives the check made when it opened: every poll asks again who the caller is now, and
            // ends the stream once the session ended, the key was revoked, the user was disabled or lost the roles.
            var current = await recheck.RecheckAsync(user, cancellationToken);
            if (current is null || !Policies.RolesOf[Policies.Tasks].Append(Roles.Admin).Any(current.IsInRole))
            {
                yield break;
            }
            var caller = current.Caller();
            if (user.FindFirst(IdentitySchemes.SelectedTenantClaim) is { } chosen && caller.InTenant(chosen.Value))
            {
                caller = caller with { Tenants = [chosen.Value] }; // the page session's tenant switcher holds for its stream too
            }
            var rows = await events.AfterAsync(caller, position, cancellationToken);
            foreach (var row in rows)
            {
                position = row.Id;
                var data = new TaskEvent(row.Event, row.TaskKey.ToString(CultureInfo.InvariantCulture), row.InstanceKey.ToString(CultureInfo.InvariantCulture),
                    row.ElementId, row.Assignee, row.Details is null ? null : JsonNode.Parse(row.Details), new DateTimeOffset(DateTime.SpecifyKind(row.At, DateTimeKind.Utc)));
                yield return new SseItem<TaskEvent>(data, row.Event.ToLowerInvariant()) { EventId = row.Id.ToString(CultureInfo.InvariantCulture) };
            }
            if (rows.Count < TaskEventQueries.Batch)
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
    }
}
