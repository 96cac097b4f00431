using Processes.Engine.Feel.Values;

namespace Processes.Engine.Feel.Evaluation;

/// <summary>A chain of name bindings; lookups walk outwards to the parent.</summary>
internal abstract class FeelScope
{
    private protected FeelScope(FeelScope? parent) => Parent = parent;

    internal FeelScope? Parent { get; }

    private protected abstract bool TryGetLocal(string name, out FeelValue value);

    internal bool TryLookup(string name, out FeelValue value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope.TryGetLocal(name, out value))
            {
                return true;
            }
        }
        value = FeelValue.Null;
        return false;
    }

}

internal sealed class BindingScope(FeelScope? parent, string name, FeelValue value) : FeelScope(parent)
{
    private protected override bool TryGetLocal(string name1, out FeelValue value1)
    {
        if (string.Equals(name1, name, StringComparison.Ordinal))
        {
            value1 = value;
            return true;
        }
        value1 = FeelValue.Null;
        return false;
    }

}

internal sealed class ContextScope(FeelScope? parent, FeelContextValue context) : FeelScope(parent)
{
    private protected override bool TryGetLocal(string name, out FeelValue value) => context.TryGet(name, out value);

}

/// <summary>Scope that grows while a context literal is evaluated, so later entries see earlier ones.</summary>
internal sealed class GrowingScope(FeelScope? parent) : FeelScope(parent)
{
    private readonly Dictionary<string, FeelValue> _values = new(StringComparer.Ordinal);

    public void Set(string name, FeelValue value) => _values[name] = value;

    private protected override bool TryGetLocal(string name, out FeelValue value) =>
        _values.TryGetValue(name, out value!);
}
