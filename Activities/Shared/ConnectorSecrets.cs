using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Processes.Activities.Shared;

/// <summary>
/// Camunda connector secrets: <c>{{secrets.NAME}}</c> in what a model declares (a task header) is replaced by the
/// configuration value <c>Processes:Secrets:NAME</c> (env <c>Processes__Secrets__NAME</c>) when the job runs, or else by
/// the value an admin stored for the job's tenant (<see cref="ConnectorSecretStore"/>; never another tenant's, not even
/// the default tenant's — a value all tenants share goes into configuration): configuration wins, so an environment can pin a value
/// the admin page cannot override. A stored value takes effect at the next job run, no restart needed. A model
/// drawn once then carries no webhook address or token, and each environment configures its own. Callers resolve
/// only model text, never variables: whoever starts an instance sets its variables, and a placeholder there would
/// hand them the secret. The resolved value never goes into variables, history, logs or failure messages —
/// <see cref="Resolved.Redact"/> puts the placeholder back into any text that is about to.
/// </summary>
internal sealed partial class ConnectorSecrets(IConfiguration section, ConnectorSecretStore? store = null,
    IReadOnlyDictionary<string, string>? stored = null)
{
    [GeneratedRegex(@"\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")]
    private static partial Regex LeadingPlaceholder();

    public static bool HasPlaceholder(string text) => Placeholder().IsMatch(text);

    /// <summary>The secret a text starts with (so the secret supplies a URL's scheme, host and port), if any.</summary>
    public static string? LeadingSecret(string text) => LeadingPlaceholder().Match(text) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>The configured value of one secret, else the stored one (as loaded by <see cref="ForTextsAsync"/>), or null.</summary>
    public string? Value(string name) => section[name] is { Length: > 0 } value ? value : stored?.GetValueOrDefault(name);

    /// <summary>Where admins store values; null without a Data Protection key ring (then only configuration resolves).</summary>
    public ConnectorSecretStore? Store => store;

    /// <summary>Names set in configuration (the admin page shows them as set there; their values stay in configuration).</summary>
    public IReadOnlyList<string> ConfiguredNames => [.. section.GetChildren().Where(c => c.Value is { Length: > 0 }).Select(c => c.Key).Order(StringComparer.Ordinal)];

    /// <summary>
    /// These secrets with the values <paramref name="tenantId"/> stored for what <paramref name="texts"/> (model text) name
    /// and configuration does not set, loaded now: one job resolves against what an admin set up to the moment it runs.
    /// </summary>
    public async Task<ConnectorSecrets> ForTextsAsync(IEnumerable<string?> texts, string tenantId, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return this;
        }
        var names = texts.Where(t => t is not null).SelectMany(t => Placeholder().Matches(t!).Select(m => m.Groups[1].Value))
            .Where(n => section[n] is not { Length: > 0 }).ToHashSet(StringComparer.Ordinal);
        return names.Count == 0 ? this : new ConnectorSecrets(section, store, await store.ValuesAsync(tenantId, names, cancellationToken));
    }

    /// <summary>The text with every placeholder replaced, or the names of the secrets that are not configured.</summary>
    public (string? Text, IReadOnlyList<string> Missing) Resolve(string text, Resolved used)
    {
        var missing = new List<string>();
        var resolved = Placeholder().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (Value(name) is not { } value)
            {
                missing.Add(name);
                return "";
            }
            used.Add(name, value);
            return value;
        });
        return missing.Count == 0 ? (resolved, []) : (null, missing);
    }

    public static string MissingMessage(IReadOnlyList<string> names) =>
        $"The secret(s) {string.Join(", ", names)} are not configured: an admin sets them on the settings page (Connector secrets, in the instance's tenant), " +
        $"or configure Processes:Secrets:{names[0]} (environment variable Processes__Secrets__{names[0]}); then retry the incident.";

    /// <summary>The secrets one call resolved, to take back out of anything an operator or a log will read.</summary>
    internal sealed class Resolved
    {
        private readonly List<(string Value, string Placeholder)> _values = [];

        public bool Any => _values.Count > 0;

        public void Add(string name, string value)
        {
            if (!_values.Exists(v => v.Value == value))
            {
                _values.Add((value, $"{{{{secrets.{name}}}}}"));
                // Longest first: a URL secret must not be half-replaced by a shorter secret it contains.
                _values.Sort((a, b) => b.Value.Length.CompareTo(a.Value.Length));
            }
        }

        /// <summary>Also hides the address part of a secret URL (an error such as "Connection refused (host:port)" names it).</summary>
        public void AddAddress(string name, Uri url)
        {
            Add(name, url.GetLeftPart(UriPartial.Authority));
            Add(name, url.Authority);
        }

        public string Redact(string text)
        {
            foreach (var (value, placeholder) in _values)
            {
                text = text.Replace(value, placeholder, StringComparison.OrdinalIgnoreCase);
            }
            return text;
        }
    }
}
