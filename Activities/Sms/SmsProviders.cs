using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Activities.Shared;

namespace Processes.Activities.Sms;

/// <summary>What the provider made of one send.</summary>
public abstract record SmsSendResult
{
    private SmsSendResult()
    {
    }

    public sealed record Accepted(string MessageId, string Status) : SmsSendResult;

    /// <summary>Try again later (provider down, 5xx, timeout).</summary>
    public sealed record Transient(string Message) : SmsSendResult;

    /// <summary>The provider refused this message (bad number, 4xx): sending it again changes nothing.</summary>
    public sealed record Rejected(string Message) : SmsSendResult;
}

/// <summary>Sends one SMS. <paramref name="idempotencyKey"/> is the job key: the same key twice must be one message.</summary>
public interface ISmsProvider
{
    Task<SmsSendResult> SendAsync(string idempotencyKey, string recipient, string text, CancellationToken cancellationToken);
}

/// <summary>The default provider: the message waits in <c>sms_outbox</c> for whatever delivers it.</summary>
internal sealed class OutboxSmsProvider(NpgsqlDataSource dataSource) : ISmsProvider
{
    public async Task<SmsSendResult> SendAsync(string idempotencyKey, string recipient, string text, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Durability point: the outbox row commits on its own; a second send with the same key finds it (one row per key).
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            WITH inserted AS (
                INSERT INTO sms_outbox (idempotency_key, recipient, text) VALUES (@idempotencyKey, @recipient, @text)
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING id)
            SELECT id FROM inserted UNION ALL SELECT id FROM sms_outbox WHERE idempotency_key = @idempotencyKey LIMIT 1
            """, new { idempotencyKey, recipient, text }, cancellationToken: cancellationToken));
        return new SmsSendResult.Accepted($"outbox-{id}", "QUEUED");
    }
}

/// <summary>
/// An HTTP SMS gateway: <c>POST {Url}</c> with <c>{"to","text","reference"}</c>, the credential header and the
/// job key as <c>Idempotency-Key</c>; a 2xx answer may carry <c>messageId</c> (or <c>id</c>) and <c>status</c>.
/// </summary>
internal sealed class HttpSmsProvider(IHttpClientFactory clients, IOptions<ActivitiesOptions> options) : ISmsProvider
{
    public const string ClientName = "processes-sms";

    private readonly SmsOptions _options = options.Value.Sms;
    private readonly Polly.ResiliencePipeline<HttpResponseMessage> _pipeline = OutboundCall.Pipeline(options.Value.Sms.Retry);

    public async Task<SmsSendResult> SendAsync(string idempotencyKey, string recipient, string text, CancellationToken cancellationToken)
    {
        if (_options.Url is null)
        {
            return new SmsSendResult.Rejected("Processes:Activities:Sms:Url is not configured for the http SMS provider");
        }
        var body = new JsonObject { ["to"] = recipient, ["text"] = text, ["reference"] = idempotencyKey }.ToJsonString();
        var result = await OutboundCall.SendAsync(clients.CreateClient(ClientName), _pipeline, idempotencyKey, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new StringContent(body, OutboundCall.Json) };
            OutboundCall.AddAuth(request, _options.AuthHeader, _options.AuthValue);
            return request;
        }, 16 * 1024, cancellationToken);
        return result switch
        {
            CallResult.NoAnswer none => new SmsSendResult.Transient($"SMS gateway: {none.Message}"),
            CallResult.Answered { IsSuccess: true } ok => Accepted(ok.Body, idempotencyKey),
            CallResult.Answered { IsTransient: true } busy => new SmsSendResult.Transient($"SMS gateway answered {busy.Code}: {Excerpt(busy.Body)}"),
            CallResult.Answered refused => new SmsSendResult.Rejected($"SMS gateway refused the message ({refused.Code}): {Excerpt(refused.Body)}"),
            _ => throw new InvalidOperationException(result.ToString()),
        };
    }

    private static SmsSendResult.Accepted Accepted(string body, string idempotencyKey)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject answer)
            {
                var id = answer["messageId"]?.ToString() ?? answer["id"]?.ToString();
                return new SmsSendResult.Accepted(id ?? idempotencyKey, answer["status"]?.ToString() ?? "SENT");
            }
        }
        catch (JsonException)
        {
            // A gateway that answers 2xx with no JSON still took the message; the job key identifies it.
        }
        return new SmsSendResult.Accepted(idempotencyKey, "SENT");
    }

    internal static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
