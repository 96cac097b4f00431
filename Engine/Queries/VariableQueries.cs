using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A variable with its key, the value as JSON text (already masked for the caller).</summary>
public sealed class VariableSearchRow
{
    public long Key { get; init; }
    public string Name { get; init; } = "";
    public string Value { get; set; } = "null";
    public long ScopeKey { get; init; }
    public long ProcessInstanceKey { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// Every variable of the instances the caller may see (Camunda's variable search). Values of sensitive names come
/// masked; a caller who sees masked values may not filter on values at all, since a match would reveal one.
/// </summary>
public sealed class VariableQueries(NpgsqlDataSource dataSource, VariableMasking masking)
{
    public static ReadModel<VariableSearchRow> Model { get; } = new(
        "variables",
        "v.key AS Key, v.name AS Name, coalesce(v.value::text, 'null') AS Value, v.scope_key AS ScopeKey, v.process_instance_key AS ProcessInstanceKey, " +
        "(SELECT vti.tenant_id FROM process_instance vti WHERE vti.key = v.process_instance_key) AS TenantId",
        "variable v",
        new QueryField("variableKey", "v.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "v.process_instance_key", parameters),
        [
            (new QueryField("name", "v.name", FieldType.Text), r => r.Name),
            // Sorted as JSON text (Camunda sorts the stored string form too).
            (new QueryField("value", "coalesce(v.value::text, 'null')", FieldType.Text), r => r.Value),
            (new QueryField("scopeKey", "v.scope_key", FieldType.Key), r => r.ScopeKey),
            (new QueryField("processInstanceKey", "v.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("isTruncated", "(length(v.value::text) > 8192)", FieldType.Boolean, Sortable: false), null),
            (new QueryField("tenantId", "(SELECT vti.tenant_id FROM process_instance vti WHERE vti.key = v.process_instance_key)", FieldType.Text), r => r.TenantId),
        ]);

    public async Task<QueryPage<VariableSearchRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (masking.AppliesTo(caller) && query.Conditions.Any(c => c.Field == "value"))
        {
            throw new QueryException("filter.value", "Some variable values are masked for you, so variables cannot be filtered by value.");
        }
        // The order (and a cursor, which carries the sort values) would reveal a masked value just as a filter would.
        if (masking.AppliesTo(caller) && query.Sort.Any(s => s.Field == "value"))
        {
            throw new QueryException("sort", "Some variable values are masked for you, so variables cannot be sorted by value.");
        }
        var page = await QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
        foreach (var row in page.Items)
        {
            row.Value = masking.ApplyText(caller, row.Name, row.Value) ?? "null";
        }
        return page;
    }

    /// <summary>The variable, if the caller may see its instance; null otherwise, whether it exists or not.</summary>
    public async Task<VariableSearchRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken)
    {
        var page = await SearchAsync(caller, Query.Where(new FieldCondition("variableKey", FilterOperator.Eq, key)) with
        {
            CountTotal = false,
            Page = new PageRequest(1),
        }, cancellationToken);
        return page.Items.Count == 0 ? null : page.Items[0];
    }
}
