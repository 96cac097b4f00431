using System.Collections.Concurrent;

namespace Processes.Engine.Feel;

/// <summary>
/// Parsed expressions by text. Parsing is pure, so entries never go stale; a definition version can hold one
/// cache or share a process-wide one. When full, the cache is cleared rather than tracking recency: cheap,
/// and re-parsing is only a small cost.
/// </summary>
internal sealed class FeelExpressionCache(int capacity = 10_000)
{
    private readonly ConcurrentDictionary<(string Text, bool UnaryTests), FeelParseResult> _entries = new();

    public int Count => _entries.Count;

    public FeelParseResult GetExpression(string text) => Get(text, false);

    public FeelParseResult GetUnaryTests(string text) => Get(text, true);

    private FeelParseResult Get(string text, bool unaryTests)
    {
        if (_entries.TryGetValue((text, unaryTests), out var cached))
        {
            return cached;
        }
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
        var parsed = unaryTests ? Feel.ParseUnaryTests(text) : Feel.ParseExpression(text);
        return _entries.GetOrAdd((text, unaryTests), parsed);
    }
}
