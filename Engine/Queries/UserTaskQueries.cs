using Dapper;
using Npgsql;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>A user task as the read side returns it.</summary>
public sealed class UserTaskRow
{
    public long Key { get; init; }
    public string? Name { get; init; }
    public string State { get; init; } = "";
    public string? Assignee { get; init; }
    public string ElementId { get; init; } = "";
    public string[] CandidateGroups { get; init; } = [];
    public string[] CandidateUsers { get; init; } = [];
    public string BpmnProcessId { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? FollowUpDate { get; init; }
    public DateTime? DueDate { get; init; }
    public string? FormKey { get; init; }
    /// <summary>The key of the latest deployed version of a linked form (<c>form:&lt;id&gt;</c>), if one is deployed.</summary>
    public long? LinkedFormKey { get; init; }
    public long ElementInstanceKey { get; init; }
    public long ProcessInstanceKey { get; init; }
    public long ProcessDefinitionKey { get; init; }
    public int Priority { get; init; }
    public string CustomHeaders { get; init; } = "{}";
    public int Version { get; init; }
    public string TenantId { get; init; } = TenantIds.Default;

    /// <summary>The title the model gives the task (extension property <c>title</c>), null when it gives none.</summary>
    public string? Title { get; init; }

    /// <summary>The case the task belongs to: the root of its instance tree (a work ticket's demand).</summary>
    public long RootProcessInstanceKey { get; init; }

    /// <summary>The business key of the task's own instance (an order or demand number), if it has one.</summary>
    public string? BusinessKey { get; init; }

    /// <summary>Since when the task's SLA is paused (its case waits on the customer or a third party); null while it runs.</summary>
    public DateTime? SlaPausedSince { get; init; }
}

/// <summary>A variable as the read side returns it: the value as JSON text, already masked for the caller.</summary>
public sealed record VariableRow(long ScopeKey, string Name, string Value, long ProcessInstanceKey, long Key = 0)
{
    public string TenantId { get; init; } = TenantIds.Default;
}

/// <summary>
/// User tasks: search (Camunda's fields, the inbox's views), one task by key, and the variables its form shows.
/// Every read carries the caller's visibility: a task outside it does not exist for them.
/// </summary>
public sealed class UserTaskQueries(NpgsqlDataSource dataSource, VariableMasking masking)
{
    /// <summary>How far the Camunda search counts before it answers "at least" (the limit Camunda's own search index tracks).</summary>
    public const int TotalCap = 10_000;

    /// <summary>
    /// Camunda 8.8's task states. A task here is CREATED, COMPLETED or CANCELED within one transaction, so the
    /// transitional ones (CREATING, ASSIGNING, UPDATING, COMPLETING, CANCELING) and FAILED are accepted and match no task.
    /// </summary>
    private static readonly string[] States = ["CREATING", "CREATED", "ASSIGNING", "UPDATING", "COMPLETING", "COMPLETED", "CANCELING", "CANCELED", "FAILED"];

    public static ReadModel<UserTaskRow> Model { get; } = new(
        "user tasks",
        """
        t.key AS Key, t.name AS Name, t.state AS State, t.assignee AS Assignee, t.element_id AS ElementId, t.candidate_groups AS CandidateGroups,
        t.candidate_users AS CandidateUsers, t.bpmn_process_id AS BpmnProcessId, t.created_at AS CreatedAt, t.completed_at AS CompletedAt,
        t.follow_up_date AS FollowUpDate, t.due_date AS DueDate, t.form_key AS FormKey, t.element_instance_key AS ElementInstanceKey,
        t.process_instance_key AS ProcessInstanceKey, t.process_definition_key AS ProcessDefinitionKey, t.priority AS Priority,
        t.custom_headers::text AS CustomHeaders, t.version AS Version, t.title AS Title, t.tenant_id AS TenantId,
        coalesce(tp.root_process_instance_key, t.process_instance_key) AS RootProcessInstanceKey, lf.form_key AS LinkedFormKey,
        tp.business_key AS BusinessKey,
        (SELECT sp.paused_at FROM sla_paused_task spt JOIN sla_pause sp ON sp.id = spt.pause_id WHERE spt.user_task_key = t.key) AS SlaPausedSince
        """,
        // Joined once rather than a subselect per row: the instance (for the case and its business key), and the
        // latest version of each linked form, distinct on what the join compares so the planner may drop the join
        // when nothing of it is read (a count).
        """
        user_task t LEFT JOIN process_instance tp ON tp.key = t.process_instance_key
        LEFT JOIN (SELECT DISTINCT ON (f.tenant_id, f.form_id) f.tenant_id, 'form:' || f.form_id AS link, f.form_key
                   FROM form_definition f WHERE f.deleted_at IS NULL ORDER BY f.tenant_id, f.form_id, f.version DESC) lf ON lf.tenant_id = t.tenant_id AND lf.link = t.form_key
        """,
        new QueryField("userTaskKey", "t.key", FieldType.Key), r => r.Key,
        (caller, parameters) => VisibilityRule.Task(caller, "t", parameters),
        [
            (new QueryField("state", "t.state", FieldType.Text) { Vocabulary = State, VocabularyHint = string.Join(", ", States) }, r => r.State),
            (new QueryField("assignee", "t.assignee", FieldType.Text), r => r.Assignee),
            (new QueryField("candidateGroup", "t.candidate_groups", FieldType.TextList), null),
            (new QueryField("candidateUser", "t.candidate_users", FieldType.TextList), null),
            (new QueryField("name", "t.name", FieldType.Text), r => r.Name),
            (new QueryField("elementId", "t.element_id", FieldType.Text), r => r.ElementId),
            (new QueryField("elementInstanceKey", "t.element_instance_key", FieldType.Key), r => r.ElementInstanceKey),
            (new QueryField("processInstanceKey", "t.process_instance_key", FieldType.Key), r => r.ProcessInstanceKey),
            (new QueryField("processDefinitionKey", "t.process_definition_key", FieldType.Key), r => r.ProcessDefinitionKey),
            (new QueryField("processDefinitionId", "t.bpmn_process_id", FieldType.Text), r => r.BpmnProcessId),
            (new QueryField("priority", "t.priority", FieldType.Integer), r => (long)r.Priority),
            (new QueryField("creationDate", "t.created_at", FieldType.Date), r => r.CreatedAt),
            (new QueryField("completionDate", "t.completed_at", FieldType.Date), r => r.CompletedAt),
            (new QueryField("dueDate", "t.due_date", FieldType.Date), r => r.DueDate),
            (new QueryField("followUpDate", "t.follow_up_date", FieldType.Date), r => r.FollowUpDate),
            (new QueryField("formKey", "t.form_key", FieldType.Text), r => r.FormKey),
            (new QueryField("tenantId", "t.tenant_id", FieldType.Text), r => r.TenantId),
            (new QueryField("rootProcessInstanceKey", "tp.root_process_instance_key", FieldType.Key, Sortable: false), null),
            // The inbox's search box: one lower-cased text of what people call a task (title, name, process, the case's
            // business key such as an order number, the key), matched with $like.
            (new QueryField("text", "lower(concat_ws(' ', t.title, t.name, t.element_id, t.bpmn_process_id, tp.business_key, t.key::text))", FieldType.Text,
                Sortable: false), null),
        ])
    {
        InstanceKeyColumn = "t.process_instance_key",
        VariablesFilter = "processInstanceVariables",
        // Variables of the task's own scope (its element instance), live while the task is.
        LocalVariablesFilter = "localVariables",
        LocalScopeColumn = "t.element_instance_key",
        DefaultSort = [new SortBy("priority", SortOrder.Desc), new SortBy("dueDate")],
    };

    private static string? State(string text) => text.ToUpperInvariant() switch
    {
        "CANCELLED" => "CANCELED",
        var state when States.Contains(state) => state,
        _ => null,
    };

    public Task<QueryPage<UserTaskRow>> SearchAsync(Caller caller, Query query, CancellationToken cancellationToken) =>
        MaskedSearch.RunAsync(dataSource, Model, masking, caller, query, cancellationToken);

    /// <summary>The task, if the caller may see it; null whether it does not exist or is not theirs to see (no probing).</summary>
    public Task<UserTaskRow?> FindAsync(Caller caller, long key, CancellationToken cancellationToken) =>
        MaskedSearch.FindAsync(dataSource, Model, masking, caller, key, cancellationToken);

    /// <summary>
    /// What the task's form shows: the variables visible at the task, its own scope first, then each enclosing scope
    /// up to the instance (an inner one hides an outer one of the same name); null when the task is not visible.
    /// </summary>
    public async Task<IReadOnlyList<VariableRow>?> FormVariablesAsync(Caller caller, long taskKey, string? name, CancellationToken cancellationToken)
    {
        if (await FindAsync(caller, taskKey, cancellationToken) is not { } task)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The scopes from the task's element up its flow scopes; a completed task's element is gone, leaving the instance.
        var rows = await connection.QueryAsync<(long Scope, string Name, string? Value, long Key)>(new CommandDefinition("""
            WITH RECURSIVE scopes AS (
                SELECT key, flow_scope_key, 0 AS depth FROM element_instance WHERE key = @ElementInstanceKey
                UNION ALL
                SELECT e.key, e.flow_scope_key, s.depth + 1 FROM element_instance e JOIN scopes s ON e.key = s.flow_scope_key),
            visible AS (
                SELECT key, depth FROM scopes
                UNION ALL SELECT @ProcessInstanceKey, 1000000)
            SELECT DISTINCT ON (v.name) v.scope_key, v.name, v.value::text, v.key
            FROM variable v JOIN visible s ON v.scope_key = s.key
            WHERE v.process_instance_key = @ProcessInstanceKey AND (@name::text IS NULL OR v.name = @name)
            ORDER BY v.name, s.depth
            """, new { task.ElementInstanceKey, task.ProcessInstanceKey, name }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new VariableRow(r.Scope, r.Name, masking.ApplyText(caller, r.Name, r.Value) ?? "null", task.ProcessInstanceKey, r.Key)
        {
            TenantId = task.TenantId,
        })];
    }
}
