using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

public sealed class BatchOperationRow
{
    public long Key { get; init; }
    public string OperationType { get; init; } = "";
    public string State { get; init; } = "";
    public string CreatedBy { get; init; } = "";
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public long Total { get; init; }
    public long Completed { get; init; }
    public long Failed { get; init; }
}

public sealed class BatchOperationItemRow
{
    public long BatchOperationKey { get; init; }
    public string OperationType { get; init; } = "";
    public long ItemKey { get; init; }
    public long ProcessInstanceKey { get; init; }
    public string State { get; init; } = "";
    public DateTime? ProcessedAt { get; init; }
    public string? ErrorMessage { get; init; }
}

/// <summary>
/// Camunda's batch operations and their items. A batch is seen by whoever created it, and by an operator or admin
/// who sees at least the tenants its creator saw: its items are instances the creator could see, so a caller of
/// fewer tenants would learn of instances outside theirs.
/// </summary>
public sealed class BatchOperationQueries(NpgsqlDataSource dataSource)
{
    private const string Counts = """
        (SELECT count(*) FROM batch_operation_item c WHERE c.batch_operation_key = b.key) AS Total,
        (SELECT count(*) FROM batch_operation_item c WHERE c.batch_operation_key = b.key AND c.state = 'COMPLETED') AS Completed,
        (SELECT count(*) FROM batch_operation_item c WHERE c.batch_operation_key = b.key AND c.state = 'FAILED') AS Failed
        """;

    public static ReadModel<BatchOperationRow> Model { get; } = new(
        "batch operations",
        $"b.key AS Key, b.operation_type AS OperationType, b.state AS State, b.created_by AS CreatedBy, b.started_at AS StartedAt, b.ended_at AS EndedAt, {Counts}",
        "batch_operation b",
        new QueryField("batchOperationKey", "b.key", FieldType.Key), r => r.Key,
        (caller, parameters) => Visible(caller, "b", parameters),
        [
            (new QueryField("operationType", "b.operation_type", FieldType.Text), r => r.OperationType),
            (new QueryField("state", "b.state", FieldType.Text) { Vocabulary = BatchState, VocabularyHint = "ACTIVE, CANCELED, COMPLETED, CREATED, FAILED, PARTIALLY_COMPLETED, SUSPENDED" }, r => r.State),
            (new QueryField("startDate", "b.started_at", FieldType.Date), r => r.StartedAt),
            (new QueryField("endDate", "b.ended_at", FieldType.Date), r => r.EndedAt),
        ]);

    public static ReadModel<BatchOperationItemRow> ItemModel { get; } = new(
        "batch operation items",
        """
        t.batch_operation_key AS BatchOperationKey, b.operation_type AS OperationType, t.item_key AS ItemKey, t.process_instance_key AS ProcessInstanceKey,
        t.state AS State, t.processed_at AS ProcessedAt, t.error_message AS ErrorMessage
        """,
        "batch_operation_item t JOIN batch_operation b ON b.key = t.batch_operation_key",
        new QueryField("itemKey", "t.item_key", FieldType.Key), r => r.ItemKey,
        (caller, parameters) => Visible(caller, "b", parameters),
        [
            (new QueryField("batchOperationKey", "t.batch_operation_key", FieldType.Key), r => r.BatchOperationKey),
            (new QueryField("processInstanceKey", "t.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("state", "t.state", FieldType.Text) { Vocabulary = ItemState, VocabularyHint = "ACTIVE, COMPLETED, CANCELED, FAILED" }, r => r.State),
        ])
    {
        TieBreak = "batchOperationKey",
    };

    private static string? BatchState(string text) => text.ToUpperInvariant() is var s &&
        s is "ACTIVE" or "CANCELED" or "COMPLETED" or "CREATED" or "FAILED" or "PARTIALLY_COMPLETED" or "SUSPENDED" ? s : null;

    private static string? ItemState(string text) => text.ToUpperInvariant() is var s && s is "ACTIVE" or "COMPLETED" or "CANCELED" or "FAILED" ? s : null;

    /// <summary>The batch's creator, or an operator or admin whose tenants include every tenant the creator saw.</summary>
    internal static string Visible(Caller caller, string alias, DynamicParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(caller);
        parameters.Add("batch_user", caller.UserName);
        if (!caller.SeesEverything)
        {
            return $"{alias}.created_by = @batch_user";
        }
        if (caller.Tenants is null)
        {
            return "TRUE";
        }
        parameters.Add("batch_tenants", caller.Tenants.ToArray());
        return $"({alias}.created_by = @batch_user OR ({alias}.tenants IS NOT NULL AND {alias}.tenants <@ @batch_tenants))";
    }

    public Task<QueryPage<BatchOperationRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);

    public async Task<BatchOperationRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken)
    {
        var page = await QuerySql.RunAsync(dataSource, Model, caller,
            Query.Where(new FieldCondition("batchOperationKey", FilterOperator.Eq, key)) with { CountTotal = false }, cancellationToken);
        return page.Items.Count == 0 ? null : page.Items[0];
    }

    public Task<QueryPage<BatchOperationItemRow>> ItemsAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, ItemModel, caller, query, cancellationToken);
}
