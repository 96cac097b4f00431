using System.Globalization;

namespace Processes.Activities.Http;

/// <summary>
/// Where the <c>http</c> activity may call, compared on the parsed scheme, host and port of the final URL — never on
/// its text, which tricks like <c>user@host</c> or a leading placeholder would fool. An entry is a host
/// (<c>api.example.com</c>), a host with a port (<c>127.0.0.1:8080</c>), either with a scheme
/// (<c>https://api.example.com</c>), or a wildcard (<c>*.example.com</c>) for the subdomains. Without a port an entry
/// allows the scheme's default port only; without a scheme it allows http and https.
/// </summary>
internal sealed class HostAllowList
{
    private readonly Entry[] _entries;

    public HostAllowList(IEnumerable<string> entries) =>
        _entries = [.. entries.Select(Parse).OfType<Entry>()];

    public bool Allows(Uri url)
    {
        var host = HostOf(url);
        foreach (var entry in _entries)
        {
            var hostMatches = entry.Wildcard
                ? host.EndsWith(entry.Host, StringComparison.Ordinal) && host.Length > entry.Host.Length
                : host == entry.Host;
            var schemeMatches = entry.Scheme is null || entry.Scheme == url.Scheme;
            var portMatches = entry.Port is { } port ? port == url.Port : url.IsDefaultPort;
            if (hostMatches && schemeMatches && portMatches)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The host as the allow-list compares it: punycode, lower case, IPv6 in brackets.</summary>
    public static string HostOf(Uri url) => url.HostNameType == UriHostNameType.IPv6 ? url.Host.ToLowerInvariant() : url.IdnHost.ToLowerInvariant();

    private sealed record Entry(string? Scheme, string Host, int? Port, bool Wildcard);

    /// <summary>An entry, or null for one that cannot be read (it then allows nothing, rather than too much).</summary>
    private static Entry? Parse(string text)
    {
        var rest = text.Trim().ToLowerInvariant().TrimEnd('/');
        string? scheme = null;
        var schemeEnd = rest.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            scheme = rest[..schemeEnd];
            rest = rest[(schemeEnd + 3)..];
            if (scheme is not ("http" or "https"))
            {
                return null;
            }
        }
        var wildcard = rest.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard)
        {
            rest = rest[1..]; // keeps the dot: ".example.com" matches subdomains only
        }
        int? port = null;
        var portStart = rest.StartsWith('[') ? rest.IndexOf("]:", StringComparison.Ordinal) + 1 : rest.LastIndexOf(':');
        if (portStart > 0)
        {
            if (!int.TryParse(rest[(portStart + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                return null;
            }
            port = number;
            rest = rest[..portStart];
        }
        if (rest.Length == 0 || rest.Contains('/') || rest.Contains('@'))
        {
            return null;
        }
        if (wildcard)
        {
            return Uri.TryCreate($"http://x{rest}", UriKind.Absolute, out var probe) ? new Entry(scheme, probe.IdnHost.ToLowerInvariant()[1..], port, true) : null;
        }
        return Uri.TryCreate($"http://{rest}", UriKind.Absolute, out var parsed) && parsed.AbsolutePath == "/"
            ? new Entry(scheme, HostOf(parsed), port, false)
            : null;
    }
}
