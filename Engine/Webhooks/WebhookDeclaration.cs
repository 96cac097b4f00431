using System.Collections.Immutable;
using Processes.Engine.Bpmn.Executable;

namespace Processes.Engine.Webhooks;

/// <summary>How a platform proves a webhook call is its own.</summary>
public enum WebhookAuth
{
    /// <summary>HMAC-SHA256 of the raw body under the secret, hex (optionally <c>sha256=</c>) or base64, in a header.</summary>
    Hmac,

    /// <summary>The secret's value itself in a header.</summary>
    ApiKey,
}

/// <summary>
/// An inbound webhook as a model declares it in <c>zeebe:properties</c> on a start event or an intermediate message
/// catch event: <c>webhook.path</c> (under <c>/webhooks/</c>), <c>webhook.auth</c> (<c>hmac</c>, the default, or
/// <c>apiKey</c>), <c>webhook.secret</c> (a connector secret's NAME — the value never sits in a model),
/// <c>webhook.signatureHeader</c> / <c>webhook.apiKeyHeader</c>, <c>webhook.required</c> (body fields that must be
/// there, comma list of dotted paths), and FEEL over <c>body</c> and <c>headers</c>: <c>webhook.variables</c> (a
/// context), <c>webhook.correlationKey</c>, <c>webhook.idempotencyKey</c> (a replay with the same value gets the first
/// answer; on a start event it is also the business key, so an order starts once), <c>webhook.response</c> (the
/// answer's JSON, also seeing <c>processInstanceKey</c>).
/// </summary>
public sealed record WebhookDeclaration(string TenantId, string BpmnProcessId, long ProcessDefinitionKey, string ElementId, bool IsStart, string? MessageName,
    string Path, WebhookAuth Auth, string SecretName, string Header, ImmutableArray<string> Required, string? Variables, string? CorrelationKey,
    string? IdempotencyKey, string? Response)
{
    public const string Prefix = "webhook.";

    /// <summary>The declaration on <paramref name="node"/>, null when it declares none; a problem when it declares one badly.</summary>
    internal static (WebhookDeclaration? Declaration, string? Problem) Read(string tenantId, string bpmnProcessId, long definitionKey, ExecutableFlowNode node)
    {
        var p = node.Properties;
        if (!p.TryGetValue(Prefix + "path", out var rawPath) || string.IsNullOrWhiteSpace(rawPath))
        {
            return (null, null);
        }
        var where = $"{node} of process '{bpmnProcessId}'";
        var isStart = node.Kind == ElementKind.StartEvent && node.FlowScope.Parent is null;
        var message = (node as ExecutableEvent)?.Message?.Name;
        if (!isStart && !(node.Kind == ElementKind.IntermediateCatchEvent && message is not null))
        {
            return (null, $"{where}: a webhook belongs on a process's start event or on an intermediate message catch event.");
        }
        if (message is { IsExpression: true })
        {
            return (null, $"{where}: a webhook needs a literal message name, not the expression '{message.Raw}'.");
        }
        var auth = Text(p, "auth")?.ToLowerInvariant() switch
        {
            null or "hmac" => WebhookAuth.Hmac,
            "apikey" => (WebhookAuth?)WebhookAuth.ApiKey,
            _ => null,
        };
        if (auth is null)
        {
            return (null, $"{where}: webhook.auth must be 'hmac' or 'apiKey'.");
        }
        var secret = Text(p, "secret");
        if (secret is not null && secret.StartsWith("{{", StringComparison.Ordinal))
        {
            secret = secret.Trim('{', '}', ' ').Replace("secrets.", "", StringComparison.Ordinal);
        }
        if (secret is null || !IsSecretName(secret))
        {
            return (null, $"{where}: webhook.secret must name a connector secret (letters, digits, _ or -); its value is configured, never written in the model.");
        }
        var isCatch = !isStart;
        var correlation = Expression(p, "correlationKey");
        if (isCatch && correlation is null)
        {
            return (null, $"{where}: a webhook on a message catch event needs webhook.correlationKey.");
        }
        var header = Text(p, auth == WebhookAuth.Hmac ? "signatureHeader" : "apiKeyHeader") ?? (auth == WebhookAuth.Hmac ? "X-Signature" : "X-Api-Key");
        var required = (Text(p, "required") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (new WebhookDeclaration(tenantId, bpmnProcessId, definitionKey, node.Id, isStart, message?.Text, NormalisePath(rawPath), auth.Value, secret,
            header, [.. required], Expression(p, "variables"), correlation, Expression(p, "idempotencyKey"), Expression(p, "response")), null);
    }

    /// <summary>A path as it is matched: no leading <c>/webhooks/</c> or slashes, lower case.</summary>
    public static string NormalisePath(string path)
    {
        var trimmed = path.Trim().Trim('/');
        if (trimmed.StartsWith("webhooks/", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed["webhooks/".Length..];
        }
        return trimmed.ToLowerInvariant();
    }

    private static bool IsSecretName(string name) => name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string? Text(ImmutableDictionary<string, string> properties, string name) =>
        properties.TryGetValue(Prefix + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>A FEEL property: the text after a leading '=' (written or not, as Camunda's connector properties allow).</summary>
    private static string? Expression(ImmutableDictionary<string, string> properties, string name) =>
        Text(properties, name) is { } text ? (text.StartsWith('=') ? text[1..].Trim() : text) : null;
}
