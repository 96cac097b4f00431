using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>
/// The shape the instance and user-task read models share: a search that refuses a filter on a variable masked for
/// the caller (a filter that matches is as good as reading the value), then runs the query; and one row by key
/// through that same search, so a single row is never visible where the list would hide it.
/// </summary>
internal static class MaskedSearch
{
    public static Task<QueryPage<TRow>> RunAsync<TRow>(NpgsqlDataSource dataSource, ReadModel<TRow> model, VariableMasking masking, Caller caller,
        Query query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Variables.FirstOrDefault(v => !masking.MayFilterOn(caller, v.Name, v.Value)) is { } masked)
        {
            throw new QueryException($"filter.{model.VariablesFilter}", $"Variable '{masked.Name}' is masked for you; it cannot be filtered on.");
        }
        return QuerySql.RunAsync(dataSource, model, caller, query, cancellationToken);
    }

    /// <summary>The row with <paramref name="key"/> if the caller may see it; null whether it does not exist or is not theirs to see (no probing).</summary>
    public static async Task<TRow?> FindAsync<TRow>(NpgsqlDataSource dataSource, ReadModel<TRow> model, VariableMasking masking, Caller caller, long key,
        CancellationToken cancellationToken)
        where TRow : class
    {
        var page = await RunAsync(dataSource, model, masking, caller, Query.Where(new FieldCondition(model.Key.Name, FilterOperator.Eq, key)) with
        {
            CountTotal = false,
            Page = new PageRequest(1),
        }, cancellationToken);
        return page.Items.Count == 0 ? null : page.Items[0];
    }
}
