using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;
using Processes.Activities.Templates;
using Processes.Engine.Bpmn.Reading;
using Processes.Engine.Deployment;
using Processes.Engine.Queries;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Studio;

/// <summary>A deployed version of a form or decision file in the designer's lists (keys as strings, as in the v2 API).</summary>
public sealed record StudioModelItem(string Kind, string Id, string? Name, int Version, string Key, string ResourceName, string? DecisionKey, bool IsLatest, string TenantId);

public sealed record ValidationRequest(string? ResourceName, string? Content);

/// <summary>One problem of a checked file (absent fields: not known for this problem).</summary>
public sealed record ValidationProblem(
    string Resource,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ElementId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ElementType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Line,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Column,
    string Severity,
    string Message)
{
    /// <summary>In a decision table: the rule (1-based) the problem is in.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RuleIndex { get; init; }

    /// <summary>In a decision table: the id of the input or output column the problem is in.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ColumnId { get; init; }
}

public sealed record ValidationResponse(IReadOnlyList<ValidationProblem> Problems);

/// <summary>What the engine runs (BPMN local names), for the designer's menus and checks.</summary>
public sealed record EngineSupportResponse(
    IReadOnlyList<string> FlowNodeTypes,
    IReadOnlyList<string> EventDefinitions,
    IReadOnlyDictionary<string, string> RefusedEventDefinitions,
    IReadOnlyDictionary<string, string> RefusedMarkers,
    IReadOnlyList<string> ZeebeExtensions);

/// <summary>
/// What the designer needs beyond the v2 API (/api/designer, designers): the deployed forms and decision files with
/// every version and file name (Camunda has no form search), a form version's schema, and the activities' element
/// templates. Deploying still goes through POST /v2/deployments.
/// </summary>
internal static class StudioApi
{
    public static IEndpointRouteBuilder MapStudioApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/designer").WithTags("Designer").RequireAuthorization(Policies.Designer);
        group.MapGet("/models", ModelsAsync);
        group.MapGet("/forms/{key}", FormAsync);
        group.MapGet("/element-templates", ElementTemplatesAsync);
        group.MapPost("/validation", Validate).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxValidationBytes));
        group.MapGet("/engine-support", () => TypedResults.Ok(new EngineSupportResponse(EngineSupport.FlowNodeTypes, EngineSupport.EventDefinitions,
            EngineSupport.RefusedEventDefinitions, EngineSupport.RefusedMarkers, EngineSupport.ZeebeExtensions)));
        return app;
    }

    private const long MaxValidationBytes = 20 * 1024 * 1024;

    /// <summary>
    /// The activities' templates, with the SMS template field as a dropdown of the templates stored now (GET
    /// /api/sms-templates), so a designer picks an id that exists instead of typing one; a free text field when none is stored.
    /// </summary>
    private static async Task<JsonHttpResult<JsonArray>> ElementTemplatesAsync(HttpContext http, Processes.Activities.Sms.SmsTemplateStore smsTemplates,
        Tenants.TenantRequests tenants, CancellationToken cancellationToken)
    {
        var templates = ElementTemplates.AsArray();
        // The templates of the tenant the designer works in (the session's choice); none to pick from when it has none.
        var (tenant, _) = await tenants.TargetAsync(http.User, null, "tenantId", cancellationToken);
        var stored = tenant is null ? [] : await smsTemplates.ListAsync(tenant, cancellationToken);
        if (stored.Count == 0)
        {
            return TypedResults.Json(templates);
        }
        foreach (var property in templates.OfType<JsonObject>().SelectMany(t => t["properties"]?.AsArray() ?? []).OfType<JsonObject>())
        {
            if (property["binding"] is JsonObject { } binding && (string?)binding["type"] == "zeebe:taskHeader" && (string?)binding["key"] == "templateId" &&
                (string?)property["type"] == "String")
            {
                property["type"] = "Dropdown";
                property["choices"] = new JsonArray([.. stored.Select(s => (JsonNode)new JsonObject
                {
                    ["name"] = string.IsNullOrWhiteSpace(s.Description) ? s.Id : $"{s.Id} — {s.Description}",
                    ["value"] = s.Id,
                })]);
                property["value"] ??= stored[0].Id;
            }
        }
        return TypedResults.Json(templates);
    }

    /// <summary>
    /// The deployment's own reading and validation of one file while it is drawn (nothing stored): every problem with its
    /// element id, line and severity, as a deployment would reject it — FEEL and timer syntax included.
    /// </summary>
    private static Results<Ok<ValidationResponse>, ProblemHttpResult> Validate(ValidationRequest? request, DeploymentService deployments)
    {
        if (string.IsNullOrWhiteSpace(request?.ResourceName))
        {
            return Problems.Invalid("resourceName", "Name the file (e.g. order.bpmn): the name decides how it is read.");
        }
        if (request.Content is null)
        {
            return Problems.Invalid("content", "Send the file's text as content.");
        }
        var problems = deployments.Validate([new DeploymentResource(request.ResourceName, System.Text.Encoding.UTF8.GetBytes(request.Content))]);
        return TypedResults.Ok(new ValidationResponse([.. problems.Select(p => new ValidationProblem(p.ResourceName, p.Problem.ElementId, p.Problem.ElementType,
            p.Problem.Line, p.Problem.Column, p.Problem.IsError ? "error" : "warning", p.Problem.Message)
        {
            RuleIndex = p.Problem.RuleIndex,
            ColumnId = p.Problem.ColumnId,
        })]));
    }

    private static async Task<Ok<IReadOnlyList<StudioModelItem>>> ModelsAsync(System.Security.Claims.ClaimsPrincipal user, DesignerModelQueries queries,
        CancellationToken cancellationToken)
    {
        var rows = await queries.VersionsAsync(user.Caller(), cancellationToken);
        // Versions count per tenant: the same decision or form id in two tenants is two models, each with its latest.
        var latest = rows.GroupBy(r => (r.Kind, r.Id, r.TenantId)).ToDictionary(g => g.Key, g => g.Max(r => r.Version));
        return TypedResults.Ok<IReadOnlyList<StudioModelItem>>([.. rows.Select(r => new StudioModelItem(
            r.Kind, r.Id, r.Name, r.Version, CamundaResults.Key(r.Key), r.ResourceName,
            r.DecisionKey is { } decision ? CamundaResults.Key(decision) : null, latest[(r.Kind, r.Id, r.TenantId)] == r.Version, r.TenantId))]);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> FormAsync(string key, System.Security.Claims.ClaimsPrincipal user, DesignerModelQueries queries,
        CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var formKey))
        {
            return Problems.Invalid("key", $"'{key}' is not a form key.");
        }
        var form = await queries.FormAsync(user.Caller(), formKey, cancellationToken);
        return form is null
            ? Problems.NotFound("form", key)
            : TypedResults.Text(form.Schema, "application/json");
    }
}
