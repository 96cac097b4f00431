using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Http;

/// <summary>
/// Job type <c>http</c>: one outbound call to an allow-listed host, the answer mapped to <c>httpStatus</c> and
/// <c>httpBody</c> (parsed when JSON). 5xx, 408, 429 and no answer are retryable failures (after in-process
/// retries); other 4xx are not, unless listed in the header <c>retryableStatusCodes</c>. The job key goes along as
/// <c>Idempotency-Key</c>, so a receiver that honours it sees one effect however often the job runs. The URL and
/// request headers may hold connector secrets (<c>{{secrets.NAME}}</c>, see <see cref="ConnectorSecrets"/>); a URL
/// whose address comes from a secret is trusted without the allow-list, since an administrator configured it, and
/// failure messages show the placeholder, not the address.
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
        var urlTemplate = JobInputs.Text(job, "httpUrl", "url");
        var urlText = urlTemplate;
        var templated = urlTemplate is not null && ConnectorSecrets.HasPlaceholder(urlTemplate);
        if (templated)
        {
            var (resolved, missing) = secrets.Resolve(urlTemplate!);
            if (resolved is null)
            {
                return JobOutcome.Fail($"The URL '{urlTemplate}' needs a secret: {ConnectorSecrets.MissingMessage(missing)}", retryable: false);
            }
            urlText = resolved;
        }
        if (string.IsNullOrWhiteSpace(urlText) || !Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return JobOutcome.Fail($"The http activity needs an absolute http(s) URL (header 'url' or variable 'httpUrl'), not '{urlTemplate}'.", retryable: false);
        }
        // An address that comes from a secret was configured by an administrator: the allow-list guards what models name.
        var addressFromSecret = templated && urlTemplate!.TrimStart().StartsWith("{{", StringComparison.Ordinal);
        if (!addressFromSecret && !_allowed.Allows(url.Host))
        {
            return JobOutcome.Fail($"The host '{url.Host}' is not in Processes:Activities:Http:AllowedHosts.", retryable: false);
        }
        var shown = templated ? urlTemplate : url.ToString();
        var methodName = (JobInputs.Text(job, "httpMethod", "method") ?? "GET").Trim().ToUpperInvariant();
        if (methodName.Length == 0 || !methodName.All(char.IsAsciiLetterUpper))
        {
            return JobOutcome.Fail($"'{methodName}' is not an HTTP method (header 'method' or variable 'httpMethod').", retryable: false);
        }
        var method = new HttpMethod(methodName);
        var headers = new List<(string Name, string Value)>();
        foreach (var (name, value) in Headers(job))
        {
            var (resolved, missing) = secrets.Resolve(value);
            if (resolved is null)
            {
                return JobOutcome.Fail($"The request header '{name}' needs a secret: {ConnectorSecrets.MissingMessage(missing)}", retryable: false);
            }
            headers.Add((name, resolved));
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
            var request = new HttpRequestMessage(method, url);
            if (bodyText is not null)
            {
                request.Content = bodyIsJson ? new StringContent(bodyText, OutboundCall.Json) : new StringContent(bodyText);
            }
            foreach (var (name, value) in headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.Remove(name);
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }
            return request;
        }, _options.MaxResponseChars, cancellationToken);

        switch (result)
        {
            case CallResult.NoAnswer none:
                return JobOutcome.Fail($"{method} {shown}: {none.Message}", retryable: true);
            case CallResult.Answered { Code: < 400 } ok:
                return JobOutcome.Complete(new JsonObject { ["httpStatus"] = ok.Code, ["httpBody"] = Parse(ok) });
            case CallResult.Answered answered:
                var retryable = answered.IsTransient || RetryableCodes(job).Contains(answered.Code);
                return JobOutcome.Fail($"{method} {shown} answered {answered.Code}: {Excerpt(answered.Body)}", retryable);
            default:
                throw new InvalidOperationException(result.ToString());
        }
    }

    /// <summary>Request headers: the variable <c>httpHeaders</c> (object), over task headers named <c>header.X</c>.</summary>
    private static List<(string Name, string Value)> Headers(JobContext job)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in job.CustomHeaders)
        {
            if (name.StartsWith("header.", StringComparison.Ordinal) && value is not null)
            {
                headers[name["header.".Length..]] = value.ToString();
            }
        }
        if (job.Variables["httpHeaders"] is JsonObject fromVariables)
        {
            foreach (var (name, value) in fromVariables)
            {
                if (value is not null)
                {
                    headers[name] = value.ToString();
                }
            }
        }
        headers.Remove(OutboundCall.IdempotencyHeader); // the job key is the idempotency key, not the model's choice
        return [.. headers.Select(h => (h.Key, h.Value))];
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
