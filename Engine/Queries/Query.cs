using System.Text.Json.Nodes;

namespace Processes.Engine.Queries;

/// <summary>How a declared field's values are typed (in filters, sorts and cursors).</summary>
public enum FieldType
{
    Key,
    Text,
    Integer,
    Date,
    Boolean,
    /// <summary>A text array (candidate groups): equality means "contains", in means "overlaps".</summary>
    TextList,
}

public enum FilterOperator
{
    Eq,
    Neq,
    In,
    NotIn,
    Exists,
    Like,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// <summary>One condition on a declared field. <see cref="Value"/> is typed as the field is (a list for in/not in, a bool for exists).</summary>
public sealed record FieldCondition(string Field, FilterOperator Operator, object? Value);

/// <summary>
/// The instance has a variable of this name (at any scope) whose value equals this JSON value; with <see cref="Local"/>,
/// in the row's own scope (a user task's local variables).
/// </summary>
public sealed record VariableCondition(string Name, JsonNode? Value)
{
    public bool Local { get; init; }
}

public enum SortOrder
{
    Asc,
    Desc,
}

public sealed record SortBy(string Field, SortOrder Order = SortOrder.Asc);

/// <summary>
/// Which rows of the ordered result: either an offset (<see cref="Offset"/>, as Camunda's <c>from</c>) or an opaque
/// keyset cursor from a previous page, forward (<see cref="After"/>) or backward (<see cref="Before"/>).
/// </summary>
public sealed record PageRequest(int Limit = PageRequest.DefaultLimit, int? Offset = null, string? After = null, string? Before = null)
{
    public const int DefaultLimit = 100;
    public const int MaximumLimit = 1000;
}

/// <summary>A search over one read model: filters (all must hold), sort (the key breaks ties), page, and whether to count.</summary>
public sealed record Query
{
    public IReadOnlyList<FieldCondition> Conditions { get; init; } = [];

    public IReadOnlyList<VariableCondition> Variables { get; init; } = [];

    /// <summary>Camunda's <c>$or</c>: at least one of these filters holds (each its conditions and variables, all of them), besides the rest.</summary>
    public IReadOnlyList<Query> AnyOf { get; init; } = [];

    public IReadOnlyList<SortBy> Sort { get; init; } = [];

    public PageRequest Page { get; init; } = new();

    /// <summary>Count the rows matching the filters (and visible to the caller) — a second statement, so off when not shown.</summary>
    public bool CountTotal { get; init; } = true;

    /// <summary>
    /// Count at most this many rows: beyond it the total says "at least" (<see cref="QueryPage{T}.TotalCapped"/>), so a
    /// count costs the same at a million matching rows as at the cap. Null: count every matching row.
    /// </summary>
    public int? TotalCap { get; init; }

    public static Query Where(params FieldCondition[] conditions) => new() { Conditions = conditions };

    public Query And(FieldCondition condition) => this with { Conditions = [.. Conditions, condition] };
}

/// <summary>
/// A page of a read model: the rows, the total (when counted: only rows the caller may see), cursors to the rows
/// before the first and after the last item, and whether more rows follow in the direction read.
/// </summary>
public sealed record QueryPage<T>(IReadOnlyList<T> Items, long? Total, string? StartCursor, string? EndCursor, bool HasMore)
{
    /// <summary>More rows match than <see cref="Total"/> says: the count stopped at the query's <see cref="Query.TotalCap"/>.</summary>
    public bool TotalCapped { get; init; }
}

/// <summary>A query the read model cannot run: an unknown field, a value of the wrong type, a cursor of another sort. Names the field.</summary>
public sealed class QueryException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
