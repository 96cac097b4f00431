using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Processes.Activities.Shared;

/// <summary>
/// Camunda connector secrets: <c>{{secrets.NAME}}</c> in a task header or input is replaced by the configuration value
/// <c>Processes:Secrets:NAME</c> (env <c>Processes__Secrets__NAME</c>) when the job runs. A model drawn once then
/// carries no webhook address or token, and each environment configures its own; the resolved value never goes into
/// variables, history or failure messages.
/// </summary>
internal sealed partial class ConnectorSecrets(IConfiguration section)
{
    [GeneratedRegex(@"\{\{\s*secrets\.([A-Za-z0-9_\-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    public static bool HasPlaceholder(string text) => Placeholder().IsMatch(text);

    /// <summary>The text with every placeholder replaced, or the names of the secrets that are not configured.</summary>
    public (string? Text, IReadOnlyList<string> Missing) Resolve(string text)
    {
        var missing = new List<string>();
        var resolved = Placeholder().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            var value = section[name];
            if (string.IsNullOrEmpty(value))
            {
                missing.Add(name);
                return "";
            }
            return value;
        });
        return missing.Count == 0 ? (resolved, []) : (null, missing);
    }

    public static string MissingMessage(IReadOnlyList<string> names) =>
        $"The secret(s) {string.Join(", ", names)} are not configured: set Processes:Secrets:{names[0]} " +
        $"(environment variable Processes__Secrets__{names[0]}).";
}
