using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A message subscription: an element waiting for a message (CREATED), or one that received it or closed.</summary>
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
    /// <summary>CREATED, CORRELATED or DELETED.</summary>
    public string State { get; init; } = "CREATED";
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// The message subscriptions of the instances the caller may see: the open ones (CREATED) from the runtime table and
/// the ones that received their message (CORRELATED) or closed with their element (DELETED) from
/// <c>message_subscription_closed</c>. A non-interrupting subscription that received a message and still waits shows once, CORRELATED.
/// </summary>
public sealed class MessageSubscriptionQueries(NpgsqlDataSource dataSource)
{
    public static ReadModel<MessageSubscriptionRow> Model { get; } = new(
        "message subscriptions",
        """
        s.key AS Key, s.message_name AS MessageName, s.correlation_key AS CorrelationKey, s.process_instance_key AS ProcessInstanceKey,
        i.process_definition_key AS ProcessDefinitionKey, s.bpmn_process_id AS BpmnProcessId, s.element_id AS ElementId,
        s.element_instance_key AS ElementInstanceKey, s.updated_at AS CreatedAt, s.state AS State, s.tenant_id AS TenantId
        """,
        """
        (SELECT key, 'CREATED' AS state, message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id,
                created_at AS updated_at, tenant_id
         FROM message_subscription o WHERE NOT EXISTS (SELECT 1 FROM message_subscription_closed c WHERE c.key = o.key)
         UNION ALL
         SELECT key, state, message_name, correlation_key, process_instance_key, element_instance_key, element_id, bpmn_process_id, closed_at, tenant_id
         FROM message_subscription_closed) s
        JOIN process_instance i ON i.key = s.process_instance_key
        """,
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
            (new QueryField("messageSubscriptionState", "s.state", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "CREATED, CORRELATED, DELETED, MIGRATED" }, r => r.State),
            (new QueryField("lastUpdatedDate", "s.updated_at", FieldType.Date), r => r.CreatedAt),
            (new QueryField("tenantId", "s.tenant_id", FieldType.Text), r => r.TenantId),
        ]);

    public Task<QueryPage<MessageSubscriptionRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
}
