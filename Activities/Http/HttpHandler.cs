using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Http;

/// <summary>
/// Job type <c>http</c>: one outbound call, the answer mapped to <c>httpStatus</c> and <c>httpBody</c> (parsed when
/// JSON). 5xx, 408, 429 and no answer are retryable failures (after in-process retries); other 4xx are not, unless
/// listed in the header <c>retryableStatusCodes</c>. The job key goes along as <c>Idempotency-Key</c>, so a receiver
/// that honours it sees one effect however often the job runs. Where it may call and with which secrets is decided
/// by <see cref="HttpRequestPlan"/> before anything is sent; failure messages show secrets as their placeholders.
/// </summary>
internal sealed class HttpHandler(IHttpClientFactory clients, IOptions<ActivitiesOptions> options, ConnectorSecrets secrets) : IJobHandler
{
    public const string ClientName = "processes-http";

    private readonly HttpActivityOptions _options = options.Value.Http;
    private readonly HostAllowList _allowed = new(options.Value.Http.AllowedHosts);
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = OutboundCall.Pipeline(options.Value.Http.Retry);

    public string Type => "http";

    public async Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        // Only the model's task headers may name secrets (HttpRequestPlan refuses them in variables), so only those load stored values.
        var current = await secrets.ForTextsAsync(job.CustomHeaders.Select(h => h.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null),
            job.TenantId, cancellationToken);
        var (plan, refusal) = HttpRequestPlan.For(job, current, _allowed);
        if (plan is null)
        {
            // Not retryable: the same model and variables are refused the same way until someone changes them.
            return JobOutcome.Fail(refusal!, retryable: false);
        }
        var body = job.Variables["httpRequestBody"] ?? HeaderBody(job);
        var bodyText = body switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => body.ToJsonString(),
        };
        var bodyIsJson = body is not null && !(body is JsonValue v && v.GetValueKind() == JsonValueKind.String);

        var result = await OutboundCall.SendAsync(clients.CreateClient(ClientName), _pipeline, job.Key.ToString(CultureInfo.InvariantCulture), () =>
        {
            var request = new HttpRequestMessage(plan.Method, plan.Url);
            if (bodyText is not null)
            {
                request.Content = bodyIsJson ? new StringContent(bodyText, OutboundCall.Json) : new StringContent(bodyText);
            }
            foreach (var (name, value) in plan.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.Remove(name);
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }
            return request;
        }, _options.MaxResponseChars, cancellationToken);

        // The messages become incidents and history: an error text ("Connection refused (host:port)") or an answer
        // that echoes a token must not carry a resolved secret there.
        var redact = plan.Secrets.Redact;
        switch (result)
        {
            case CallResult.NoAnswer none:
                return JobOutcome.Fail($"{plan.Method} {plan.Shown}: {redact(none.Message)}", retryable: true);
            case CallResult.Answered { Code: < 400 } ok:
                return JobOutcome.Complete(new JsonObject { ["httpStatus"] = ok.Code, ["httpBody"] = Parse(ok) });
            case CallResult.Answered answered:
                var retryable = answered.IsTransient || RetryableCodes(job).Contains(answered.Code);
                return JobOutcome.Fail($"{plan.Method} {plan.Shown} answered {answered.Code}: {Excerpt(redact(answered.Body))}", retryable);
            default:
                throw new InvalidOperationException(result.ToString());
        }
    }

    /// <summary>The header <c>body</c>: JSON when it parses as JSON, else text.</summary>
    private static JsonNode? HeaderBody(JobContext job)
    {
        if (job.CustomHeaders["body"]?.ToString() is not { Length: > 0 } text)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static HashSet<int> RetryableCodes(JobContext job) =>
        [.. (job.CustomHeaders["retryableStatusCodes"]?.ToString() ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : -1)];

    private static JsonNode? Parse(CallResult.Answered answer)
    {
        if (answer.Body.Length == 0)
        {
            return null;
        }
        var looksJson = answer.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        if (looksJson)
        {
            try
            {
                return JsonNode.Parse(answer.Body);
            }
            catch (JsonException)
            {
                // Declared JSON but is not: keep the text.
            }
        }
        return JsonValue.Create(answer.Body);
    }

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
