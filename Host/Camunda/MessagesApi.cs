using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Host.Idempotency;
using Processes.Host.Tenants;

namespace Processes.Host.Camunda;

public sealed record MessagePublicationRequest(string? Name, string? CorrelationKey, long? TimeToLive, string? MessageId, JsonElement? Variables, string? TenantId);

public sealed record MessagePublicationResponse(string MessageKey, string TenantId);

public sealed record MessageCorrelationRequest(string? Name, string? CorrelationKey, JsonElement? Variables, string? TenantId);

public sealed record MessageCorrelationResponse(string MessageKey, string TenantId, string ProcessInstanceKey);

public sealed record SignalBroadcastRequest(string? SignalName, JsonElement? Variables, string? TenantId);

public sealed record SignalBroadcastResponse(string SignalKey, string TenantId);

public sealed record MessageSubscriptionItem(
    string MessageSubscriptionKey, string ProcessDefinitionId, string ProcessDefinitionKey, string ProcessInstanceKey, string ElementId, string ElementInstanceKey,
    string MessageSubscriptionState, string LastUpdatedDate, string MessageName, string CorrelationKey, string TenantId);

public sealed record CorrelatedMessageSubscriptionItem(
    string CorrelationKey, string CorrelationTime, string ElementId, string ElementInstanceKey, string MessageKey, string MessageName, int PartitionId,
    string ProcessDefinitionId, string ProcessDefinitionKey, string ProcessInstanceKey, string SubscriptionKey, string TenantId);

/// <summary>A v2 search: the filter is read against the message subscription read model's declared fields; an unknown one is a 400.</summary>
public sealed record MessageSubscriptionSearchRequest(JsonElement? Filter, SearchPage? Page, IReadOnlyList<SearchSort>? Sort);

/// <summary>/v2/message-subscriptions/search (open, correlated and deleted, within the caller's visibility), /v2/correlated-message-subscriptions/search; /v2/messages (publish with a time to live, or correlate now) and /v2/signals/broadcast.</summary>
internal static class MessagesApi
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/messages/publication", PublishAsync).RequireAuthorization(Policies.Agent).Idempotent().WithTags("Messages");
        app.MapPost("/v2/messages/correlation", CorrelateAsync).RequireAuthorization(Policies.Agent).Idempotent().WithTags("Messages");
        app.MapPost("/v2/message-subscriptions/search", SearchSubscriptionsAsync).RequireAuthorization(Policies.Operator).WithTags("Message subscriptions");
        app.MapPost("/v2/correlated-message-subscriptions/search", SearchCorrelatedAsync).RequireAuthorization(Policies.Operator).WithTags("Message subscriptions");
        app.MapPost("/v2/signals/broadcast", BroadcastAsync).RequireAuthorization(Policies.Agent).Idempotent().WithTags("Signals");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse<MessageSubscriptionItem>>, ProblemHttpResult>> SearchSubscriptionsAsync(
        MessageSubscriptionSearchRequest? request, System.Security.Claims.ClaimsPrincipal user, Processes.Engine.Queries.MessageSubscriptionQueries subscriptions,
        CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(Processes.Engine.Queries.MessageSubscriptionQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => subscriptions.SearchAsync(caller, query, cancellationToken), query, r => new MessageSubscriptionItem(
            CamundaResults.Key(r.Key), r.BpmnProcessId, CamundaResults.Key(r.ProcessDefinitionKey), CamundaResults.Key(r.ProcessInstanceKey), r.ElementId,
            CamundaResults.Key(r.ElementInstanceKey), r.State, CamundaResults.Iso((DateTime?)r.CreatedAt)!, r.MessageName, r.CorrelationKey,
            r.TenantId));
    }

    private static async Task<Results<Ok<SearchResponse<CorrelatedMessageSubscriptionItem>>, ProblemHttpResult>> SearchCorrelatedAsync(
        MessageSubscriptionSearchRequest? request, System.Security.Claims.ClaimsPrincipal user, Processes.Engine.Queries.CorrelatedSubscriptionQueries correlated,
        CancellationToken cancellationToken)
    {
        if (!CamundaSearch.TryQuery(Processes.Engine.Queries.CorrelatedSubscriptionQueries.Model, request?.Filter, request?.Page, request?.Sort, out var query, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        return await CamundaSearch.RespondAsync(() => correlated.SearchAsync(caller, query, cancellationToken), query, r => new CorrelatedMessageSubscriptionItem(
            r.CorrelationKey, CamundaResults.Iso((DateTime?)r.CorrelatedAt)!, r.ElementId, CamundaResults.Key(r.ElementInstanceKey), CamundaResults.Key(r.MessageKey),
            r.MessageName, 1, r.BpmnProcessId, CamundaResults.Key(r.ProcessDefinitionKey), CamundaResults.Key(r.ProcessInstanceKey),
            CamundaResults.Key(r.SubscriptionKey), r.TenantId));
    }

    private static async Task<Results<Ok<MessagePublicationResponse>, ProblemHttpResult>> PublishAsync(MessagePublicationRequest request, IProcessEngine engine,
        HttpContext http, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return CamundaResults.BadRequest("name is required: the message name the model waits for.");
        }
        if (request.TimeToLive is < 0)
        {
            return CamundaResults.BadRequest("timeToLive must not be negative (milliseconds).");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var (tenant, tenantProblem) = await tenantRequests.TargetAsync(http.User, request.TenantId, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        var result = await engine.PublishMessageAsync(request.Name, request.CorrelationKey ?? "", variables,
            TimeSpan.FromMilliseconds(request.TimeToLive ?? 0), request.MessageId, cancellationToken, tenant);
        return result.Ok
            ? TypedResults.Ok(new MessagePublicationResponse(CamundaResults.Key(result.Value!.MessageKey), tenant!))
            : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<MessageCorrelationResponse>, ProblemHttpResult>> CorrelateAsync(MessageCorrelationRequest request, IProcessEngine engine,
        HttpContext http, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return CamundaResults.BadRequest("name is required: the message name the model waits for.");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var (tenant, tenantProblem) = await tenantRequests.TargetAsync(http.User, request.TenantId, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        var result = await engine.CorrelateMessageAsync(request.Name, request.CorrelationKey ?? "", variables, cancellationToken, tenant);
        return result.Ok
            ? TypedResults.Ok(new MessageCorrelationResponse(CamundaResults.Key(result.Value!.MessageKey), tenant!,
                CamundaResults.Key(result.Value.CorrelatedProcessInstanceKeys[0])))
            : CamundaResults.Refused(result);
    }

    private static async Task<Results<Ok<SignalBroadcastResponse>, ProblemHttpResult>> BroadcastAsync(SignalBroadcastRequest request, IProcessEngine engine,
        HttpContext http, TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.SignalName))
        {
            return CamundaResults.BadRequest("signalName is required.");
        }
        if (!CamundaResults.TryVariables(request.Variables, "variables", out var variables, out var problem))
        {
            return problem!;
        }
        var (tenant, tenantProblem) = await tenantRequests.TargetAsync(http.User, request.TenantId, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        var result = await engine.BroadcastSignalAsync(request.SignalName, variables, cancellationToken, tenant);
        return result.Ok
            ? TypedResults.Ok(new SignalBroadcastResponse(CamundaResults.Key(result.Value), tenant!))
            : CamundaResults.Refused(result);
    }
}
