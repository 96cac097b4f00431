using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>
/// Searches over tables the engine does not own — the host's identity tables (users, groups and their members) — with
/// the engine's search semantics: the same filter objects, sorts, keyset cursors and totals as every v2 search, so a
/// Camunda client sees one behaviour. The table's owner declares the model with its own SQL; the engine only composes
/// it. Such tables hold no tenant's work, so the model carries no visibility fragment: the endpoint decides who may
/// search (the identity endpoints are admins'). Runtime tables never go through here (their read models carry the
/// caller's visibility), which <see cref="RunAsync"/> enforces.
/// </summary>
public static class OwnedTableSearch
{
    public static ReadModel<TRow> Declare<TRow>(string name, string select, string from, QueryField key, Func<TRow, long> keyOf,
        IEnumerable<(QueryField Field, Func<TRow, object?>? Value)> fields, IReadOnlyList<SortBy> defaultSort) =>
        new(name, select, from, key, keyOf, (_, _) => "TRUE", fields) { DefaultSort = defaultSort, Owned = true };

    /// <summary>Runs a query over a model declared with <see cref="Declare"/>; a query the model refuses throws <see cref="QueryException"/>.</summary>
    public static Task<QueryPage<TRow>> RunAsync<TRow>(NpgsqlDataSource dataSource, ReadModel<TRow> model, Query query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Owned)
        {
            throw new ArgumentException($"{model.Name} is one of the engine's read models; search it through the engine, with the caller's visibility.", nameof(model));
        }
        return QuerySql.RunAsync(dataSource, model, Caller.System, query, cancellationToken);
    }
}
