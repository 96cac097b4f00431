namespace Processes.Host.Documents;

/// <summary>
/// Whether bytes are what their declared content type says: an image/png that is an HTML page is refused, so the
/// allow-list cannot be talked around by a part's Content-Type header.
/// </summary>
internal static class DocumentContent
{
    public static bool Matches(string contentType, ReadOnlySpan<byte> content) => contentType switch
    {
        "image/jpeg" => content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        "image/png" => content.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/webp" => content.Length >= 12 && content[..4].SequenceEqual("RIFF"u8) && content[8..12].SequenceEqual("WEBP"u8),
        "application/pdf" => content.StartsWith("%PDF-"u8),
        "text/plain" => !content.Contains((byte)0),
        // A type added to the allow-list by configuration: its parts' header is all there is to go on.
        _ => true,
    };

    /// <summary>The media type without parameters, lower case ("image/PNG; q=1" → "image/png").</summary>
    public static string MediaType(string? header)
    {
        var type = (header ?? "").Split(';', 2)[0].Trim();
        return type.ToLowerInvariant();
    }
}
