using System.Text.RegularExpressions;

namespace Processes.Engine.Execution;

/// <summary>
/// Camunda 8.8's process-instance tags: a set of at most <see cref="MaxCount"/> labels given when the instance is
/// created and never changed, each a letter then up to 99 letters, digits, <c>_ - : .</c> (the spec's TagSet).
/// </summary>
public static partial class InstanceTags
{
    public const int MaxCount = 10;

    /// <summary>The rule in words, for the problems that refuse a tag.</summary>
    public const string Rule = "a tag starts with a letter, then up to 99 letters, digits, '_', '-', ':' or '.'";

    public static bool IsValid(string? tag) => tag is not null && Pattern().IsMatch(tag);

    /// <summary>
    /// The tags as stored: each once, in the order first given; or the reason they are refused, naming the tag by its
    /// index under <paramref name="field"/> (null tags: none).
    /// </summary>
    public static (string[] Tags, string? Problem) Normalize(IReadOnlyList<string?>? tags, string field = "tags")
    {
        if (tags is null || tags.Count == 0)
        {
            return ([], null);
        }
        for (var i = 0; i < tags.Count; i++)
        {
            if (!IsValid(tags[i]))
            {
                var shown = tags[i] is null ? "null" : $"'{tags[i]}'";
                return ([], $"{field}[{i}] {shown} is not a tag: {Rule}.");
            }
        }
        var distinct = tags.Select(t => t!).Distinct(StringComparer.Ordinal).ToArray();
        return distinct.Length > MaxCount
            ? ([], $"{field} has {distinct.Length} tags; an instance has at most {MaxCount}.")
            : (distinct, null);
    }

    // Anchored with \z: '$' would also accept a trailing newline.
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_\-:.]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
