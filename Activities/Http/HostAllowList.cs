namespace Processes.Activities.Http;

/// <summary>Host names the <c>http</c> activity may call: exact names, or <c>*.example.com</c> for its subdomains.</summary>
internal sealed class HostAllowList(IEnumerable<string> entries)
{
    private readonly string[] _entries = [.. entries.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0)];

    public bool Allows(string host)
    {
        var name = host.ToLowerInvariant();
        foreach (var entry in _entries)
        {
            if (entry == name || (entry.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(entry[1..], StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }
}
