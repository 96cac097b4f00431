using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Calendars;
using Processes.Host.Audit;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Calendars;

/// <summary>
/// <summary>The answer of a preview: from when, how many working hours, and when they are used up (with the calendar's zone).</summary>
public sealed record CalendarPreview(string Name, DateTimeOffset From, double WorkingHours, DateTimeOffset Due, string TimeZone);

/// <summary>
/// /api/calendars: the business calendars SLA timers count working time in. Anyone signed in reads them; admins
/// write them, with the version as If-Match so two edits never overwrite each other. Calendars belong to a tenant:
/// <c>?tenantId=</c> names it (else the session's chosen tenant, else the default one), checked like any tenantId.
/// </summary>
internal static class CalendarsApi
{
    public static IEndpointRouteBuilder MapCalendarsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/calendars").WithTags("Calendars");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{name}", GetAsync).RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{name}/preview", PreviewAsync).RequireAuthorization(Policies.Authenticated);
        group.MapPut("/{name}", PutAsync).RequireAuthorization(Policies.Admin);
        group.MapDelete("/{name}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static Task<Results<Ok<IReadOnlyList<JsonElement>>, ProblemHttpResult>> ListAsync(string? tenantId, HttpContext http, CalendarStore store,
        TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<IReadOnlyList<JsonElement>>>(http, tenantId, async tenant =>
        {
            var calendars = await store.ListAsync(tenant, cancellationToken);
            return TypedResults.Ok<IReadOnlyList<JsonElement>>([.. calendars.Select(c => ToJson(c, tenant))]);
        }, cancellationToken);

    private static Task<Results<Ok<JsonElement>, ProblemHttpResult>> GetAsync(string name, string? tenantId, HttpContext http, CalendarStore store,
        TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<JsonElement>>(http, tenantId, async tenant =>
        {
            var calendar = await store.GetAsync(tenant, name, cancellationToken);
            if (calendar is null)
            {
                return Problems.NotFound("calendar", name);
            }
            http.Response.Headers.ETag = Versions.ETag(calendar.Version);
            return TypedResults.Ok(ToJson(calendar, tenant));
        }, cancellationToken);

    private static Task<Results<Ok<JsonElement>, ProblemHttpResult>> PutAsync(string name, string? tenantId, HttpContext http, CalendarStore store,
        TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<JsonElement>>(http, tenantId, async tenant =>
        {
            string body;
            using (var reader = new StreamReader(http.Request.Body))
            {
                body = await reader.ReadToEndAsync(cancellationToken);
            }
            var read = CalendarJson.Read(body);
            if (read.Definition is null)
            {
                return Problems.Invalid(read.Problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
            }
            if (!string.Equals(read.Definition.Name, name, StringComparison.Ordinal))
            {
                return Problems.Invalid("name", $"The body names calendar '{read.Definition.Name}' but the URL names '{name}'.");
            }
            var expected = Versions.Read(http.Request, null).Expected;
            var saved = await store.SaveAsync(tenant, read.Definition, expected, cancellationToken);
            switch (saved.Status)
            {
                case CalendarSaveStatus.Invalid:
                    return Problems.Invalid(saved.Problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
                case CalendarSaveStatus.Conflict:
                    return expected is null
                        ? Problems.Conflict("name", $"Calendar '{name}' exists (version {saved.Version}); send If-Match with its version to change it.")
                        : Problems.Stale("calendar", fromIfMatch: true);
            }
            await audit.RecordAsync(AuditEntry.For(http, expected is null ? "calendar.created" : "calendar.updated", "calendar", name, new { tenantId = tenant }),
                cancellationToken);
            http.Response.Headers.ETag = Versions.ETag(saved.Version!.Value);
            return TypedResults.Ok(ToJson((await store.GetAsync(tenant, name, cancellationToken))!, tenant));
        }, cancellationToken);

    /// <summary>"What is N working hours from now" in this calendar: the due time an SLA timer of that length would get.</summary>
    private static Task<Results<Ok<CalendarPreview>, ProblemHttpResult>> PreviewAsync(string name, string? hours, string? tenantId, HttpContext http,
        CalendarStore store, TenantRequests tenants, TimeProvider clock, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<CalendarPreview>>(http, tenantId, async tenant =>
        {
            if (!double.TryParse(hours ?? "4", System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount) ||
                amount is < 0 or > 10_000 || double.IsNaN(amount))
            {
                return Problems.Invalid("hours", $"'{hours}' is not a number of working hours between 0 and 10000.");
            }
            if (await store.GetAsync(tenant, name, cancellationToken) is not { } calendar)
            {
                return Problems.NotFound("calendar", name);
            }
            var now = clock.GetUtcNow();
            var projection = calendar.Project(now, TimeSpan.FromHours(amount));
            if (projection.TimeZoneId is null)
            {
                return Problems.Invalid("calendar", projection.Problem!);
            }
            return projection.Due is { } due
                ? TypedResults.Ok(new CalendarPreview(name, now, amount, due, projection.TimeZoneId))
                : Problems.Invalid("hours", projection.Problem!);
        }, cancellationToken);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, string? tenantId, HttpContext http, CalendarStore store,
        TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<NoContent>(http, tenantId, async tenant =>
        {
            var expected = Versions.Read(http.Request, null).Expected;
            switch (await store.DeleteAsync(tenant, name, expected, cancellationToken))
            {
                case CalendarDeleteStatus.NotFound:
                    return Problems.NotFound("calendar", name);
                case CalendarDeleteStatus.Conflict:
                    return Problems.Stale("calendar", fromIfMatch: true);
            }
            await audit.RecordAsync(AuditEntry.For(http, "calendar.deleted", "calendar", name, new { tenantId = tenant }), cancellationToken);
            return TypedResults.NoContent();
        }, cancellationToken);

    private static JsonElement ToJson(StoredCalendar calendar, string tenantId)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(CalendarJson.Serialize(calendar.Definition))!.AsObject();
        json["tenantId"] = tenantId;
        json["version"] = calendar.Version;
        json["updatedAt"] = calendar.UpdatedAt;
        return JsonSerializer.SerializeToElement(json);
    }
}
