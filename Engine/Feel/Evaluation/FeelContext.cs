using System.Text.Json;
using System.Text.Json.Nodes;
using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Evaluation;

/// <summary>
/// Variables for an evaluation, with an optional parent scope (e.g. process instance, then a sub-process, then
/// a local mapping). Build it once per evaluation site; it is not meant to be mutated while evaluations run.
/// </summary>
internal sealed class FeelContext : FeelScope
{
    private readonly Dictionary<string, FeelValue> _variables = new(StringComparer.Ordinal);
    private readonly bool _frozen;

    public FeelContext(FeelContext? parent = null)
        : base(parent)
    {
    }

    private FeelContext(bool frozen)
        : base(null) => _frozen = frozen;

    /// <summary>No variables. Shared, so it refuses <see cref="Set(string, FeelValue)"/>.</summary>
    public static FeelContext Empty { get; } = new(frozen: true);

    /// <summary>Adds or replaces a variable, shadowing any of the same name in parent scopes.</summary>
    public FeelContext Set(string name, FeelValue value)
    {
        if (_frozen)
        {
            throw new InvalidOperationException("FeelContext.Empty is shared and can't hold variables; create a new FeelContext.");
        }
        _variables[name] = value;
        return this;
    }

    public FeelContext Set(string name, JsonNode? value) => Set(name, FeelJson.FromJsonNode(value));

    public static FeelContext FromJson(JsonObject variables, FeelContext? parent = null)
    {
        var context = new FeelContext(parent);
        foreach (var (name, value) in variables)
        {
            context.Set(name, value);
        }
        return context;
    }

    public static FeelContext FromJson(JsonElement variables, FeelContext? parent = null)
    {
        var context = new FeelContext(parent);
        if (variables.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in variables.EnumerateObject())
            {
                context.Set(property.Name, FeelJson.FromJsonElement(property.Value));
            }
        }
        return context;
    }

    public static FeelContext FromDictionary(IEnumerable<KeyValuePair<string, JsonNode?>> variables, FeelContext? parent = null)
    {
        var context = new FeelContext(parent);
        foreach (var (name, value) in variables)
        {
            context.Set(name, value);
        }
        return context;
    }

    public static FeelContext FromValues(IEnumerable<KeyValuePair<string, FeelValue>> variables, FeelContext? parent = null)
    {
        var context = new FeelContext(parent);
        foreach (var (name, value) in variables)
        {
            context.Set(name, value);
        }
        return context;
    }

    private protected override bool TryGetLocal(string name, out FeelValue value) =>
        _variables.TryGetValue(name, out value!);
}
