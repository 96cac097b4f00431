namespace Processes.Host.Identity;

/// <summary>
/// Where a browser may be sent after sign-in: only a path on this site. Browsers ignore tab, CR and LF inside URLs
/// and read "\" as "/", so "/\t/evil.example" or "/\evil.example" would leave the site as "//evil.example" does;
/// every percent-decoded form is checked too, in case a later step decodes once more.
/// </summary>
public static class ReturnUrls
{
    private const int MaximumLength = 2048;

    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaximumLength)
        {
            return false;
        }
        var current = url;
        for (var round = 0; round < 4; round++)
        {
            if (!IsPlainLocalPath(current))
            {
                return false;
            }
            string decoded;
            try
            {
                decoded = Uri.UnescapeDataString(current);
            }
            catch (UriFormatException)
            {
                return false;
            }
            if (decoded == current)
            {
                return true;
            }
            current = decoded;
        }
        // Still changing after several rounds of decoding: nobody legitimate nests encodings that deep.
        return false;
    }

    /// <summary>The URL if it is local, else <paramref name="fallback"/>.</summary>
    public static string LocalOr(string? url, string fallback) => IsLocal(url) ? url! : fallback;

    private static bool IsPlainLocalPath(string url) =>
        url.Length > 0 && url[0] == '/' &&
        !url.Contains("//", StringComparison.Ordinal) &&
        !url.Contains('\\', StringComparison.Ordinal) &&
        !url.Any(char.IsControl);
}
