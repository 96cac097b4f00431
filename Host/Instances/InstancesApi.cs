using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Processes.Host.Camunda;
using Processes.Host.Identity;

namespace Processes.Host.Instances;

public sealed record ActiveElement(string ElementInstanceKey, string ElementId, string State, bool IsMultiInstanceBody, string? IncidentKey, DateTimeOffset ActivatedAt);

/// <summary>
/// One case: the instance, its live elements, variables and incidents; the user tasks of the instance and of every
/// instance it called (a demand's work tickets run in called instances), and those called instances.
/// </summary>
public sealed record InstanceView(ProcessInstanceItem Instance, IReadOnlyList<ActiveElement> ActiveElements, JsonObject Variables,
    IReadOnlyList<IncidentItem> Incidents, IReadOnlyList<UserTaskItem> Tasks, IReadOnlyList<CalledInstance> CalledInstances);

public sealed record CalledInstance(string ProcessInstanceKey, string ProcessDefinitionId, int Version, string ParentProcessInstanceKey, string State,
    DateTimeOffset StartDate, DateTimeOffset? EndDate);

public sealed record HistoryEntry(long Id, string? ElementInstanceKey, string? ElementId, string? ElementType, string Event, JsonNode? Details, DateTimeOffset At,
    string ProcessInstanceKey);

/// <summary>
/// /api/instances: what Camunda's API lacks for the case view — one instance with its live elements, variables,
/// incidents and tasks, and its audit trail (every element, variable, task and incident event), cursor-paged; with
/// <c>?include=called</c> the trail of the instances it called too, in the order things happened.
/// </summary>
internal static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/instances").WithTags("Instances").RequireAuthorization(Policies.Tasks);
        group.MapGet("/{key}", GetAsync);
        group.MapGet("/{key}/history", HistoryAsync);
        return app;
    }

    private static async Task<Results<Ok<InstanceView>, ProblemHttpResult>> GetAsync(string key, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return Problems.NotFound("process instance", key);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var instance = await connection.QuerySingleOrDefaultAsync<(long Key, string Id, string? Name, int Version, long DefinitionKey, long? Parent, long? ParentElement,
            DateTime Started, DateTime? Ended, string State, bool HasIncident, string? BusinessKey)>(new CommandDefinition("""
            SELECT i.key, i.bpmn_process_id, d.name, i.process_version, i.process_definition_key, i.parent_process_instance_key, i.parent_element_instance_key,
                   i.started_at, i.ended_at, i.state, i.has_incident, i.business_key
            FROM process_instance i LEFT JOIN process_definition d ON d.process_definition_key = i.process_definition_key WHERE i.key = @instanceKey
            """, new { instanceKey }, cancellationToken: cancellationToken));
        if (instance == default)
        {
            return Problems.NotFound("process instance", key);
        }
        var elements = await connection.QueryAsync<(long Key, string ElementId, string State, bool Body, long? Incident, DateTime ActivatedAt)>(new CommandDefinition(
            "SELECT key, element_id, state, is_multi_instance_body, incident_key, activated_at FROM element_instance WHERE process_instance_key = @instanceKey AND key <> @instanceKey ORDER BY key",
            new { instanceKey }, cancellationToken: cancellationToken));
        var variables = new JsonObject();
        foreach (var (name, value) in await connection.QueryAsync<(string, string?)>(new CommandDefinition(
            "SELECT name, value::text FROM variable WHERE scope_key = @instanceKey ORDER BY name", new { instanceKey }, cancellationToken: cancellationToken)))
        {
            variables[name] = value is null ? null : JsonNode.Parse(value);
        }
        var incidents = await connection.QueryAsync<(long Key, string Id, long DefinitionKey, string ElementId, long ElementInstanceKey, string Type, string Message, long? Job, string State, DateTime Created)>(
            new CommandDefinition("""
                SELECT key, bpmn_process_id, process_definition_key, element_id, element_instance_key, error_type, error_message, job_key, state, created_at
                FROM incident WHERE process_instance_key = @instanceKey ORDER BY key
                """, new { instanceKey }, cancellationToken: cancellationToken));
        var called = (await connection.QueryAsync<(long Key, string Id, int Version, long Parent, string State, DateTime Started, DateTime? Ended)>(new CommandDefinition(
            $"""
            {TreeSql}
            SELECT i.key, i.bpmn_process_id, i.process_version, i.parent_process_instance_key, i.state, i.started_at, i.ended_at
            FROM process_instance i JOIN tree ON tree.key = i.key WHERE i.key <> @instanceKey ORDER BY i.key
            """, new { instanceKey }, cancellationToken: cancellationToken))).ToList();
        var family = called.Select(c => c.Key).Prepend(instanceKey).ToArray();
        var (tasks, _) = await UserTasksApi.QueryAsync(dataSource, new SqlFilter().When(family, "t.process_instance_key = ANY(@family)", "family"),
            0, 500, cancellationToken, count: false, orderByKey: true);
        var view = new InstanceView(
            new ProcessInstanceItem(CamundaResults.Key(instance.Key), instance.Id, instance.Name, instance.Version, null, CamundaResults.Key(instance.DefinitionKey),
                CamundaResults.Key(instance.Parent), CamundaResults.Key(instance.ParentElement), CamundaResults.Iso((DateTime?)instance.Started)!, CamundaResults.Iso(instance.Ended),
                instance.State, instance.HasIncident, CamundaResults.DefaultTenant, instance.BusinessKey),
            [.. elements.Select(e => new ActiveElement(CamundaResults.Key(e.Key), e.ElementId, e.State, e.Body, CamundaResults.Key(e.Incident), Utc(e.ActivatedAt)))],
            variables,
            [.. incidents.Select(i => new IncidentItem(CamundaResults.Key(i.Key), i.Id, CamundaResults.Key(i.DefinitionKey), CamundaResults.Key(instanceKey), i.ElementId,
                CamundaResults.Key(i.ElementInstanceKey), i.Type, i.Message, CamundaResults.Key(i.Job), i.State, CamundaResults.Iso((DateTime?)i.Created)!, CamundaResults.DefaultTenant))],
            tasks,
            [.. called.Select(c => new CalledInstance(CamundaResults.Key(c.Key), c.Id, c.Version, CamundaResults.Key(c.Parent), c.State, Utc(c.Started),
                c.Ended is { } ended ? Utc(ended) : null))]);
        return TypedResults.Ok(view);
    }

    /// <summary>The instance (@instanceKey) and every instance below it: the rows of the CTE <c>tree(key)</c>.</summary>
    private const string TreeSql = """
        WITH RECURSIVE tree AS (
            SELECT key FROM process_instance WHERE key = @instanceKey
            UNION ALL
            SELECT p.key FROM process_instance p JOIN tree ON p.parent_process_instance_key = tree.key)
        """;

    private static async Task<Results<Ok<Page<HistoryEntry>>, ProblemHttpResult>> HistoryAsync(string key, string? after, string? limit, string? include,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (cursor, size) = Paging.Read(after, limit, errors);
        var withCalled = include switch
        {
            null or "" => false,
            "called" => true,
            _ => AddError(errors, "include", $"'{include}' is not known: 'called' adds the history of the instances it called."),
        };
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        if (!CamundaResults.TryKey(key, out var instanceKey))
        {
            return Problems.NotFound("process instance", key);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(long Id, long? ElementInstanceKey, string? ElementId, string? ElementType, string Event, string? Details, DateTime At, long ProcessInstanceKey)>(
            new CommandDefinition(withCalled
                ? $"""
                  {TreeSql}
                  SELECT h.id, h.element_instance_key, h.element_id, h.element_type, h.event, h.details::text, h.at, h.process_instance_key FROM execution_history h
                  WHERE h.process_instance_key IN (SELECT key FROM tree) AND h.id > @after ORDER BY h.id LIMIT @take
                  """
                : """
                  SELECT id, element_instance_key, element_id, element_type, event, details::text, at, process_instance_key FROM execution_history
                  WHERE process_instance_key = @instanceKey AND id > @after ORDER BY id LIMIT @take
                  """, new { instanceKey, after = cursor ?? 0, take = size + 1 }, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0 && cursor is null &&
            !await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM process_instance WHERE key = @instanceKey)", new { instanceKey }, cancellationToken: cancellationToken)))
        {
            return Problems.NotFound("process instance", key);
        }
        var page = rows.Take(size).Select(r => new HistoryEntry(r.Id, CamundaResults.Key(r.ElementInstanceKey), r.ElementId, r.ElementType, r.Event,
            r.Details is null ? null : JsonNode.Parse(r.Details), Utc(r.At), CamundaResults.Key(r.ProcessInstanceKey))).ToList();
        return TypedResults.Ok(new Page<HistoryEntry>(page, rows.Count > size ? Paging.Encode(page[^1].Id) : null));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static bool AddError(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return false;
    }
}
