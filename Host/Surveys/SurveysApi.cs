using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Host.Identity;
using Processes.Host.Idempotency;
using Processes.Host.Tenants;

namespace Processes.Host.Surveys;

/// <summary>A customer's answer to the satisfaction survey: a score from 1 to 5, an optional comment, and how it came.</summary>
public sealed record SurveyAnswerRequest(JsonElement? Score, string? Comment, string? Channel);

/// <summary>
/// /api/demands/{demandId}/survey-answer: the satisfaction survey's answer (relayed by the SMS gateway's reply hook,
/// the customer web page or an agent on the phone) lands on its demand. The answer is checked here — the model only
/// waits for it — and goes to the demand as the message <c>survey-answered</c> correlated by the demand id, so it
/// reaches exactly the demand that sent the survey, once: a second answer, or one after the survey window, finds no
/// demand waiting (404), which is how an SMS gateway learns that the reply came too late.
/// </summary>
internal static class SurveysApi
{
    public const string Message = "survey-answered";
    private static readonly string[] Channels = ["sms", "web", "hotline", "app"];
    private const int CommentLimit = 1000;

    public static IEndpointRouteBuilder MapSurveysApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/demands/{demandId}/survey-answer", AnswerAsync).RequireAuthorization(Policies.Agent).Idempotent().WithTags("Surveys");
        return app;
    }

    private static async Task<IResult> AnswerAsync(string demandId, SurveyAnswerRequest? request, ClaimsPrincipal user, IProcessEngine engine,
        TenantRequests tenantRequests, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problems.Invalid("score", "The body must be a JSON object with score (1 to 5).");
        }
        if (request.Score is not { ValueKind: JsonValueKind.Number } number || !number.TryGetInt32(out var score) || score is < 1 or > 5)
        {
            return Problems.Invalid("score", "score must be a whole number from 1 (very unsatisfied) to 5 (very satisfied).");
        }
        var channel = string.IsNullOrEmpty(request.Channel) ? "sms" : request.Channel;
        if (!Channels.Contains(channel, StringComparer.Ordinal))
        {
            return Problems.Invalid("channel", $"channel must be one of {string.Join(", ", Channels)}.");
        }
        var comment = request.Comment?.Trim();
        if (comment is { Length: > CommentLimit })
        {
            return Problems.Invalid("comment", $"comment must be at most {CommentLimit} characters.");
        }
        var (tenant, tenantProblem) = await tenantRequests.TargetAsync(user, null, "tenantId", cancellationToken);
        if (tenantProblem is not null)
        {
            return tenantProblem;
        }
        var survey = new JsonObject
        {
            ["result"] = "answered",
            ["score"] = score,
            ["channel"] = channel,
            ["answeredAt"] = engine.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(comment))
        {
            survey["comment"] = comment;
        }
        var result = await engine.CorrelateMessageAsync(Message, demandId, new JsonObject { ["survey"] = survey.DeepClone() }, cancellationToken, tenant);
        if (!result.Ok)
        {
            return result.Error == CommandError.NotFound
                ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No demand awaits this survey answer.",
                    detail: $"No demand {demandId} is waiting for a survey answer: it does not exist, was answered already, or its survey window has passed.")
                : Processes.Host.Camunda.CamundaResults.Refused(result);
        }
        return TypedResults.Ok(new
        {
            demandId,
            processInstanceKey = result.Value!.CorrelatedProcessInstanceKeys[0].ToString(CultureInfo.InvariantCulture),
            survey,
        });
    }
}
