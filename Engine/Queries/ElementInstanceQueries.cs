using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>The live element instances (a finished one lives on in the history), within the caller's visibility.</summary>
internal sealed class ElementInstanceQueries(NpgsqlDataSource dataSource)
{
    public static ReadModel<ElementRow> Model { get; } = new(
        "element instances",
        """
        e.key AS Key, e.element_id AS ElementId, e.state AS State, e.is_multi_instance_body AS IsMultiInstanceBody, e.incident_key AS IncidentKey,
        e.activated_at AS ActivatedAt
        """,
        "element_instance e",
        new QueryField("elementInstanceKey", "e.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "e.process_instance_key", parameters),
        [
            (new QueryField("processInstanceKey", "e.process_instance_key", FieldType.Key), null),
            (new QueryField("elementId", "e.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("state", "e.state", FieldType.Text) { Vocabulary = s => s.ToUpperInvariant(), VocabularyHint = "ACTIVATING, ACTIVATED, COMPLETING" }, r => r.State),
            (new QueryField("hasIncident", "(e.incident_key IS NOT NULL)", FieldType.Boolean), r => r.IncidentKey is not null),
            (new QueryField("incidentKey", "e.incident_key", FieldType.Key), r => r.IncidentKey),
            (new QueryField("startDate", "e.activated_at", FieldType.Date), r => r.ActivatedAt),
        ])
    {
        InstanceKeyColumn = "e.process_instance_key",
    };

    public Task<QueryPage<ElementRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        QuerySql.RunAsync(dataSource, Model, caller, query, cancellationToken);
}
