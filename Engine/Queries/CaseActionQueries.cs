using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Deployment;
using Processes.Engine.Visibility;

namespace Processes.Engine.Queries;

/// <summary>
/// An action the current state of a case offers, as its model declares it on the waiting element. <see cref="Kind"/>
/// <c>message</c>: correlate <see cref="MessageName"/> with <see cref="CorrelationKey"/> (the case's open
/// subscription); <c>complete</c>: complete the open user task <see cref="UserTaskKey"/> with <see cref="Variables"/>
/// and what the person fills in the form <see cref="FormId"/> (none: nothing to fill).
/// </summary>
public sealed record CaseAction(string Id, string Label, string Kind, string ElementId, long ElementInstanceKey, string? MessageName, string? CorrelationKey,
    long? UserTaskKey, string? FormId, JsonObject Variables)
{
    /// <summary>The case's tenant: a message action correlates there, a form comes from there.</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;

    /// <summary>The instance whose element offers the action: the case, or an instance it called (a demand's work ticket).</summary>
    public long ProcessInstanceKey { get; init; }
}

/// <summary>
/// The actions a case offers now. Designers declare them with extension properties on the element that waits:
/// <c>action.&lt;id&gt;</c> = the button's label; <c>action.&lt;id&gt;.message</c> = a message the action sends to
/// this case (offered while the case subscribes to it), or else the action completes the element's open user task;
/// <c>action.&lt;id&gt;.form</c> = the form the person fills first; <c>action.&lt;id&gt;.set.&lt;variable&gt;</c> = a
/// value the action always sends (JSON, or text). So a state offers what its model says, and nothing the engine
/// would refuse at once: a completion only to the task's assignee.
/// </summary>
public sealed class CaseActionQueries
{
    public const string Prefix = "action.";

    private readonly NpgsqlDataSource _dataSource;
    private readonly CaseQueries _cases;
    private readonly ProcessDefinitions _definitions;

    public CaseActionQueries(NpgsqlDataSource dataSource, CaseQueries cases, ProcessDefinitions definitions)
    {
        _dataSource = dataSource;
        _cases = cases;
        _definitions = definitions;
    }

    /// <summary>
    /// The actions of the case's waiting elements, and of the instances it called that are still running (a demand's
    /// work ticket offers "Record the first response" on the demand's page too); an id offered by the case itself wins
    /// over the same id further down. Null when the case is not the caller's to see.
    /// </summary>
    public async Task<IReadOnlyList<CaseAction>?> ActionsAsync(Caller caller, long instanceKey, CancellationToken cancellationToken)
    {
        if (await _cases.CaseAsync(caller, instanceKey, cancellationToken) is not { } view)
        {
            return null;
        }
        if (view.Instance.State != "ACTIVE")
        {
            return [];
        }
        var actions = new List<CaseAction>();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await AddAsync(actions, connection, caller, view, view.Instance, view.Elements, cancellationToken);
        foreach (var called in view.Called.Where(c => c.State == "ACTIVE"))
        {
            var elements = await new ElementInstanceQueries(_dataSource).SearchAsync(caller, Query.Where(
                new FieldCondition("processInstanceKey", FilterOperator.Eq, called.Key),
                new FieldCondition("elementInstanceKey", FilterOperator.Neq, called.Key)) with
            {
                CountTotal = false,
                Page = new PageRequest(PageRequest.MaximumLimit),
            }, cancellationToken);
            await AddAsync(actions, connection, caller, view, called, elements.Items, cancellationToken);
        }
        return [.. actions.DistinctBy(a => a.Id, StringComparer.Ordinal).Select(a => a with { TenantId = view.Instance.TenantId })];
    }

    /// <summary>The actions <paramref name="instance"/> (the case or one it called) declares on its waiting <paramref name="elements"/>.</summary>
    private async Task AddAsync(List<CaseAction> actions, NpgsqlConnection connection, Caller caller, CaseView view, InstanceRow instance,
        IReadOnlyList<ElementRow> elements, CancellationToken cancellationToken)
    {
        if (await _definitions.GetExecutableAsync(instance.ProcessDefinitionKey, cancellationToken) is not { } model)
        {
            return;
        }
        foreach (var element in elements.Where(e => !e.IsMultiInstanceBody && e.IncidentKey is null))
        {
            if (model.FindFlowNode(element.ElementId) is not { } node)
            {
                continue;
            }
            foreach (var (id, label) in Declared(node.Properties))
            {
                var properties = node.Properties;
                var variables = Values(properties, $"{Prefix}{id}.set.");
                properties.TryGetValue($"{Prefix}{id}.form", out var formId);
                formId = string.IsNullOrWhiteSpace(formId) ? null : formId.Trim();
                if (properties.TryGetValue($"{Prefix}{id}.message", out var message) && !string.IsNullOrWhiteSpace(message))
                {
                    var correlationKey = await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition("""
                        SELECT correlation_key FROM message_subscription WHERE process_instance_key = @instanceKey AND message_name = @message ORDER BY key LIMIT 1
                        """, new { instanceKey = instance.Key, message = message.Trim() }, cancellationToken: cancellationToken));
                    if (correlationKey is not null)
                    {
                        actions.Add(new CaseAction(id, label, "message", element.ElementId, element.Key, message.Trim(), correlationKey, null, formId, variables)
                        {
                            ProcessInstanceKey = instance.Key,
                        });
                    }
                }
                // Only the assignee may complete a task (the engine's precondition), so only the assignee is offered the action.
                else if (view.Tasks.FirstOrDefault(t => t.ElementInstanceKey == element.Key && t.State == "CREATED" && t.Assignee == caller.UserName) is { } task)
                {
                    actions.Add(new CaseAction(id, label, "complete", element.ElementId, element.Key, null, null, task.Key, formId, variables)
                    {
                        ProcessInstanceKey = instance.Key,
                    });
                }
            }
        }
    }

    private static IEnumerable<(string Id, string Label)> Declared(ImmutableDictionary<string, string> properties) =>
        properties
            .Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal) && p.Key.Length > Prefix.Length && !p.Key[Prefix.Length..].Contains('.'))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key[Prefix.Length..], string.IsNullOrWhiteSpace(p.Value) ? p.Key[Prefix.Length..] : p.Value.Trim()));

    private static JsonObject Values(ImmutableDictionary<string, string> properties, string prefix)
    {
        var values = new JsonObject();
        foreach (var (name, text) in properties.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.Length > prefix.Length)
                     .OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            values[name[prefix.Length..]] = Parse(text);
        }
        return values;
    }

    /// <summary>A set value is JSON when it reads as JSON (<c>true</c>, <c>20</c>), else the text itself (<c>sms</c>).</summary>
    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
