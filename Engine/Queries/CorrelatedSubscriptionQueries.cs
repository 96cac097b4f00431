using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A message a subscription received (Camunda's correlated message subscription).</summary>
public sealed class CorrelatedSubscriptionRow
{
    public long SubscriptionKey { get; init; }
    public long MessageKey { get; init; }
    public string MessageName { get; init; } = "";
    public string CorrelationKey { get; init; } = "";
    public long ProcessInstanceKey { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public long ElementInstanceKey { get; init; }
    public string ElementId { get; init; } = "";
    public string BpmnProcessId { get; init; } = "";
    public DateTime CorrelatedAt { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// The correlations of the instances the caller may see, one row per (subscription, message). The subscription key
/// orders, and the message key after it anchors cursors on one row: a non-interrupting subscription receives several
/// messages, and paging by the subscription key alone skipped all but the first of them.
/// </summary>
public sealed class CorrelatedSubscriptionQueries(NpgsqlDataSource dataSource)
{
    public static ReadModel<CorrelatedSubscriptionRow> Model { get; } = new(
        "correlated message subscriptions",
        """
        c.subscription_key AS SubscriptionKey, c.message_key AS MessageKey, c.message_name AS MessageName, c.correlation_key AS CorrelationKey,
        c.process_instance_key AS ProcessInstanceKey, c.process_definition_key AS ProcessDefinitionKey, c.element_instance_key AS ElementInstanceKey,
        c.element_id AS ElementId, c.bpmn_process_id AS BpmnProcessId, c.correlated_at AS CorrelatedAt, c.tenant_id AS TenantId
        """,
        "message_correlated c",
        new QueryField("subscriptionKey", "c.subscription_key", FieldType.Key), r => r.SubscriptionKey,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "c.process_instance_key", parameters),
        [
            (new QueryField("messageKey", "c.message_key", FieldType.Key), r => r.MessageKey),
            (new QueryField("messageName", "c.message_name", FieldType.Text), r => r.MessageName),
            (new QueryField("correlationKey", "c.correlation_key", FieldType.Text), r => r.CorrelationKey),
            (new QueryField("correlationTime", "c.correlated_at", FieldType.Date), r => r.CorrelatedAt),
            (new QueryField("processInstanceKey", "c.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "c.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processDefinitionId", "c.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("elementId", "c.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementInstanceKey", "c.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("partitionId", "1", FieldType.Integer), r => 1L),
            (new QueryField("tenantId", "c.tenant_id", FieldType.Text), r => r.TenantId),
        ])
    {
        InstanceKeyColumn = "c.process_instance_key",
        TieBreak = "messageKey",
    };

    public Task<QueryPage<CorrelatedSubscriptionRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
}
