using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Storage;

namespace Processes.Engine.Execution.State;

/// <summary>
/// One process instance as a command sees it: loaded once, changed in memory by the behaviours, written back
/// with an optimistic check on <see cref="ProcessInstanceRow.RowVersion"/>.
/// </summary>
internal sealed class InstanceState
{
    private readonly Dictionary<long, ElementInstance> _elements = [];
    private readonly Dictionary<long, HashSet<long>> _children = [];
    private readonly Dictionary<long, Dictionary<string, JsonNode?>> _variables = [];
    private readonly HashSet<(long Scope, string Name)> _changedVariables = [];
    private readonly HashSet<long> _removed = [];
    private readonly HashSet<long> _removedStored = [];

    public InstanceState(ProcessInstanceRow row, ExecutableDefinition definition, bool isNew)
    {
        Row = row;
        Definition = definition;
        IsNew = isNew;
        LoadedRowVersion = row.RowVersion;
    }

    public ProcessInstanceRow Row { get; }
    public ExecutableDefinition Definition { get; }
    public ExecutableProcess Model => Definition.Model;
    public long Key => Row.Key;
    public bool IsNew { get; }
    public int LoadedRowVersion { get; }

    /// <summary>Set when the command changed anything of this instance: its row version is bumped on commit.</summary>
    public bool IsChanged { get; set; }

    public bool IsActive => Row.State == ProcessInstanceState.Active;

    public IEnumerable<ElementInstance> Elements => _elements.Values;
    public IReadOnlyCollection<long> RemovedElementKeys => _removed;

    /// <summary>
    /// The removed elements that have rows: loaded, not created by this command. An element created and removed in the
    /// same command (a start event, a gateway, an end event passed through) was never written, nor was anything of it.
    /// </summary>
    public IReadOnlyCollection<long> RemovedStoredElementKeys => _removedStored;
    public IEnumerable<(long Scope, string Name)> ChangedVariables => _changedVariables;

    public ElementInstance? Find(long key) => _elements.GetValueOrDefault(key);

    public ElementInstance Get(long key) =>
        Find(key) ?? throw new InvalidOperationException($"Element instance {key} is not active in process instance {Key}.");

    public ElementInstance? Root => Find(Key);

    public void Add(ElementInstance element)
    {
        _elements.Add(element.Key, element);
        if (element.FlowScopeKey is { } scope)
        {
            ChildrenSet(scope).Add(element.Key);
        }
        IsChanged = true;
    }

    public void Remove(ElementInstance element)
    {
        _elements.Remove(element.Key);
        if (element.FlowScopeKey is { } scope && _children.TryGetValue(scope, out var siblings))
        {
            siblings.Remove(element.Key);
        }
        _children.Remove(element.Key);
        _removed.Add(element.Key);
        if (!element.IsNew)
        {
            _removedStored.Add(element.Key);
        }
        // The process scope's variables outlive it: they are the instance's result, kept until retention purges it.
        if (!element.IsProcess && _variables.Remove(element.Key, out var locals))
        {
            foreach (var name in locals.Keys)
            {
                _changedVariables.Remove((element.Key, name));
            }
        }
        IsChanged = true;
    }

    public IReadOnlyCollection<ElementInstance> Children(long scopeKey) =>
        _children.TryGetValue(scopeKey, out var keys) ? [.. keys.Select(k => _elements[k])] : [];

    public int ChildCount(long scopeKey) => _children.TryGetValue(scopeKey, out var keys) ? keys.Count : 0;

    public ExecutableElement ModelElement(ElementInstance element) =>
        element.IsProcess ? Model : Model.Elements[element.ElementId];

    // ---- variables -------------------------------------------------------------------------------------

    /// <summary>Used by the loader; does not mark anything changed.</summary>
    public void LoadVariable(long scope, string name, JsonNode? value) => Scope(scope)[name] = value;

    public IReadOnlyDictionary<string, JsonNode?> LocalVariables(long scope) =>
        _variables.TryGetValue(scope, out var locals) ? locals : new Dictionary<string, JsonNode?>();

    public bool TryGetLocal(long scope, string name, out JsonNode? value)
    {
        value = null;
        return _variables.TryGetValue(scope, out var locals) && locals.TryGetValue(name, out value);
    }

    /// <summary>Returns true when the value was created (false: updated).</summary>
    public bool SetLocal(long scope, string name, JsonNode? value)
    {
        var locals = Scope(scope);
        var created = !locals.ContainsKey(name);
        locals[name] = value?.DeepClone();
        _changedVariables.Add((scope, name));
        IsChanged = true;
        return created;
    }

    /// <summary>
    /// Zeebe's propagation: the nearest scope, from <paramref name="startScope"/> up, that already has the name
    /// receives the value; a new name is created in the process instance scope.
    /// </summary>
    public (long Scope, bool Created) SetPropagating(long startScope, string name, JsonNode? value)
    {
        for (long? scope = startScope; scope is { } current; scope = Find(current)?.FlowScopeKey)
        {
            if (_variables.TryGetValue(current, out var locals) && locals.ContainsKey(name))
            {
                SetLocal(current, name, value);
                return (current, false);
            }
        }
        return (Key, SetLocal(Key, name, value));
    }

    /// <summary>All variables visible from a scope, nearest first wins.</summary>
    public JsonObject VisibleVariables(long scope)
    {
        var result = new JsonObject();
        for (long? current = scope; current is { } key; current = Find(key)?.FlowScopeKey)
        {
            if (_variables.TryGetValue(key, out var locals))
            {
                foreach (var (name, value) in locals)
                {
                    if (!result.ContainsKey(name))
                    {
                        result[name] = value?.DeepClone();
                    }
                }
            }
            if (key == Key)
            {
                break;
            }
        }
        return result;
    }

    public bool TryGetVisible(long scope, string name, out JsonNode? value)
    {
        for (long? current = scope; current is { } key; current = Find(key)?.FlowScopeKey)
        {
            if (TryGetLocal(key, name, out value))
            {
                return true;
            }
            if (key == Key)
            {
                break;
            }
        }
        value = null;
        return false;
    }

    private Dictionary<string, JsonNode?> Scope(long scope)
    {
        if (!_variables.TryGetValue(scope, out var locals))
        {
            locals = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            _variables[scope] = locals;
        }
        return locals;
    }

    private HashSet<long> ChildrenSet(long scope)
    {
        if (!_children.TryGetValue(scope, out var set))
        {
            set = [];
            _children[scope] = set;
        }
        return set;
    }
}
