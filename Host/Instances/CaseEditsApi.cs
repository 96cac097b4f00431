using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Comments;
using Processes.Engine.Execution;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;
using Processes.Host.Audit;
using Processes.Host.Camunda;
using Processes.Host.Identity;
using Processes.Host.Idempotency;
using Processes.Host.Inbox;

namespace Processes.Host.Instances;

/// <summary>A new value for a case variable: any JSON (null clears it); the page parses what was typed and says where it is not JSON.</summary>
public sealed record CaseVariableRequest(JsonElement? Value);

/// <summary>
/// What people change on a case beside its model's actions. <c>PUT /api/instances/{key}/variables/{name}</c>:
/// supervisors and admins set an existing variable of a running case (one engine command with its history and
/// <c>case.variable.set</c> audit row); a variable masked for the caller — or a structured one that may hold a masked
/// part — is refused, since what they would send back is the mask. <c>GET|POST /api/instances/{key}/comments</c>:
/// whoever sees the case reads and adds comments (the task comments' store, audited <c>case.commented</c>).
/// </summary>
internal static class CaseEditsApi
{
    public static IEndpointRouteBuilder MapCaseEditsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/instances/{key}/variables/{name}", SetVariableAsync).RequireAuthorization(Policies.Supervisor).WithTags("Instances");
        var group = app.MapGroup("/api/instances").WithTags("Instances").RequireAuthorization(Policies.Cases);
        group.MapGet("/{key}/comments", CommentsAsync);
        group.MapPost("/{key}/comments", CommentAsync).Idempotent();
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetVariableAsync(string key, string name, CaseVariableRequest? request, HttpContext http,
        CaseQueries cases, VariableMasking masking, IProcessEngine engine, CancellationToken cancellationToken)
    {
        var caller = http.User.Caller();
        var view = CamundaResults.TryKey(key, out var instanceKey) ? await cases.CaseAsync(caller, instanceKey, cancellationToken) : null;
        if (view is null)
        {
            return Problems.NotFound("process instance", key);
        }
        if (request?.Value is not { } given)
        {
            return Problems.Invalid("value", "Give the new value as JSON in 'value' (null clears the variable).");
        }
        if (!view.Variables.TryGetPropertyValue(name, out var current))
        {
            return Problems.Invalid("name", $"The case has no variable '{name}'; only its variables are edited here.");
        }
        var value = JsonNode.Parse(given.GetRawText());
        if (!masking.MayFilterOn(caller, name, current) || !masking.MayFilterOn(caller, name, value))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                detail: $"Variable '{name}' is masked for you (or may hold a masked part); it cannot be changed from here.");
        }
        var result = await engine.SetCaseVariableAsync(caller, instanceKey, name, value, AuditEntry.ActorFor(http), cancellationToken);
        return result.Ok ? TypedResults.NoContent() : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<IReadOnlyList<TaskComment>>, ProblemHttpResult>> CommentsAsync(string key, ClaimsPrincipal user, TaskComments comments,
        CancellationToken cancellationToken)
    {
        var rows = CamundaResults.TryKey(key, out var instanceKey) ? await comments.ListForCaseAsync(user.Caller(), instanceKey, cancellationToken) : null;
        return rows is null ? Problems.NotFound("process instance", key) : TypedResults.Ok<IReadOnlyList<TaskComment>>([.. rows.Select(InboxApi.Comment)]);
    }

    private static async Task<Results<Created<TaskComment>, ProblemHttpResult>> CommentAsync(string key, CommentRequest request, HttpContext http,
        TaskComments comments, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > 4000)
        {
            return Problems.Invalid("text", "A comment has between 1 and 4000 characters.");
        }
        var row = CamundaResults.TryKey(key, out var instanceKey)
            ? await comments.AddToCaseAsync(http.User.Caller(), instanceKey, request.Text.Trim(), AuditEntry.ActorFor(http), cancellationToken)
            : null;
        return row is null ? Problems.NotFound("process instance", key) : TypedResults.Created($"/api/instances/{key}/comments", InboxApi.Comment(row));
    }
}
