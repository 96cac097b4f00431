using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>An open message subscription: an element waiting for a message.</summary>
public sealed class MessageSubscriptionRow
{
    public long Key { get; init; }
    public string MessageName { get; init; } = "";
    public string CorrelationKey { get; init; } = "";
    public long ProcessInstanceKey { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public string BpmnProcessId { get; init; } = "";
    public string ElementId { get; init; } = "";
    public long ElementInstanceKey { get; init; }
    public DateTime CreatedAt { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// The message subscriptions of the instances the caller may see. A subscription lives while its element waits (a
/// correlated or closed one leaves the table and the history records the correlation), so every row is CREATED.
/// </summary>
public sealed class MessageSubscriptionQueries(NpgsqlDataSource dataSource)
{
    public static ReadModel<MessageSubscriptionRow> Model { get; } = new(
        "message subscriptions",
        """
        s.key AS Key, s.message_name AS MessageName, s.correlation_key AS CorrelationKey, s.process_instance_key AS ProcessInstanceKey,
        i.process_definition_key AS ProcessDefinitionKey, s.bpmn_process_id AS BpmnProcessId, s.element_id AS ElementId,
        s.element_instance_key AS ElementInstanceKey, s.created_at AS CreatedAt, s.tenant_id AS TenantId
        """,
        "message_subscription s JOIN process_instance i ON i.key = s.process_instance_key",
        new QueryField("messageSubscriptionKey", "s.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.Instance(caller, "i", parameters),
        [
            (new QueryField("messageName", "s.message_name", FieldType.Text), r => r.MessageName),
            (new QueryField("correlationKey", "s.correlation_key", FieldType.Text), r => r.CorrelationKey),
            (new QueryField("processInstanceKey", "s.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "i.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processDefinitionId", "s.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("elementId", "s.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementInstanceKey", "s.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("messageSubscriptionState", "'CREATED'", FieldType.Text, Sortable: false) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "CREATED, CORRELATED, DELETED, MIGRATED" }, null),
            (new QueryField("lastUpdatedDate", "s.created_at", FieldType.Date), r => r.CreatedAt),
            (new QueryField("tenantId", "s.tenant_id", FieldType.Text), r => r.TenantId),
        ]);

    public Task<QueryPage<MessageSubscriptionRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
}
