using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Processes.Activities.Shared;

/// <summary>What came back from an outbound call after the in-process retries.</summary>
internal abstract record CallResult
{
    private CallResult()
    {
    }

    /// <summary>An HTTP answer (any status: the caller decides what a 4xx or a 5xx means for its job).</summary>
    public sealed record Answered(HttpStatusCode Status, string Body, string? MediaType) : CallResult
    {
        public int Code => (int)Status;

        public bool IsSuccess => Code is >= 200 and < 300;

        /// <summary>5xx, 408 and 429: the same request may well succeed later.</summary>
        public bool IsTransient => Code >= 500 || Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
    }

    /// <summary>No answer: connection refused or reset, or every attempt timed out.</summary>
    public sealed record NoAnswer(string Message) : CallResult;
}

/// <summary>
/// Sends one logical request with the job key as <c>Idempotency-Key</c>, retrying transient faults (5xx, 408, 429,
/// connection failures, per-attempt timeouts) with Polly. The retries are safe only because the receiver
/// deduplicates by that key — the same key goes with every attempt and every re-run of the job.
/// </summary>
internal static class OutboundCall
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static ResiliencePipeline<HttpResponseMessage> Pipeline(OutboundRetryOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.Delay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
            });
        }
        // Inside the retry: each attempt gets its own timeout.
        return builder.AddTimeout(options.Timeout).Build();
    }

    /// <summary>
    /// Sends a fresh request from <paramref name="createRequest"/> per attempt. Cancellation by the caller
    /// (shutdown) propagates; every other fault is a value.
    /// </summary>
    public static async Task<CallResult> SendAsync(HttpClient client, ResiliencePipeline<HttpResponseMessage> pipeline, string idempotencyKey,
        Func<HttpRequestMessage> createRequest, int maxBodyChars, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await pipeline.ExecuteAsync(async token =>
            {
                using var request = createRequest();
                request.Headers.Remove(IdempotencyHeader);
                request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);
                return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
            }, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (body.Length > maxBodyChars)
            {
                body = body[..maxBodyChars];
            }
            return new CallResult.Answered(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException e)
        {
            return new CallResult.NoAnswer($"no answer within {e.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return new CallResult.NoAnswer(e.Message);
        }
        catch (OperationCanceledException)
        {
            return new CallResult.NoAnswer("the request was cancelled (client timeout)");
        }
    }

    public static void AddAuth(HttpRequestMessage request, string header, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }
    }

    public static MediaTypeHeaderValue Json { get; } = new("application/json") { CharSet = "utf-8" };
}
