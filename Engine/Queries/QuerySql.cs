using System.Collections;
using System.Globalization;
using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>
/// Composes a <see cref="Query"/> over a <see cref="ReadModel{TRow}"/> into SQL and runs it: the visibility
/// fragment first (so rows the caller may not see are neither listed nor counted), then each condition with its
/// value as a parameter (values never enter the SQL text), the sort with the key as tie-breaker, and either an
/// offset or a keyset condition from the cursor.
/// </summary>
internal static class QuerySql
{
    public static async Task<QueryPage<TRow>> RunAsync<TRow>(NpgsqlDataSource dataSource, ReadModel<TRow> model, Caller caller, Query query,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new DynamicParameters();
        var where = Where(model, caller, query, parameters);
        var sort = Sort(model, query.Sort);
        var signature = string.Join(",", sort.Select(s => $"{s.Field.Name}:{s.Order}"));
        var page = query.Page;
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaximumLimit);
        var backward = page.Before is not null;
        var keyset = "";
        if ((page.After ?? page.Before) is { } cursor)
        {
            var path = backward ? "page.before" : "page.after";
            var values = QueryCursor.Decode(cursor, signature, [.. sort.Select(s => s.Field)], path);
            keyset = " AND " + Keyset(sort, values, backward, parameters);
        }
        var order = string.Join(", ", sort.Select(s => Order(s.Field, s.Order, backward)));
        var offset = page.Offset is > 0 && keyset.Length == 0 ? $" OFFSET {page.Offset.Value.ToString(CultureInfo.InvariantCulture)}" : "";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<TRow>(new CommandDefinition(
            $"SELECT {model.Select} FROM {model.From} WHERE {where}{keyset} ORDER BY {order} LIMIT {limit + 1}{offset}",
            parameters, cancellationToken: cancellationToken))).ToList();
        long? total = null;
        var capped = false;
        if (query.CountTotal)
        {
            // A capped count reads at most cap + 1 matching rows (the +1 tells "exactly the cap" from "more").
            var count = query.TotalCap is { } cap
                ? $"SELECT count(*) FROM (SELECT 1 FROM {model.From} WHERE {where} LIMIT {Math.Max(cap, 0) + 1}) capped"
                : $"SELECT count(*) FROM {model.From} WHERE {where}";
            total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(count, parameters, cancellationToken: cancellationToken));
            if (query.TotalCap is { } limitOf && total > limitOf)
            {
                (total, capped) = (Math.Max(limitOf, 0), true);
            }
        }
        var hasMore = rows.Count > limit;
        var items = rows.Take(limit).ToList();
        if (backward)
        {
            items.Reverse();
        }
        string? CursorOf(TRow row) => QueryCursor.Encode(signature, [.. sort.Select(s => (s.Field, model.ValueOf(row, s.Field)))]);
        return new QueryPage<TRow>(items, total, items.Count == 0 ? null : CursorOf(items[0]), items.Count == 0 ? null : CursorOf(items[^1]), hasMore)
        {
            TotalCapped = capped,
        };
    }

    /// <summary>The WHERE clause (visibility and filters) alone, for read models that need their own statement around it.</summary>
    public static string Where<TRow>(ReadModel<TRow> model, Caller caller, Query query, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(parameters);
        var conditions = new List<string> { model.Visibility(caller, parameters) };
        conditions.AddRange(Filters(model, query, parameters));
        if (query.AnyOf.Count > 0)
        {
            conditions.Add("(" + string.Join(" OR ", query.AnyOf.Select(any => Filters(model, any, parameters) is { Count: > 0 } all
                ? "(" + string.Join(" AND ", all) + ")" : "TRUE")) + ")");
        }
        return string.Join(" AND ", conditions);
    }

    /// <summary>A query's own conditions (not its <c>$or</c>), each as SQL; conditions on related rows grouped into one EXISTS per subquery.</summary>
    private static List<string> Filters<TRow>(ReadModel<TRow> model, Query query, DynamicParameters parameters)
    {
        var conditions = new List<string>();
        var related = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var condition in query.Conditions)
        {
            var field = model.Field(condition.Field, $"filter.{condition.Field}");
            var sql = Condition(field, condition, parameters);
            if (field.Within is { } within)
            {
                (related.TryGetValue(within, out var list) ? list : related[within] = []).Add(sql);
            }
            else
            {
                conditions.Add(sql);
            }
        }
        conditions.AddRange(related.Select(r => $"EXISTS ({r.Key} AND {string.Join(" AND ", r.Value)})"));
        foreach (var variable in query.Variables)
        {
            var column = model.InstanceKeyColumn ?? throw new QueryException("filter.variables", $"{model.Name} cannot be filtered by variables.");
            var scope = variable.Local && model.LocalScopeColumn is { } local ? $" AND qv.scope_key = {local}" : "";
            conditions.Add($"EXISTS (SELECT 1 FROM variable qv WHERE qv.process_instance_key = {column}{scope} AND qv.name = {Add(parameters, variable.Name)} " +
                $"AND qv.value = {Add(parameters, variable.Value?.ToJsonString() ?? "null")}::jsonb)");
        }
        return conditions;
    }

    private static List<(QueryField Field, SortOrder Order)> Sort<TRow>(ReadModel<TRow> model, IReadOnlyList<SortBy> requested)
    {
        var sort = new List<(QueryField, SortOrder)>();
        foreach (var (by, i) in (requested.Count > 0 ? requested : model.DefaultSort).Select((s, i) => (s, i)))
        {
            var field = model.Field(by.Field, $"sort[{i}].field");
            if (!field.Sortable || field.Type == FieldType.TextList || field.Within is not null)
            {
                throw new QueryException($"sort[{i}].field", $"{model.Name} cannot be sorted by {field.Name}.");
            }
            if (field.Name != model.Key.Name)
            {
                sort.Add((field, by.Order));
            }
        }
        var keyOrder = requested.FirstOrDefault(s => s.Field == model.Key.Name)?.Order ?? SortOrder.Asc;
        sort.Add((model.Key, keyOrder));
        if (model.TieBreak is { } tieBreak)
        {
            sort.Add((model.Field(tieBreak, "sort"), keyOrder));
        }
        return sort;
    }

    private static string Order(QueryField field, SortOrder order, bool reversed) => (order == SortOrder.Asc) != reversed
        ? $"{field.Sql} ASC NULLS {(reversed ? "FIRST" : "LAST")}"
        : $"{field.Sql} DESC NULLS {(reversed ? "FIRST" : "LAST")}";

    // Rows after (or before) the cursor's row in the order: (a > x) OR (a = x AND b > y) OR …, nulls sorting last.
    private static string Keyset(List<(QueryField Field, SortOrder Order)> sort, object?[] values, bool backward, DynamicParameters parameters)
    {
        var alternatives = new List<string>();
        for (var i = 0; i < sort.Count; i++)
        {
            var parts = new List<string>();
            for (var j = 0; j < i; j++)
            {
                parts.Add(values[j] is null ? $"{sort[j].Field.Sql} IS NULL" : $"{sort[j].Field.Sql} = {Add(parameters, values[j])}");
            }
            var (field, order) = sort[i];
            var ascending = order == SortOrder.Asc;
            parts.Add((values[i], backward) switch
            {
                (null, false) => "FALSE",
                (null, true) => $"{field.Sql} IS NOT NULL",
                (var v, false) => $"({field.Sql} {(ascending ? ">" : "<")} {Add(parameters, v)} OR {field.Sql} IS NULL)",
                (var v, true) => $"{field.Sql} {(ascending ? "<" : ">")} {Add(parameters, v)}",
            });
            alternatives.Add("(" + string.Join(" AND ", parts) + ")");
        }
        return "(" + string.Join(" OR ", alternatives) + ")";
    }

    private static string Condition(QueryField field, FieldCondition condition, DynamicParameters parameters)
    {
        var sql = field.Sql;
        var value = condition.Value;
        if (field.Type == FieldType.TextList)
        {
            return condition.Operator switch
            {
                // Containment rather than = ANY: the same rows, and a GIN index on the column can answer it.
                FilterOperator.Eq => $"{sql} @> ARRAY[{Add(parameters, value)}]::text[]",
                FilterOperator.Neq => $"NOT ({sql} @> ARRAY[{Add(parameters, value)}]::text[])",
                FilterOperator.In => $"{sql} && {Add(parameters, TypedArray(field, value))}",
                FilterOperator.NotIn => $"NOT ({sql} && {Add(parameters, TypedArray(field, value))})",
                FilterOperator.Exists => value is true ? $"cardinality({sql}) > 0" : $"cardinality({sql}) = 0",
                _ => throw new QueryException($"filter.{field.Name}", $"filter.{field.Name} is a list: use equality, $in, $notIn or $exists."),
            };
        }
        return condition.Operator switch
        {
            FilterOperator.Eq => value is null ? $"{sql} IS NULL" : $"{sql} = {Add(parameters, value)}",
            FilterOperator.Neq => $"{sql} IS DISTINCT FROM {Add(parameters, value)}",
            FilterOperator.In => $"{sql} = ANY({Add(parameters, TypedArray(field, value))})",
            FilterOperator.NotIn => $"NOT ({sql} = ANY({Add(parameters, TypedArray(field, value))}))",
            FilterOperator.Exists => value is true ? $"{sql} IS NOT NULL" : $"{sql} IS NULL",
            FilterOperator.Like when field.Type == FieldType.Text => $"{sql} LIKE {Add(parameters, LikePattern((string)value!))}",
            FilterOperator.Gt or FilterOperator.Gte or FilterOperator.Lt or FilterOperator.Lte when field.Type is FieldType.Integer or FieldType.Date or FieldType.Key =>
                $"{sql} {condition.Operator switch { FilterOperator.Gt => ">", FilterOperator.Gte => ">=", FilterOperator.Lt => "<", _ => "<=" }} {Add(parameters, value)}",
            _ => throw new QueryException($"filter.{field.Name}", $"filter.{field.Name} does not support ${condition.Operator.ToString().ToLowerInvariant()}."),
        };
    }

    /// <summary>Camunda's wildcards (<c>*</c> any run, <c>?</c> one character) as a LIKE pattern; SQL's own wildcards are literal.</summary>
    private static string LikePattern(string pattern) =>
        pattern.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal)
            .Replace('*', '%').Replace('?', '_');

    private static object TypedArray(QueryField field, object? value)
    {
        var items = value is IEnumerable list and not string ? list.Cast<object?>().ToList() : [value];
        return field.Type switch
        {
            FieldType.Key or FieldType.Integer => items.Select(i => Convert.ToInt64(i, CultureInfo.InvariantCulture)).ToArray(),
            FieldType.Date => items.Select(i => i is DateTimeOffset d ? d.UtcDateTime : (DateTime)i!).ToArray(),
            FieldType.Boolean => items.Select(i => (bool)i!).ToArray(),
            _ => items.Select(i => (string)i!).ToArray(),
        };
    }

    private static string Add(DynamicParameters parameters, object? value)
    {
        var name = $"q{parameters.ParameterNames.Count()}";
        parameters.Add(name, value is DateTimeOffset date ? date.UtcDateTime : value);
        return "@" + name;
    }
}
