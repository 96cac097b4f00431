using System.Globalization;

namespace Processes.Engine.Feel.Values;

/// <summary>
/// A FEEL value. The hierarchy is closed: every value is one of the sealed subclasses in this namespace.
/// Numbers use <see cref="decimal"/> (28-29 significant digits; FEEL asks for 34, so the last digits of
/// very long results can differ from a 128-bit decimal implementation).
/// </summary>
internal abstract class FeelValue
{
    private protected FeelValue()
    {
    }

    public static FeelNull Null => FeelNull.Instance;

    public static FeelBoolean True => FeelBoolean.TrueValue;

    public static FeelBoolean False => FeelBoolean.FalseValue;

    public bool IsNull => this is FeelNull;

    /// <summary>The FEEL type name used in messages and by <c>instance of</c>.</summary>
    public abstract string TypeName { get; }

    public static FeelValue Of(bool value) => value ? True : False;

    public static FeelValue Of(bool? value) => value is { } b ? Of(b) : Null;

    public static FeelValue Of(decimal value) => new FeelNumber(value);

    public static FeelValue Of(string? value) => value is null ? Null : new FeelString(value);

    /// <summary>
    /// Rough size: one per value plus one per 64 characters of text, summed over nested values. Values that
    /// share structure count every use, so limits on weight also bound anything that walks a value.
    /// </summary>
    internal virtual long Weight => 1;

    internal static long AddWeights(long a, long b) => a + b < 0 ? long.MaxValue : a + b;

    /// <summary>FEEL's own textual rendering (as in error messages and the <c>string()</c> function for non-strings).</summary>
    public abstract override string ToString();
}

internal sealed class FeelNull : FeelValue
{
    internal static readonly FeelNull Instance = new();

    private FeelNull()
    {
    }

    public override string TypeName => "null";

    public override string ToString() => "null";
}

internal sealed class FeelBoolean : FeelValue
{
    internal static readonly FeelBoolean TrueValue = new(true);
    internal static readonly FeelBoolean FalseValue = new(false);

    private FeelBoolean(bool value) => Value = value;

    public bool Value { get; }

    public override string TypeName => "boolean";

    public override string ToString() => Value ? "true" : "false";
}

internal sealed class FeelNumber(decimal value) : FeelValue
{
    public decimal Value { get; } = value;

    public override string TypeName => "number";

    public override string ToString() => Format(Value);

    /// <summary>Without trailing zeros: FEEL numbers have no scale of their own.</summary>
    internal static string Format(decimal value) =>
        (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}

internal sealed class FeelString(string value) : FeelValue
{
    public string Value { get; } = value;

    public override string TypeName => "string";

    internal override long Weight => 1 + Value.Length / 64;

    public override string ToString() => "\"" + Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

internal sealed class FeelList : FeelValue
{
    public static readonly FeelList Empty = new([]);

    private readonly long _weight;

    public FeelList(IReadOnlyList<FeelValue> items)
    {
        Items = items;
        _weight = 1;
        foreach (var item in items)
        {
            _weight = AddWeights(_weight, item.Weight);
        }
    }

    public IReadOnlyList<FeelValue> Items { get; }

    internal override long Weight => _weight;

    public override string TypeName => "list";

    public override string ToString() => "[" + string.Join(", ", Items.Select(i => i.ToString())) + "]";
}

/// <summary>A FEEL context: ordered entries with unique keys.</summary>
internal sealed class FeelContextValue : FeelValue
{
    public static readonly FeelContextValue Empty = new([]);

    private readonly KeyValuePair<string, FeelValue>[] _entries;
    private readonly Dictionary<string, int>? _index;
    private readonly long _weight;

    public FeelContextValue(IEnumerable<KeyValuePair<string, FeelValue>> entries)
    {
        var list = new List<KeyValuePair<string, FeelValue>>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (positions.TryGetValue(entry.Key, out var at))
            {
                list[at] = entry;
            }
            else
            {
                positions[entry.Key] = list.Count;
                list.Add(entry);
            }
        }
        _entries = [.. list];
        _weight = 1;
        foreach (var entry in _entries)
        {
            _weight = AddWeights(_weight, AddWeights(entry.Value.Weight, 1 + entry.Key.Length / 64));
        }
        // Small contexts are faster to scan than to hash.
        _index = _entries.Length > 8 ? positions : null;
    }

    public IReadOnlyList<KeyValuePair<string, FeelValue>> Entries => _entries;

    public override string TypeName => "context";

    internal override long Weight => _weight;

    public bool TryGet(string key, out FeelValue value)
    {
        if (_index is not null)
        {
            if (_index.TryGetValue(key, out var at))
            {
                value = _entries[at].Value;
                return true;
            }
        }
        else
        {
            foreach (var entry in _entries)
            {
                if (string.Equals(entry.Key, key, StringComparison.Ordinal))
                {
                    value = entry.Value;
                    return true;
                }
            }
        }
        value = Null;
        return false;
    }

    public FeelContextValue With(string key, FeelValue value) => new(_entries.Append(new(key, value)));

    public override string ToString() =>
        "{" + string.Join(", ", _entries.Select(e => FormatKey(e.Key) + ": " + e.Value)) + "}";

    private static string FormatKey(string key) =>
        key.All(c => char.IsLetterOrDigit(c) || c == '_') && key.Length > 0 && !char.IsDigit(key[0]) ? key : "\"" + key + "\"";
}

/// <summary>
/// A range (interval). An unbounded side (as in <c>&lt; 10</c>) differs from a null endpoint (<c>(null..10]</c>),
/// which makes membership undecidable.
/// </summary>
internal sealed class FeelRange(FeelValue start, bool startIncluded, FeelValue end, bool endIncluded, bool startUnbounded = false, bool endUnbounded = false) : FeelValue
{
    public bool StartUnbounded { get; } = startUnbounded;
    public bool EndUnbounded { get; } = endUnbounded;

    public FeelValue Start { get; } = start;
    public bool StartIncluded { get; } = startIncluded;
    public FeelValue End { get; } = end;
    public bool EndIncluded { get; } = endIncluded;

    /// <summary>
    /// A range written as an equality test (<c>=10</c>): it holds the same values as <c>[10..10]</c> but is not equal to
    /// it (TCK 0068 range_010), only to another equality range of the same value.
    /// </summary>
    public bool IsEquality { get; init; }

    public override string TypeName => "range";

    public override string ToString() =>
        (StartIncluded ? "[" : "(") + Start + ".." + End + (EndIncluded ? "]" : ")");
}
