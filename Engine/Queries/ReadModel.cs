using Dapper;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>
/// A field a read model lets clients filter or sort on: its public name, the SQL expression behind it, its type,
/// the row's value (for cursors) and, for fields with a fixed vocabulary, how a client's word maps to the stored one.
/// </summary>
public sealed record QueryField(string Name, string Sql, FieldType Type, bool Sortable = true)
{
    /// <summary>The stored word for a client's word (e.g. Camunda's <c>CANCELED</c> is our <c>TERMINATED</c>); null: not allowed.</summary>
    public Func<string, string?>? Vocabulary { get; init; }

    /// <summary>What the vocabulary allows, for the error message.</summary>
    public string? VocabularyHint { get; init; }

    /// <summary>
    /// For a field of related rows (an instance's incidents, its element instances): the <c>SELECT 1 FROM … WHERE …</c>
    /// that correlates them with the model's row; <see cref="Sql"/> names their column. A condition means "some related
    /// row matches", and conditions on fields of the same subquery hold on the same related row (as Camunda combines an
    /// instance's elementId, elementInstanceState and hasElementInstanceIncident). Such a field does not sort.
    /// </summary>
    public string? Within { get; init; }
}

/// <summary>
/// One read model: the rows of a FROM clause, the fields clients may filter and sort on, the unique key that breaks
/// ties and anchors cursors, and the visibility fragment that every query of it carries. Adding a read model is
/// declaring one of these and a row type; <see cref="QuerySql"/> does the rest.
/// </summary>
public sealed class ReadModel<TRow>
{
    private readonly Dictionary<string, QueryField> _fields;
    private readonly Dictionary<string, Func<TRow, object?>> _values;

    internal ReadModel(string name, string select, string from, QueryField key, Func<TRow, long> keyOf,
        Func<Caller, DynamicParameters, string> visibility, IEnumerable<(QueryField Field, Func<TRow, object?>? Value)> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Name = name;
        Select = select;
        From = from;
        Key = key;
        Visibility = visibility;
        _fields = new Dictionary<string, QueryField>(StringComparer.Ordinal) { [key.Name] = key };
        _values = new Dictionary<string, Func<TRow, object?>>(StringComparer.Ordinal) { [key.Name] = r => keyOf(r) };
        foreach (var (field, value) in fields)
        {
            _fields[field.Name] = field;
            if (value is not null)
            {
                _values[field.Name] = value;
            }
        }
    }

    public string Name { get; }

    internal string Select { get; }

    internal string From { get; }

    public QueryField Key { get; }

    internal Func<Caller, DynamicParameters, string> Visibility { get; }

    /// <summary>The column holding the process instance key, when variable filters apply to this model.</summary>
    internal string? InstanceKeyColumn { get; init; }

    /// <summary>The filter property that holds variable conditions (Camunda calls it differently per resource).</summary>
    internal string VariablesFilter { get; init; } = "variables";

    /// <summary>The filter property for variables of the row's own scope (a user task's <c>localVariables</c>), if the model has one.</summary>
    internal string? LocalVariablesFilter { get; init; }

    /// <summary>The column holding the row's own variable scope (a user task's element instance), for <see cref="LocalVariablesFilter"/>.</summary>
    internal string? LocalScopeColumn { get; init; }

    /// <summary>Whether the filter takes Camunda's <c>$or</c>: a list of filter objects, one of which must match.</summary>
    internal bool AllowsAnyOf { get; init; }

    /// <summary>
    /// A declared field that breaks ties after <see cref="Key"/> when the key alone is not unique (a non-interrupting
    /// subscription receives several messages): appended to every sort, so cursors anchor on one row.
    /// </summary>
    internal string? TieBreak { get; init; }

    /// <summary>Declared by the owner of a table outside the engine (<see cref="OwnedTableSearch"/>): no visibility of its own.</summary>
    internal bool Owned { get; init; }

    /// <summary>The default order when the query names none (the key is appended in any case).</summary>
    public IReadOnlyList<SortBy> DefaultSort { get; init; } = [];

    public IReadOnlyCollection<string> FieldNames => _fields.Keys;

    public QueryField Field(string name, string path) => _fields.TryGetValue(name, out var field) ? field
        : throw new QueryException(path, $"{path} is not a field of {Name}; known fields: {string.Join(", ", _fields.Keys.Order(StringComparer.Ordinal))}.");

    public bool HasField(string name) => _fields.ContainsKey(name);

    internal object? ValueOf(TRow row, QueryField field) => _values.TryGetValue(field.Name, out var value) ? value(row)
        : throw new InvalidOperationException($"{Name}.{field.Name} is sortable but declares no row value.");
}
