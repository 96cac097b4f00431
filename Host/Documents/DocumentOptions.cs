namespace Processes.Host.Documents;

/// <summary>
/// Section <c>Processes:Documents</c>: what an upload may be. Over <see cref="MaxBytes"/> is a 413 naming the limit; a
/// content type outside <see cref="ContentTypes"/>, or content that is not what its type says, a 400 naming the type.
/// </summary>
public sealed class DocumentOptions
{
    public const string Section = "Processes:Documents";

    /// <summary>The store id in document references (Camunda names its stores; Processes has one, in PostgreSQL).</summary>
    public const string StoreId = "in-postgres";

    /// <summary>One document's size in bytes.</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Documents in one batch upload.</summary>
    public int MaxBatchCount { get; set; } = 10;

    /// <summary>
    /// Content types accepted. No SVG or HTML: a document is served from the product's origin, where a script in it
    /// would run as the signed-in user.
    /// </summary>
    /// Set, the list replaces the default one (configuration binding would append to a filled list).
    public IReadOnlyList<string>? ContentTypes { get; set; }

    public IReadOnlyList<string> AllowedContentTypes => ContentTypes ?? ["image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain"];

    /// <summary>A link's lifetime when the request names none, and the longest one may ask for.</summary>
    public TimeSpan DefaultLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan MaxLinkLifetime { get; set; } = TimeSpan.FromDays(7);
}
