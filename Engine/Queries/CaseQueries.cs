using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

public sealed record ElementRow(long Key, string ElementId, string State, bool IsMultiInstanceBody, long? IncidentKey, DateTime ActivatedAt);

/// <summary>
/// One case: the instance, its live elements, variables (masked for the caller) and incidents; the user tasks of the
/// instance and of every instance it called (a demand's work tickets), and those called instances.
/// </summary>
public sealed record CaseView(InstanceRow Instance, IReadOnlyList<ElementRow> Elements, JsonObject Variables, IReadOnlyList<IncidentRow> Incidents,
    IReadOnlyList<UserTaskRow> Tasks, IReadOnlyList<InstanceRow> Called);

public sealed record HistoryRow(long Id, long? ElementInstanceKey, string? ElementId, string? ElementType, string Event, JsonNode? Details, DateTime At,
    long ProcessInstanceKey);

/// <summary>
/// The case view and its history. Whether the caller may see the case is decided once, by
/// <see cref="InstanceQueries.FindAsync"/> (the visibility rule); what follows reads the case's own rows.
/// </summary>
public sealed class CaseQueries(NpgsqlDataSource dataSource, InstanceQueries instances, VariableMasking masking)
{
    /// <summary>The instance (@instanceKey) and every instance below it: the rows of the CTE <c>tree(key)</c>.</summary>
    private const string TreeSql = """
        WITH RECURSIVE tree AS (
            SELECT key FROM process_instance WHERE key = @instanceKey
            UNION ALL
            SELECT p.key FROM process_instance p JOIN tree ON p.parent_process_instance_key = tree.key)
        """;

    /// <summary>The case, or null when the instance does not exist or its case is not the caller's to see.</summary>
    public async Task<CaseView?> CaseAsync(Caller caller, long instanceKey, CancellationToken cancellationToken)
    {
        if (await instances.FindAsync(caller, instanceKey, cancellationToken) is not { } instance)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var elements = await connection.QueryAsync<ElementRow>(new CommandDefinition("""
            SELECT key AS Key, element_id AS ElementId, state AS State, is_multi_instance_body AS IsMultiInstanceBody, incident_key AS IncidentKey,
                   activated_at AS ActivatedAt FROM element_instance
            WHERE process_instance_key = @instanceKey AND key <> @instanceKey ORDER BY key
            """, new { instanceKey }, cancellationToken: cancellationToken));
        var variables = new JsonObject();
        foreach (var (name, value) in await connection.QueryAsync<(string, string?)>(new CommandDefinition(
            "SELECT name, value::text FROM variable WHERE scope_key = @instanceKey ORDER BY name", new { instanceKey }, cancellationToken: cancellationToken)))
        {
            variables[name] = masking.Apply(caller, name, value is null ? null : JsonNode.Parse(value));
        }
        var incidents = await instances.IncidentsAsync(caller, Query.Where(new FieldCondition("processInstanceKey", FilterOperator.Eq, instanceKey)) with
        {
            CountTotal = false,
            Page = new PageRequest(PageRequest.MaximumLimit),
        }, cancellationToken);
        var called = await connection.QueryAsync<InstanceRow>(new CommandDefinition($"""
            {TreeSql}
            SELECT {InstanceQueries.Model.Select} FROM {InstanceQueries.Model.From} JOIN tree ON tree.key = i.key WHERE i.key <> @instanceKey ORDER BY i.key
            """, new { instanceKey }, cancellationToken: cancellationToken));
        var calledList = called.ToList();
        var family = calledList.Select(c => c.Key).Prepend(instanceKey).ToArray();
        // The case's tasks, all of them: the case is visible as a whole (a demand with its tickets, whichever group holds them now).
        var tasks = await connection.QueryAsync<UserTaskRow>(new CommandDefinition(
            $"SELECT {UserTaskQueries.Model.Select} FROM user_task t WHERE t.process_instance_key = ANY(@family) ORDER BY t.key LIMIT 500",
            new { family }, cancellationToken: cancellationToken));
        return new CaseView(instance, [.. elements], variables, incidents.Items, [.. tasks], calledList);
    }

    /// <summary>
    /// The case's history after <paramref name="afterId"/>, oldest first, <paramref name="take"/> rows at most; with
    /// <paramref name="withCalled"/> the instances it called too. Null when the case is not the caller's to see.
    /// </summary>
    public async Task<IReadOnlyList<HistoryRow>?> HistoryAsync(Caller caller, long instanceKey, bool withCalled, long afterId, int take,
        CancellationToken cancellationToken)
    {
        if (await instances.FindAsync(caller, instanceKey, cancellationToken) is null)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, long? ElementInstanceKey, string? ElementId, string? ElementType, string Event, string? Details, DateTime At, long ProcessInstanceKey)>(
            new CommandDefinition(withCalled
                ? $"""
                  {TreeSql}
                  SELECT h.id, h.element_instance_key, h.element_id, h.element_type, h.event, h.details::text, h.at, h.process_instance_key FROM execution_history h
                  WHERE h.process_instance_key IN (SELECT key FROM tree) AND h.id > @afterId ORDER BY h.id LIMIT @take
                  """
                : """
                  SELECT id, element_instance_key, element_id, element_type, event, details::text, at, process_instance_key FROM execution_history
                  WHERE process_instance_key = @instanceKey AND id > @afterId ORDER BY id LIMIT @take
                  """, new { instanceKey, afterId, take }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new HistoryRow(r.Id, r.ElementInstanceKey, r.ElementId, r.ElementType, r.Event,
            masking.ApplyDetails(caller, r.Details is null ? null : JsonNode.Parse(r.Details)), r.At, r.ProcessInstanceKey))];
    }
}
