using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Activities.Assignment;
using Processes.Activities.Sms;
using Processes.Host.Audit;
using Processes.Host.Identity;

namespace Processes.Host.Activities;

public sealed record AgentProfileRequest(string[]? Skills, string[]? Regions, string[]? Languages, string[]? Tiers, int? Capacity, bool? OnDuty, string? Phone = null,
    string[]? Channels = null);

public sealed record SmsTemplateRequest(string? Text, string[]? Parameters, string? Description);

/// <summary>
/// The data behind the custom activities: agent profiles for central dispatch (/api/agents, supervisors) and SMS
/// templates (/api/sms-templates, designers — the texts belong with the models that send them).
/// </summary>
internal static class ActivitiesApi
{
    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents").WithTags("Activities");
        agents.MapGet("/", ListAgentsAsync).RequireAuthorization(Policies.Supervisor);
        agents.MapPut("/{userName}", PutAgentAsync).RequireAuthorization(Policies.Supervisor);
        agents.MapDelete("/{userName}", DeleteAgentAsync).RequireAuthorization(Policies.Supervisor);
        var templates = app.MapGroup("/api/sms-templates").WithTags("Activities");
        templates.MapGet("/", async (SmsTemplateStore store, CancellationToken cancellationToken) => TypedResults.Ok(await store.ListAsync(cancellationToken)))
            .RequireAuthorization(Policies.Designer);
        templates.MapGet("/{id}", GetTemplateAsync).RequireAuthorization(Policies.Designer);
        templates.MapPut("/{id}", PutTemplateAsync).RequireAuthorization(Policies.Designer);
        app.MapSecretsApi();
        return app;
    }

    private static async Task<Ok<IReadOnlyList<AgentProfile>>> ListAgentsAsync(AgentStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(cancellationToken));

    private static async Task<Results<Ok<AgentProfile>, ProblemHttpResult>> PutAgentAsync(string userName, AgentProfileRequest body, HttpContext http,
        AgentStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (body.Capacity is not { } capacity || capacity < 0)
        {
            return Problems.Invalid("capacity", "An agent profile needs a capacity (open tasks at once, 0 or more).");
        }
        var phone = string.IsNullOrWhiteSpace(body.Phone) ? null : body.Phone.Trim();
        if (phone is not null && !PhoneNumbers.IsPhoneNumber(phone))
        {
            return Problems.Invalid("phone", $"'{phone}' is not a phone number: digits, optionally a leading + and spaces or dashes (7 to 15 digits).");
        }
        var profile = new AgentProfile(userName, body.Skills ?? [], body.Regions ?? [], body.Languages ?? [], body.Tiers ?? [], capacity, body.OnDuty ?? true, phone,
            body.Channels ?? []);
        await store.SaveAsync(profile, cancellationToken);
        await audit.RecordAsync(AuditEntry.For(http, "agent.saved", "agent", userName, profile), cancellationToken);
        return TypedResults.Ok(profile);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAgentAsync(string userName, HttpContext http, AgentStore store, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(userName, cancellationToken))
        {
            return Problems.NotFound("agent", userName);
        }
        await audit.RecordAsync(AuditEntry.For(http, "agent.deleted", "agent", userName), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SmsTemplate>, ProblemHttpResult>> GetTemplateAsync(string id, SmsTemplateStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } template ? TypedResults.Ok(template) : Problems.NotFound("SMS template", id);

    /// <summary>Saves a template; unknown, unused and malformed placeholders come back as 422 with every problem.</summary>
    private static async Task<Results<Ok<SmsTemplate>, ProblemHttpResult>> PutTemplateAsync(string id, SmsTemplateRequest body, HttpContext http,
        SmsTemplateStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var template = new SmsTemplate(id, body.Text ?? "", body.Parameters ?? [], body.Description);
        var saved = await store.SaveAsync(template, cancellationToken);
        if (!saved.Saved)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["text"] = [.. saved.Problems] });
        }
        await audit.RecordAsync(AuditEntry.For(http, "sms-template.saved", "sms-template", id), cancellationToken);
        return TypedResults.Ok(template);
    }
}
