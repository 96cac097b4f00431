using System.Globalization;

namespace Processes.Host.Identity;

/// <summary>
/// Optimistic concurrency: GET answers an ETag with the version; a write sends it back as If-Match (stale: 412) or
/// as "version" in the body (stale: 409).
/// </summary>
internal static class Versions
{
    public static string ETag(int version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>
    /// The version the caller expects, and whether it came from If-Match. <c>If-Match: *</c> accepts any version
    /// (null, from If-Match); an unreadable If-Match matches nothing.
    /// </summary>
    public static (int? Expected, bool FromIfMatch) Read(HttpRequest request, int? bodyVersion)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return (bodyVersion, false);
        }
        var tag = ifMatch.Trim();
        if (tag == "*")
        {
            return (null, true);
        }
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            tag = tag[2..];
        }
        return (int.TryParse(tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1, true);
    }
}
