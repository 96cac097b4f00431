using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Refunds;

/// <summary>
/// Job type <c>refund</c>: <c>POST {BaseUrl}/refunds</c> on the payment API with the job key as idempotency key.
/// Business declines (422 with a <c>code</c>) become BPMN errors the model catches; transient faults are retryable
/// failures. Above the review threshold the refund needs <c>financeApproved = true</c>, else the BPMN error
/// <c>REVIEW_REQUIRED</c> — a safety net under the model's finance review user task.
/// </summary>
internal sealed class RefundHandler(RefundStore refunds, IHttpClientFactory clients, IOptions<ActivitiesOptions> options,
    Assignment.PositionStore? positions = null) : IJobHandler
{
    public const string ClientName = "processes-refunds";
    public const string ReviewRequired = "REVIEW_REQUIRED";
    public const string Declined = "REFUND_DECLINED";

    private readonly RefundOptions _options = options.Value.Refund;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = OutboundCall.Pipeline(options.Value.Refund.Retry);

    public string Type => "refund";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (await refunds.FindAsync(job.Key, cancellationToken) is { } earlier)
        {
            return Done(earlier.RefundId, earlier.Status);
        }
        var amount = JobInputs.Number(job, "amount");
        var currency = JobInputs.Text(job, "currency");
        var orderId = JobInputs.Text(job, "orderId");
        var reason = JobInputs.Text(job, "reason");
        var missing = new[] { ("amount", amount is null), ("currency", string.IsNullOrWhiteSpace(currency)), ("orderId", string.IsNullOrWhiteSpace(orderId)) }
            .Where(m => m.Item2).Select(m => m.Item1).ToList();
        if (missing.Count > 0)
        {
            return JobOutcome.Fail($"A refund needs the variable(s) {string.Join(", ", missing)}.", retryable: false);
        }
        if (amount <= 0)
        {
            return JobOutcome.Fail($"A refund amount must be positive, not {amount}.", retryable: false);
        }
        var (threshold, whose) = await ThresholdForAsync(job, cancellationToken);
        if (amount > threshold && !JobInputs.Flag(job, "financeApproved"))
        {
            return JobOutcome.BpmnError(ReviewRequired,
                $"A refund of {amount} {currency} is above {whose} {threshold}: finance must approve it (financeApproved = true).");
        }
        if (_options.BaseUrl is null)
        {
            return JobOutcome.Fail("Processes:Activities:Refund:BaseUrl is not configured.", retryable: false);
        }

        var body = new JsonObject { ["orderId"] = orderId, ["amount"] = amount, ["currency"] = currency, ["reason"] = reason }.ToJsonString();
        var url = new Uri(_options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/refunds");
        var result = await OutboundCall.SendAsync(clients.CreateClient(ClientName), _pipeline, job.Key.ToString(CultureInfo.InvariantCulture), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, OutboundCall.Json) };
            OutboundCall.AddAuth(request, _options.AuthHeader, _options.AuthValue);
            return request;
        }, 16 * 1024, cancellationToken);

        switch (result)
        {
            case CallResult.NoAnswer none:
                return JobOutcome.Fail($"Payment API: {none.Message}", retryable: true);
            case CallResult.Answered { IsSuccess: true } ok:
                var (refundId, status) = Read(ok.Body, job.Key);
                // Durability point: from here a re-run completes with this refund instead of calling again. A crash
                // before it calls again with the same idempotency key, and the payment API returns the first refund.
                await refunds.RecordAsync(job, refundId, status, orderId!, amount!.Value, currency!, cancellationToken);
                return Done(refundId, status);
            case CallResult.Answered { Code: 422 } declined:
                return Decline(declined.Body);
            case CallResult.Answered { IsTransient: true } busy:
                return JobOutcome.Fail($"Payment API answered {busy.Code}: {Excerpt(busy.Body)}", retryable: true);
            case CallResult.Answered refused:
                return JobOutcome.Fail($"Payment API refused the request ({refused.Code}): {Excerpt(refused.Body)}", retryable: false);
            default:
                throw new InvalidOperationException(result.ToString());
        }
    }

    /// <summary>
    /// The threshold: the refund limit of the requester's position (variable <c>requestedBy</c>: what that person may
    /// grant alone), else the task header <c>reviewThreshold</c> (per model), else the configuration.
    /// </summary>
    private async Task<(decimal Threshold, string Whose)> ThresholdForAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (positions is not null && JobInputs.Text(job, "requestedBy") is { } requester && !string.IsNullOrWhiteSpace(requester) &&
            await positions.RefundLimitAsync(job.TenantId, requester.Trim(), cancellationToken) is { } limit)
        {
            return (limit, $"the refund limit of {requester.Trim()}'s position");
        }
        return job.CustomHeaders["reviewThreshold"]?.ToString() is { } header && decimal.TryParse(header, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? (value, "the review threshold")
            : (_options.ReviewThreshold, "the review threshold");
    }

    /// <summary>A business decline: the BPMN error is the API's code (e.g. <c>ALREADY_REFUNDED</c>), or <c>REFUND_DECLINED</c>.</summary>
    private static JobOutcome Decline(string body)
    {
        string? code = null;
        string? message = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject answer)
            {
                code = answer["code"]?.ToString();
                message = answer["message"]?.ToString();
            }
        }
        catch (JsonException)
        {
            // No JSON: a decline without a code.
        }
        code = string.IsNullOrWhiteSpace(code) ? Declined : code;
        return JobOutcome.BpmnError(code, message ?? $"The payment API declined the refund ({code}).",
            new JsonObject { ["refundDeclineCode"] = code, ["refundDeclineMessage"] = message });
    }

    private static (string RefundId, string Status) Read(string body, long jobKey)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject answer)
            {
                return (answer["refundId"]?.ToString() ?? answer["id"]?.ToString() ?? jobKey.ToString(CultureInfo.InvariantCulture),
                    answer["status"]?.ToString() ?? "REFUNDED");
            }
        }
        catch (JsonException)
        {
            // A 2xx without JSON still refunded; the job key identifies it.
        }
        return (jobKey.ToString(CultureInfo.InvariantCulture), "REFUNDED");
    }

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";

    private static JobOutcome Done(string refundId, string status) =>
        JobOutcome.Complete(new JsonObject { ["refundId"] = refundId, ["refundStatus"] = status });
}
