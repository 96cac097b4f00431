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
        var elements = await new ElementInstanceQueries(dataSource).SearchAsync(caller, Query.Where(
            new FieldCondition("processInstanceKey", FilterOperator.Eq, instanceKey),
            new FieldCondition("elementInstanceKey", FilterOperator.Neq, instanceKey)) with
        {
            CountTotal = false,
            Page = new PageRequest(PageRequest.MaximumLimit),
        }, cancellationToken);
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
            $"SELECT {UserTaskQueries.Model.Select} FROM {UserTaskQueries.Model.From} WHERE t.process_instance_key = ANY(@family) ORDER BY t.key LIMIT 500",
            new { family }, cancellationToken: cancellationToken));
        return new CaseView(instance, elements.Items, variables, incidents.Items, [.. tasks], calledList);
    }

    /// <summary>History rows as stored; <see cref="HistoryRow"/> is what callers get (details parsed and masked).</summary>
    public sealed class StoredHistory
    {
        public long Id { get; init; }
        public long? ElementInstanceKey { get; init; }
        public string? ElementId { get; init; }
        public string? ElementType { get; init; }
        public string Event { get; init; } = "";
        public string? Details { get; init; }
        public DateTime At { get; init; }
        public long ProcessInstanceKey { get; init; }
    }

    /// <summary>The history read model: every step of every instance, in the order it happened (by id).</summary>
    public static ReadModel<StoredHistory> HistoryModel { get; } = new(
        "history",
        """
        h.id AS Id, h.element_instance_key AS ElementInstanceKey, h.element_id AS ElementId, h.element_type AS ElementType, h.event AS Event,
        h.details::text AS Details, h.at AS At, h.process_instance_key AS ProcessInstanceKey
        """,
        "execution_history h",
        new QueryField("id", "h.id", FieldType.Key), r => r.Id,
        (caller, parameters) => VisibilityRule.OfInstance(caller, "h.process_instance_key", parameters),
        [
            (new QueryField("processInstanceKey", "h.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("elementInstanceKey", "h.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("elementId", "h.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementType", "h.element_type", FieldType.Text), r => r.ElementType),
            (new QueryField("event", "h.event", FieldType.Text), r => r.Event),
            (new QueryField("at", "h.at", FieldType.Date), r => r.At),
        ]);

    /// <summary>
    /// The case's history, oldest first, paged by <paramref name="page"/> (keyset cursors); with <paramref name="withCalled"/>
    /// the instances it called too; <paramref name="filter"/> narrows it further (an event, an element). Null when the
    /// case is not the caller's to see.
    /// </summary>
    public async Task<QueryPage<HistoryRow>?> HistoryAsync(Caller caller, long instanceKey, bool withCalled, PageRequest page, Query? filter,
        CancellationToken cancellationToken)
    {
        if (await instances.FindAsync(caller, instanceKey, cancellationToken) is not { } instance)
        {
            return null;
        }
        long[] keys = [instanceKey];
        if (withCalled)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            keys = [.. await connection.QueryAsync<long>(new CommandDefinition($"{TreeSql} SELECT key FROM tree", new { instanceKey }, cancellationToken: cancellationToken))];
        }
        // History is partitioned by month of `at` (migration 0090): nothing of the case is older than its start (the
        // instances it called started later) nor, once it ended, newer than its end (they ended before it), so the bounds
        // let the planner skip the other months instead of probing each month's index. A day's margin either side: rows
        // of other hosts' rounds (SLA) carry their clocks, not this host's.
        var query = (filter ?? new Query())
            .And(new FieldCondition("processInstanceKey", FilterOperator.In, keys))
            .And(new FieldCondition("at", FilterOperator.Gte, instance.StartedAt.AddDays(-1)));
        if (instance.EndedAt is { } ended)
        {
            query = query.And(new FieldCondition("at", FilterOperator.Lte, ended.AddDays(1)));
        }
        query = query with
        {
            Sort = [new SortBy("id")],
            Page = page,
            CountTotal = false,
        };
        var rows = await QuerySql.RunAsync(dataSource, HistoryModel, caller, query, cancellationToken);
        return new QueryPage<HistoryRow>([.. rows.Items.Select(r => new HistoryRow(r.Id, r.ElementInstanceKey, r.ElementId, r.ElementType, r.Event,
            masking.ApplyDetails(caller, r.Details is null ? null : JsonNode.Parse(r.Details)), r.At, r.ProcessInstanceKey))],
            rows.Total, rows.StartCursor, rows.EndCursor, rows.HasMore);
    }
}
