using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Activities.Shared;
using Processes.Engine.Jobs;

namespace Processes.Activities.Http;

/// <summary>
/// What one <c>http</c> job may send, decided before anything leaves the host. The model (task headers: <c>url</c>,
/// <c>method</c>, <c>header.*</c>) is trusted — whoever deploys it is — but variables are not: whoever starts an
/// instance or completes a task sets them. Hence: secrets resolve only in the model's headers; an element whose URL or
/// headers use a secret takes no URL, method or headers from variables (only <c>httpQuery</c> parameters, which
/// cannot move it); a URL that starts with a secret must keep that secret's scheme, host and port; every other URL
/// must match the allow-list on its parsed scheme, host and port; <c>user@host</c> is refused. Refusals name the
/// placeholder, never the secret's value.
/// </summary>
internal sealed record HttpRequestPlan(HttpMethod Method, Uri Url, string Shown, IReadOnlyList<(string Name, string Value)> Headers,
    ConnectorSecrets.Resolved Secrets)
{
    private static readonly string[] Overrides = ["httpUrl", "httpMethod", "httpHeaders"];

    /// <summary>Headers that steer the connection or the virtual host rather than the request: no model or variable sets them.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect",
        "Proxy-Authorization", "Proxy-Connection",
    };

    /// <summary>The plan, or the reason (for the incident) why this job must not call anything.</summary>
    public static (HttpRequestPlan? Plan, string? Refusal) For(JobContext job, ConnectorSecrets secrets, HostAllowList allowed)
    {
        var modelUrl = Header(job, "url");
        var modelHeaders = ModelHeaders(job);
        var usesSecrets = (modelUrl is not null && ConnectorSecrets.HasPlaceholder(modelUrl)) || modelHeaders.Exists(h => ConnectorSecrets.HasPlaceholder(h.Value));
        string[] present = [.. Overrides.Where(name => job.Variables[name] is not null)];
        if (usesSecrets && present.Length > 0)
        {
            return Refuse($"The element '{job.ElementId}' calls with connector secrets in its 'url' or 'header.*' task headers, so variables may not " +
                $"change its URL, method or headers, but the instance has {string.Join(", ", present.Select(p => $"'{p}'"))}. Remove them from " +
                "the instance or map them to null in the element's input mappings.");
        }
        if (job.Variables["httpUrl"] is { } urlVariable && !(urlVariable is JsonValue v && v.GetValueKind() == JsonValueKind.String))
        {
            return Refuse("The variable 'httpUrl' must be a string.");
        }
        if (job.Variables["httpHeaders"] is { } headersVariable && headersVariable is not JsonObject)
        {
            return Refuse("The variable 'httpHeaders' must be an object of header names and values.");
        }
        var variableUrl = job.Variables["httpUrl"]?.GetValue<string>();
        var variableHeaders = VariableHeaders(job);
        if ((variableUrl is not null && ConnectorSecrets.HasPlaceholder(variableUrl)) || variableHeaders.Exists(h => ConnectorSecrets.HasPlaceholder(h.Value)))
        {
            return Refuse("A variable ('httpUrl' or 'httpHeaders') holds a secret placeholder: secrets resolve only in the model's 'url' and " +
                "'header.*' task headers, never in variables.");
        }

        var template = variableUrl ?? modelUrl;
        var used = new ConnectorSecrets.Resolved();
        var templated = variableUrl is null && template is not null && ConnectorSecrets.HasPlaceholder(template);
        var urlText = template;
        if (templated)
        {
            var (resolved, missing) = secrets.Resolve(template!, used);
            if (resolved is null)
            {
                return Refuse($"The URL '{template}' needs a secret: {ConnectorSecrets.MissingMessage(missing)}");
            }
            urlText = resolved;
        }
        if (string.IsNullOrWhiteSpace(urlText) || !Uri.TryCreate(urlText, UriKind.Absolute, out var parsed) || !IsHttp(parsed))
        {
            return Refuse($"The http activity needs an absolute http(s) URL (header 'url' or variable 'httpUrl'), not '{template}'.");
        }
        var query = Query(job);
        if (query is null)
        {
            return Refuse("The variable 'httpQuery' must be an object of parameter names and values (texts, numbers, booleans or lists of them).");
        }
        if (!Uri.TryCreate(parsed.GetLeftPart(UriPartial.Query) + (query.Length == 0 ? "" : (parsed.Query.Length > 1 ? "&" : parsed.Query.Length == 1 ? "" : "?") + query),
            UriKind.Absolute, out var url) || !IsHttp(url))
        {
            return Refuse($"The http activity needs an absolute http(s) URL (header 'url' or variable 'httpUrl'), not '{template}'.");
        }
        var shown = templated ? template! : url.ToString();
        if (url.UserInfo.Length > 0)
        {
            return Refuse($"The URL '{shown}' carries user information (user@host), which the http activity refuses: send credentials in a header.");
        }
        if ((templated ? ConnectorSecrets.LeadingSecret(template!) : null) is { } leading)
        {
            // The secret supplies the address: an administrator configured it, so it needs no allow-list entry — but
            // only as long as the final URL keeps the secret's own scheme, host and port.
            if (!Uri.TryCreate(secrets.Value(leading), UriKind.Absolute, out var origin) || !IsHttp(origin) || origin.UserInfo.Length > 0)
            {
                return Refuse($"The secret {leading}, which starts the URL '{template}', must be an absolute http(s) URL without user information.");
            }
            used.AddAddress(leading, origin);
            if (origin.Scheme != url.Scheme || HostAllowList.HostOf(origin) != HostAllowList.HostOf(url) || origin.Port != url.Port)
            {
                return Refuse($"The URL '{template}' leaves the address of its secret {leading}: its scheme, host and port must stay the secret's.");
            }
        }
        else if (!allowed.Allows(url))
        {
            return Refuse(templated
                ? $"The URL '{template}' leads to a host that is not in Processes:Activities:Http:AllowedHosts."
                : $"The host '{HostAllowList.HostOf(url)}' ({url.Scheme}, port {url.Port}) is not in Processes:Activities:Http:AllowedHosts.");
        }

        var methodName = ((job.Variables["httpMethod"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : Header(job, "method"))
            ?? "GET").Trim().ToUpperInvariant();
        if (methodName.Length == 0 || !methodName.All(char.IsAsciiLetterUpper))
        {
            return Refuse($"'{methodName}' is not an HTTP method (header 'method' or variable 'httpMethod').");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in modelHeaders)
        {
            var (resolved, missing) = secrets.Resolve(value, used);
            if (resolved is null)
            {
                return Refuse($"The request header '{name}' needs a secret: {ConnectorSecrets.MissingMessage(missing)}");
            }
            headers[name] = resolved;
        }
        foreach (var (name, value) in variableHeaders)
        {
            headers[name] = value;
        }
        headers.Remove(OutboundCall.IdempotencyHeader); // the job key is the idempotency key, not the model's choice
        foreach (var (name, value) in headers)
        {
            if (name.Length == 0 || !name.All(IsTokenChar) || Reserved.Contains(name))
            {
                return Refuse($"'{name}' cannot be a request header of the http activity.");
            }
            if (value.Any(c => c is '\r' or '\n' or '\0'))
            {
                return Refuse($"The request header '{name}' holds a line break, which would start another header.");
            }
        }
        return (new HttpRequestPlan(new HttpMethod(methodName), url, shown, [.. headers.Select(h => (h.Key, h.Value))], used), null);
    }

    private static (HttpRequestPlan?, string?) Refuse(string reason) => (null, reason);

    private static bool IsHttp(Uri url) => url.Scheme is "http" or "https";

    /// <summary>RFC 9110 token characters: anything else in a header name would break the request line by line.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static string? Header(JobContext job, string name) => job.CustomHeaders[name] is JsonValue value ? value.ToString() : null;

    /// <summary>The model's request headers: task headers named <c>header.X</c>.</summary>
    private static List<(string Name, string Value)> ModelHeaders(JobContext job) =>
        [.. job.CustomHeaders
            .Where(h => h.Key.StartsWith("header.", StringComparison.Ordinal) && h.Value is not null)
            .Select(h => (h.Key["header.".Length..], h.Value!.ToString()))];

    private static List<(string Name, string Value)> VariableHeaders(JobContext job) =>
        job.Variables["httpHeaders"] is JsonObject headers
            ? [.. headers.Where(h => h.Value is not null).Select(h => (h.Key, h.Value!.ToString()))]
            : [];

    /// <summary>
    /// <c>httpQuery</c> as an encoded query string ("" when absent), or null when it is not an object of simple values.
    /// Every name and value is percent-encoded, so parameters can never change the scheme, host, port or path.
    /// </summary>
    private static string? Query(JobContext job)
    {
        if (job.Variables["httpQuery"] is not { } node)
        {
            return "";
        }
        if (node is not JsonObject parameters)
        {
            return null;
        }
        var parts = new List<string>();
        foreach (var (name, value) in parameters)
        {
            IEnumerable<JsonNode?> values = value is JsonArray list ? list : new[] { value };
            foreach (var item in values)
            {
                if (item is null)
                {
                    continue;
                }
                if (item is not JsonValue scalar)
                {
                    return null;
                }
                var text = scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : scalar.ToJsonString();
                parts.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(text)}");
            }
        }
        return string.Join('&', parts);
    }
}
