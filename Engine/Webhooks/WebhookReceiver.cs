using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Execution;
using Processes.Engine.Idempotency;
using Processes.Engine.Storage;
using Processes.Engine.Visibility;

namespace Processes.Engine.Webhooks;

/// <summary>What a platform sent to <c>/webhooks/{path}</c>: the raw body (the signature covers its bytes) and the headers.</summary>
public sealed record WebhookCall(string TenantId, string Path, IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body);

/// <summary>The answer: <see cref="Json"/> on success (or a replay of the first answer), else a problem naming <see cref="Field"/>.</summary>
public sealed record WebhookOutcome(int Status, string? Json, string? Field, string? Detail, bool Replayed = false)
{
    public bool IsProblem => Json is null;

    internal static WebhookOutcome Problem(int status, string? field, string detail) => new(status, null, field, detail);
}

/// <summary>
/// Receives a platform's call on a declared webhook (see <see cref="WebhookDeclaration"/>), in this order: the
/// declaration (404), the signature or API key over the raw body (401, nothing started, before the body is even
/// parsed), the body (400 naming the field), the idempotency key — a replay gets the first answer, recorded in the
/// same transaction as the start exactly as an Idempotency-Key request's is — then the start (on a start event: the
/// business key is the idempotency key, so an order starts once even after the answers expire) or the correlation
/// (on a message catch), and the response template.
/// </summary>
public sealed class WebhookReceiver
{
    private const string Caller = "webhook";
    private readonly ProcessEngine _engine;
    private readonly IdempotencyStore _idempotency;

    internal WebhookReceiver(ProcessEngine engine, WebhookRegistry registry)
    {
        _engine = engine;
        Registry = registry;
        _idempotency = new IdempotencyStore(engine.DataSource);
    }

    public WebhookRegistry Registry { get; }

    /// <summary>Handles one call; <paramref name="secretValue"/> resolves a connector secret's name to its value (null: not configured).</summary>
    public async Task<WebhookOutcome> ReceiveAsync(WebhookCall call, Func<string, CancellationToken, Task<string?>> secretValue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(secretValue);
        var found = await Registry.FindAsync(call.TenantId, call.Path, cancellationToken);
        if (found.Count == 0)
        {
            return WebhookOutcome.Problem(404, "path", $"No deployed process declares the webhook '/webhooks/{WebhookDeclaration.NormalisePath(call.Path)}'.");
        }
        if (found.Count > 1)
        {
            return WebhookOutcome.Problem(409, "path", $"The webhook '/webhooks/{found[0].Path}' is declared by several elements " +
                $"({string.Join(", ", found.Select(f => $"{f.BpmnProcessId}/{f.ElementId}"))}); a designer must keep one.");
        }
        var webhook = found[0];
        if (await secretValue(webhook.SecretName, cancellationToken) is not { Length: > 0 } secret)
        {
            return WebhookOutcome.Problem(503, null, $"The webhook's secret '{webhook.SecretName}' is not configured: an admin sets it (Connector secrets); until then every call is refused.");
        }
        if (Authenticate(webhook, call, secret) is { } refusal)
        {
            return WebhookOutcome.Problem(401, webhook.Header, refusal);
        }
        JsonNode? body;
        try
        {
            body = call.Body.Length == 0 ? null : JsonNode.Parse(call.Body.Span.ToArray());
        }
        catch (JsonException e)
        {
            return WebhookOutcome.Problem(400, "body", $"The body is not JSON: {e.Message}");
        }
        if (body is not JsonObject)
        {
            return WebhookOutcome.Problem(400, "body", "The body must be a JSON object.");
        }
        if (WebhookMapping.FirstMissing(webhook.Required, body) is { } missing)
        {
            return WebhookOutcome.Problem(400, missing, $"The body lacks the required field '{missing}'.");
        }
        var context = WebhookMapping.Context(body, call.Headers);
        var now = _engine.Clock.GetUtcNow();
        string? idempotencyKey = null;
        if (webhook.IdempotencyKey is { } idempotencyExpression)
        {
            var (value, field, problem) = WebhookMapping.Evaluate("idempotencyKey", idempotencyExpression, context, body, now, required: true);
            idempotencyKey = WebhookMapping.AsKey(value);
            if (problem is not null || string.IsNullOrEmpty(idempotencyKey))
            {
                return WebhookOutcome.Problem(400, field ?? "idempotencyKey", problem ?? "webhook.idempotencyKey must give a text or a number.");
            }
        }
        if (idempotencyKey is null)
        {
            return await ActAsync(webhook, context, body, now, null, cancellationToken);
        }
        // Finds the first answer (kept a day; the business key keeps a start unique after); the command serialises replays of one key.
        var route = $"{webhook.TenantId} /webhooks/{webhook.Path}";
        var session = await _idempotency.BeginAsync(Caller, route, idempotencyKey, idempotencyKey, cancellationToken);
        if (session.Answer is { } stored)
        {
            return new WebhookOutcome(stored.Status, stored.Body, null, null, Replayed: true);
        }
        WebhookOutcome outcome;
        using (session.Enlist())
        {
            outcome = await ActAsync(webhook, context, body, now, idempotencyKey, cancellationToken);
        }
        if (!outcome.IsProblem)
        {
            await session.SaveAnswerAsync(new IdempotentAnswer(outcome.Status, outcome.Json!, "application/json"), cancellationToken);
        }
        return outcome with { Replayed = outcome.Replayed || session.Claim.Replayed };
    }

    private async Task<WebhookOutcome> ActAsync(WebhookDeclaration webhook, Feel.Evaluation.FeelContext context, JsonNode body, DateTimeOffset now,
        string? idempotencyKey, CancellationToken cancellationToken)
    {
        JsonObject variables;
        if (webhook.Variables is { } variablesExpression)
        {
            var (value, field, problem) = WebhookMapping.Evaluate("variables", variablesExpression, context, body, now, required: true);
            if (problem is not null)
            {
                return WebhookOutcome.Problem(400, field ?? "variables", problem);
            }
            if (value is not JsonObject mapped)
            {
                return WebhookOutcome.Problem(400, "variables", "webhook.variables must give a context (the variables by name).");
            }
            variables = mapped;
        }
        else
        {
            variables = (JsonObject)body.DeepClone();
        }
        string? correlationKey = null;
        if (webhook.CorrelationKey is { } correlationExpression)
        {
            var (value, field, problem) = WebhookMapping.Evaluate("correlationKey", correlationExpression, context, body, now, required: true);
            correlationKey = WebhookMapping.AsKey(value);
            if (problem is not null || correlationKey is null)
            {
                return WebhookOutcome.Problem(400, field ?? "correlationKey", problem ?? "webhook.correlationKey must give a text or a number.");
            }
        }
        long instanceKey;
        var replayed = false;
        using (TenantScope.Enter([webhook.TenantId]))
        {
            if (webhook.IsStart)
            {
                var started = await _engine.CreateInstanceAsync(webhook.BpmnProcessId, null, variables, idempotencyKey, cancellationToken,
                    webhook.ElementId, webhook.TenantId);
                if (started.Error == CommandError.AlreadyExists && idempotencyKey is { } businessKey)
                {
                    instanceKey = await ExistingAsync(webhook, businessKey, cancellationToken) ?? 0;
                    replayed = true;
                }
                else if (!started.Ok)
                {
                    return Refused(started);
                }
                else
                {
                    instanceKey = started.Value!.ProcessInstanceKey;
                }
            }
            else
            {
                var correlated = await _engine.CorrelateMessageAsync(webhook.MessageName!, correlationKey!, variables, cancellationToken, webhook.TenantId);
                if (!correlated.Ok)
                {
                    return correlated.Error == CommandError.NotFound
                        ? WebhookOutcome.Problem(404, "correlationKey", $"No instance waits for the message '{webhook.MessageName}' with the correlation key '{correlationKey}'.")
                        : Refused(correlated);
                }
                instanceKey = correlated.Value!.CorrelatedProcessInstanceKeys.FirstOrDefault();
            }
        }
        return Respond(webhook, context, body, now, instanceKey, replayed);
    }

    private static WebhookOutcome Respond(WebhookDeclaration webhook, Feel.Evaluation.FeelContext context, JsonNode body, DateTimeOffset now, long instanceKey,
        bool replayed)
    {
        var key = instanceKey.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JsonNode? answer = new JsonObject { ["processInstanceKey"] = key };
        if (webhook.Response is { } template)
        {
            var (value, _, problem) = WebhookMapping.Evaluate("response", template, context.Set("processInstanceKey", JsonValue.Create(key)), body, now, required: false);
            // The instance has started: a broken template must not turn that into an error the platform retries.
            answer = problem is null ? value ?? new JsonObject() : new JsonObject { ["processInstanceKey"] = key, ["responseProblem"] = problem };
        }
        return new WebhookOutcome(200, answer!.ToJsonString(), null, null, replayed);
    }

    private async Task<long?> ExistingAsync(WebhookDeclaration webhook, string businessKey, CancellationToken cancellationToken)
    {
        await using var connection = await _engine.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return await InstanceStore.FindByBusinessKeyAsync(connection, transaction, webhook.TenantId, webhook.BpmnProcessId, businessKey, cancellationToken);
    }

    // Values outside the start form's catalogues are the platform's to fix: a 422 naming the (first) field and every value.
    private static WebhookOutcome Refused<T>(CommandResult<T> result) => result.Fields is { Count: > 0 } fields
        ? WebhookOutcome.Problem(422, fields.Keys.First(), result.Message!)
        : Refused(result.Error, result.Message);

    private static WebhookOutcome Refused(CommandError? error, string? message) => WebhookOutcome.Problem(error switch
    {
        CommandError.InvalidArgument => 400,
        CommandError.NotFound => 404,
        CommandError.Forbidden => 403,
        _ => 409,
    }, null, message ?? "The engine refused the call.");

    /// <summary>Null when the call proves it knows the secret; else why not (never the expected value).</summary>
    private static string? Authenticate(WebhookDeclaration webhook, WebhookCall call, string secret)
    {
        var given = call.Headers.FirstOrDefault(h => string.Equals(h.Key, webhook.Header, StringComparison.OrdinalIgnoreCase)).Value;
        if (string.IsNullOrWhiteSpace(given))
        {
            return $"The header {webhook.Header} is missing.";
        }
        if (webhook.Auth == WebhookAuth.ApiKey)
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.Trim()), Encoding.UTF8.GetBytes(secret)) ? null : $"The {webhook.Header} is wrong.";
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), call.Body.Span);
        var text = given.Trim();
        if (text.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            text = text["sha256=".Length..];
        }
        var signature = Decode(text);
        return signature is not null && CryptographicOperations.FixedTimeEquals(signature, expected)
            ? null
            : $"The signature in {webhook.Header} does not match the body (HMAC-SHA256 of the raw body, hex or base64).";
    }

    private static byte[]? Decode(string text)
    {
        if (text.Length == 64 && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }
        var buffer = new byte[64];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32 ? buffer[..written] : null;
    }
}
