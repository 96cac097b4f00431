using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Instances;

/// <summary>
/// An action the case offers now (see <see cref="CaseActionQueries"/>), with the schema of the form to fill first, if any;
/// <see cref="ProcessInstanceKey"/> is the instance whose element offers it (the case, or a work ticket it called).
/// </summary>
public sealed record CaseActionView(string Id, string Label, string Kind, string ElementId, string? UserTaskKey, string? FormId, string? FormSchema,
    JsonObject Variables, string ProcessInstanceKey);

public sealed record CaseActionRequest(JsonElement? Variables);

/// <summary>A startable process (<see cref="StartableProcess"/>) as the start dialog lists it.</summary>
public sealed record StartableProcessView(string ProcessDefinitionKey, string ProcessDefinitionId, string? Name, int Version, bool HasStartForm);

/// <summary>
/// /api/instances/{key}/actions: what the case's current state offers, as its model declares it on the waiting
/// element (send an SMS, request or revoke a refund, record the first response), and doing one. An action is a
/// command the engine already has — correlating a message to the case's own subscription, or completing its open
/// user task — so the engine's rules still apply (only the assignee completes a task). /api/processes/startable: the
/// processes a person may start from a page (the start policy is that of POST /v2/process-instances).
/// </summary>
internal static class CaseActionsApi
{
    public static IEndpointRouteBuilder MapCaseActionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/instances").WithTags("Instances").RequireAuthorization(Policies.Tasks);
        group.MapGet("/{key}/actions", ListAsync);
        group.MapPost("/{key}/actions/{id}", ActAsync);
        app.MapGet("/api/processes/startable", StartableAsync).RequireAuthorization(Policies.Agent).WithTags("Instances");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<StartableProcessView>>> StartableAsync(ClaimsPrincipal user, StartQueries starts, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<StartableProcessView>>([.. (await starts.StartableAsync(user.Caller(), cancellationToken)).Select(p =>
            new StartableProcessView(CamundaResults.Key(p.ProcessDefinitionKey), p.BpmnProcessId, p.Name, p.Version, p.StartFormId is not null))]);

    private static async Task<Results<Ok<IReadOnlyList<CaseActionView>>, ProblemHttpResult>> ListAsync(string key, ClaimsPrincipal user,
        CaseActionQueries actions, DefinitionQueries definitions, CancellationToken cancellationToken)
    {
        var offered = CamundaResults.TryKey(key, out var instanceKey) ? await actions.ActionsAsync(user.Caller(), instanceKey, cancellationToken) : null;
        if (offered is null)
        {
            return Problems.NotFound("process instance", key);
        }
        var views = new List<CaseActionView>();
        foreach (var action in offered.Where(a => MayDo(user, a)))
        {
            var form = action.FormId is { } formId ? await definitions.LatestFormAsync(action.TenantId, formId, cancellationToken) : null;
            views.Add(new CaseActionView(action.Id, action.Label, action.Kind, action.ElementId, CamundaResults.Key(action.UserTaskKey), action.FormId,
                form?.Schema, action.Variables, CamundaResults.Key(action.ProcessInstanceKey)));
        }
        return TypedResults.Ok<IReadOnlyList<CaseActionView>>(views);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ActAsync(string key, string id, CaseActionRequest? request, HttpContext http,
        CaseActionQueries actions, IProcessEngine engine, CancellationToken cancellationToken)
    {
        var offered = CamundaResults.TryKey(key, out var instanceKey) ? await actions.ActionsAsync(http.User.Caller(), instanceKey, cancellationToken) : null;
        if (offered is null)
        {
            return Problems.NotFound("process instance", key);
        }
        if (!CamundaResults.TryVariables(request?.Variables, "variables", out var given, out var problem))
        {
            return problem!;
        }
        if (offered.FirstOrDefault(a => a.Id == id) is not { } action)
        {
            return Problems.Conflict("id", $"The case does not offer the action '{id}' now: its state has moved on, or its model declares no such action.");
        }
        if (!MayDo(http.User, action))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: $"The action '{action.Label}' sends a message to the case, which needs the role agent or supervisor.");
        }
        // The model's fixed values win over what was filled in: they are what makes the action this action (updateType "sms").
        var variables = given ?? [];
        foreach (var (name, value) in action.Variables)
        {
            variables[name] = value?.DeepClone();
        }
        // The action and its audit row are one engine command: both commit, or neither.
        var done = await engine.ActOnCaseAsync(http.User.Caller(), instanceKey, action, variables, AuditEntry.ActorFor(http), cancellationToken);
        if (!done.Ok)
        {
            return CamundaResults.Refused(done);
        }
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The page offers what the API would do: a message needs the policy of /v2/messages (agents, supervisors); a task
    /// completion is offered to the task's assignee only (by the query).
    /// </summary>
    private static bool MayDo(ClaimsPrincipal user, CaseAction action) =>
        action.Kind != "message" || Policies.RolesOf[Policies.Agent].Append(Roles.Admin).Any(user.IsInRole);
}
