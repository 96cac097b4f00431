using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Processes.Engine.Queries;

namespace Processes.Host.Camunda;

/// <summary>
/// The filter and sort of a user task's variable search, applied to the variables the task's form shows (a short list the
/// engine has already resolved scope by scope): <c>name</c> as a plain value or a filter object (<c>$eq $neq $in $notIn
/// $exists $like</c>), sorts on the spec's fields. Anything else is a 400 naming the field, as in the other searches.
/// </summary>
internal static class UserTaskVariableFilters
{
    private static readonly Dictionary<string, Func<VariableRow, IComparable>> Sorts = new(StringComparer.Ordinal)
    {
        ["name"] = r => r.Name,
        ["value"] = r => r.Value,
        ["tenantId"] = r => r.TenantId,
        ["variableKey"] = r => r.Key,
        ["scopeKey"] = r => r.ScopeKey,
        ["processInstanceKey"] = r => r.ProcessInstanceKey,
    };

    // Names and values in ordinal order, as the database's keys and the other searches' cursors are stable regardless of culture.
    private static readonly Comparer<IComparable> Order = Comparer<IComparable>.Create((a, b) =>
        a is string x && b is string y ? string.CompareOrdinal(x, y) : a.CompareTo(b));

    public static bool TryRead(JsonElement? filter, IReadOnlyList<SearchSort>? sort, out Func<VariableRow, bool> matches,
        out Func<IEnumerable<VariableRow>, IEnumerable<VariableRow>> order, out ProblemHttpResult? problem)
    {
        (matches, order, problem) = (_ => true, rows => rows, null);
        try
        {
            var names = Names(filter);
            matches = r => names.All(m => m(r.Name));
            var by = (sort ?? []).Select((s, i) => Sorted(s, i)).ToList();
            order = rows => by.Count == 0 ? rows : by.Skip(1).Aggregate(
                by[0].Descending ? rows.OrderByDescending(by[0].Key, Order) : rows.OrderBy(by[0].Key, Order),
                (sorted, s) => s.Descending ? sorted.ThenByDescending(s.Key, Order) : sorted.ThenBy(s.Key, Order));
            return true;
        }
        catch (QueryException e)
        {
            problem = CamundaResults.BadRequest(e.Message);
            return false;
        }
    }

    private static (Func<VariableRow, IComparable> Key, bool Descending) Sorted(SearchSort by, int i)
    {
        var path = $"sort[{i}]";
        var key = Sorts.GetValueOrDefault(by.Field ?? "")
            ?? throw new QueryException($"{path}.field", $"{path}.field '{by.Field}' is not a field of user task variables; sortable: {string.Join(", ", Sorts.Keys)}.");
        return (by.Order ?? "ASC").ToUpperInvariant() switch
        {
            "ASC" => (key, false),
            "DESC" => (key, true),
            _ => throw new QueryException($"{path}.order", $"{path}.order '{by.Order}' is not ASC or DESC."),
        };
    }

    private static List<Func<string, bool>> Names(JsonElement? filter)
    {
        var names = new List<Func<string, bool>>();
        if (filter is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return names;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new QueryException("filter", "filter must be an object of field names to values.");
        }
        foreach (var property in element.EnumerateObject())
        {
            var path = $"filter.{property.Name}";
            if (property.Name != "name")
            {
                throw new QueryException(path, $"{path} is not a field of user task variables; known fields: name.");
            }
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (value.ValueKind != JsonValueKind.Object)
            {
                var name = Text(value, path);
                names.Add(n => n == name);
                continue;
            }
            foreach (var op in value.EnumerateObject())
            {
                names.Add(Operator(op.Name, op.Value, $"{path}.{op.Name}"));
            }
        }
        return names;
    }

    private static Func<string, bool> Operator(string op, JsonElement value, string path)
    {
        switch (op)
        {
            case "$eq":
                var equal = Text(value, path);
                return n => n == equal;
            case "$neq":
                var other = Text(value, path);
                return n => n != other;
            case "$in" or "$notIn":
                var list = value.ValueKind == JsonValueKind.Array
                    ? value.EnumerateArray().Select((item, i) => Text(item, $"{path}[{i}]")).ToHashSet(StringComparer.Ordinal)
                    : throw new QueryException(path, $"{path} must be a list.");
                return op == "$in" ? list.Contains : n => !list.Contains(n);
            case "$exists":
                // Every variable has a name: $exists true keeps them all, false none.
                var exists = value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
                    : throw new QueryException(path, $"{path} must be true or false.");
                return _ => exists;
            case "$like":
                // Camunda's wildcards: * any run, ? one character; everything else literal.
                var pattern = new Regex("^" + Regex.Escape(Text(value, path)).Replace("\\*", ".*", StringComparison.Ordinal)
                    .Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return pattern.IsMatch;
            default:
                throw new QueryException(path, string.Create(CultureInfo.InvariantCulture,
                    $"{path}: '{op}' is not an operator for a name; use $eq, $neq, $in, $notIn, $exists or $like."));
        }
    }

    private static string Text(JsonElement value, string path) => value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw new QueryException(path, $"{path} must be a string.");
}
