using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Assignment;
using Processes.Activities.Sms;
using Processes.Host.Audit;
using Processes.Host.Catalogues;
using Processes.Host.Identity;
using Processes.Host.Tenants;

namespace Processes.Host.Activities;

public sealed record AgentProfileRequest(string[]? Skills, string[]? Regions, string[]? Languages, string[]? Tiers, int? Capacity, bool? OnDuty, string? Phone = null,
    string[]? Channels = null, string? Position = null, string? Grade = null, bool? Outsourced = null);

public sealed record SmsTemplateRequest(string? Text, string[]? Parameters, string? Description);

/// <summary>
/// The data behind the custom activities: agent profiles for central dispatch (/api/agents, supervisors) and SMS
/// templates (/api/sms-templates, designers — the texts belong with the models that send them). Both belong to a
/// tenant: <c>?tenantId=</c> names it (else the session's chosen tenant, else the default one), checked like any tenantId.
/// </summary>
internal static class ActivitiesApi
{
    /// <summary>Names that are keys of an index (PostgreSQL refuses an index entry past about 2.7 kB: a 500 before this).</summary>
    private const int MaxNameLength = 64;

    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents").WithTags("Activities");
        agents.MapGet("/", ListAgentsAsync).RequireAuthorization(Policies.Supervisor);
        agents.MapPut("/{userName}", PutAgentAsync).RequireAuthorization(Policies.Supervisor);
        agents.MapDelete("/{userName}", DeleteAgentAsync).RequireAuthorization(Policies.Supervisor);
        var templates = app.MapGroup("/api/sms-templates").WithTags("Activities");
        templates.MapGet("/", ListTemplatesAsync).RequireAuthorization(Policies.Designer);
        templates.MapGet("/{id}", GetTemplateAsync).RequireAuthorization(Policies.Designer);
        templates.MapPut("/{id}", PutTemplateAsync).RequireAuthorization(Policies.Designer);
        app.MapPositionsApi();
        app.MapCataloguesApi();
        app.MapSecretsApi();
        return app;
    }

    private static Task<Results<Ok<IReadOnlyList<AgentProfile>>, ProblemHttpResult>> ListAgentsAsync(string? tenantId, HttpContext http, AgentStore store,
        TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.ListAsync(http, tenantId, store.ListAsync, cancellationToken);

    private static Task<Results<Ok<AgentProfile>, ProblemHttpResult>> PutAgentAsync(string userName, string? tenantId, AgentProfileRequest body, HttpContext http,
        AgentStore store, PositionStore positions, TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<AgentProfile>>(http, tenantId, async tenant =>
        {
            if (userName.Length > MaxNameLength)
            {
                return Problems.Invalid("userName", $"An agent profile is a user's: its user name is at most {MaxNameLength} characters.");
            }
            if (body.Capacity is not { } capacity || capacity < 0)
            {
                return Problems.Invalid("capacity", "An agent profile needs a capacity (open tasks at once, 0 or more).");
            }
            var phone = string.IsNullOrWhiteSpace(body.Phone) ? null : body.Phone.Trim();
            if (phone is not null && !PhoneNumbers.IsPhoneNumber(phone))
            {
                return Problems.Invalid("phone", $"'{phone}' is not a phone number: digits, optionally a leading + and spaces or dashes (7 to 15 digits).");
            }
            var position = string.IsNullOrWhiteSpace(body.Position) ? null : body.Position.Trim();
            if (position is not null && !await positions.ExistsAsync(tenant, position, cancellationToken))
            {
                return Problems.Invalid("position", $"There is no position '{position}' in tenant '{tenant}': create it with PUT /api/positions/{position} first.");
            }
            var profile = new AgentProfile(userName, body.Skills ?? [], body.Regions ?? [], body.Languages ?? [], body.Tiers ?? [], capacity, body.OnDuty ?? true, phone,
                body.Channels ?? [])
            {
                TenantId = tenant,
                Position = position,
                Grade = string.IsNullOrWhiteSpace(body.Grade) ? null : body.Grade.Trim(),
                Outsourced = body.Outsourced ?? false,
            };
            await store.SaveAsync(profile, cancellationToken);
            await audit.RecordAsync(AuditEntry.For(http, "agent.saved", "agent", userName, profile), cancellationToken);
            return TypedResults.Ok(profile);
        }, cancellationToken);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteAgentAsync(string userName, string? tenantId, HttpContext http, AgentStore store,
        TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<NoContent>(http, tenantId, async tenant =>
        {
            if (!await store.DeleteAsync(tenant, userName, cancellationToken))
            {
                return Problems.NotFound("agent", userName);
            }
            await audit.RecordAsync(AuditEntry.For(http, "agent.deleted", "agent", userName, new { tenantId = tenant }), cancellationToken);
            return TypedResults.NoContent();
        }, cancellationToken);

    private static Task<Results<Ok<IReadOnlyList<SmsTemplate>>, ProblemHttpResult>> ListTemplatesAsync(string? tenantId, HttpContext http,
        SmsTemplateStore store, TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.ListAsync(http, tenantId, store.ListAsync, cancellationToken);

    private static Task<Results<Ok<SmsTemplate>, ProblemHttpResult>> GetTemplateAsync(string id, string? tenantId, HttpContext http, SmsTemplateStore store,
        TenantRequests tenants, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<SmsTemplate>>(http, tenantId, async tenant =>
        {
            return await store.FindAsync(tenant, id, cancellationToken) is { } template ? TypedResults.Ok(template) : Problems.NotFound("SMS template", id);
        }, cancellationToken);

    /// <summary>Saves a template; unknown, unused and malformed placeholders come back as 422 with every problem.</summary>
    private static Task<Results<Ok<SmsTemplate>, ProblemHttpResult>> PutTemplateAsync(string id, string? tenantId, SmsTemplateRequest body, HttpContext http,
        SmsTemplateStore store, TenantRequests tenants, IAuditLog audit, CancellationToken cancellationToken) =>
        tenants.InTenantAsync<Ok<SmsTemplate>>(http, tenantId, async tenant =>
        {
            if (id.Length > MaxNameLength)
            {
                return Problems.Invalid("id", $"An SMS template's id is at most {MaxNameLength} characters.");
            }
            var template = new SmsTemplate(id, body.Text ?? "", body.Parameters ?? [], body.Description) { TenantId = tenant };
            var saved = await store.SaveAsync(template, cancellationToken);
            if (!saved.Saved)
            {
                return Problems.Invalid(new Dictionary<string, string[]> { ["text"] = [.. saved.Problems] });
            }
            await audit.RecordAsync(AuditEntry.For(http, "sms-template.saved", "sms-template", id, new { tenantId = tenant }), cancellationToken);
            return TypedResults.Ok(template);
        }, cancellationToken);
}
