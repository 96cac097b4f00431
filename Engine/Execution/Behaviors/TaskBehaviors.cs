using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution.Behaviors;

/// <summary>
/// Elements whose work a worker does: service, send, job-based script and business-rule tasks, message throw
/// and end events. Activation creates the job; completing the job completes the element.
/// </summary>
internal sealed class JobWorkerBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableFlowNode)instance.ModelElement(element);
        var definition = node switch
        {
            ExecutableActivity a => a.Job,
            ExecutableEvent e => e.Job,
            _ => null,
        };
        if (definition is null)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"{node.ElementType} '{node.Id}' has no job type (zeebe:taskDefinition).");
            return;
        }
        var scope = VariableScope.For(instance, element.Key);
        var type = x.Expressions.String(definition.Type, scope);
        var retries = x.Expressions.Integer(definition.Retries, scope);
        if (!type.Ok || !retries.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, type.Failure ?? retries.Failure!);
            return;
        }
        var headers = new JsonObject();
        foreach (var (name, value) in definition.Headers)
        {
            headers[name] = value;
        }
        var key = x.Keys.Next();
        x.Changes.NewJobs.Add(new JobRow(key, type.Value, instance.Key, element.Key, element.ElementId, instance.Row.BpmnProcessId,
            instance.Row.ProcessDefinitionKey, instance.Row.ProcessVersion, Math.Max(0, retries.Value), headers, x.Now, x.Now));
        element.Data.JobKey = key;
        element.IsDirty = true;
        x.History(instance, element, HistoryEvents.JobCreated, new JsonObject { ["jobKey"] = key, ["type"] = type.Value, ["retries"] = retries.Value });
    }
}

/// <summary>
/// A human task in the engine's inbox: assignment, candidates, schedule and form are evaluated at activation. Besides
/// Camunda's <c>zeebe:taskSchedule</c> (absolute dates), the extension properties <c>dueIn</c> and <c>followUpIn</c>
/// (an ISO duration, or FEEL after <c>=</c>) set the dates counted in the business calendar the task names
/// (<c>businessCalendar</c>, as timers do): an SLA of eight working hours shows as the inbox countdown to the moment
/// the SLA timer will fire, which FEEL alone cannot compute.
/// </summary>
internal sealed class UserTaskBehavior : ElementBehavior
{
    public const string DueInProperty = "dueIn";
    public const string FollowUpInProperty = "followUpIn";
    public const string TitleProperty = "title";

    private static (DateTimeOffset? At, string? Failure) InWorkingTime(Execution x, string tenantId, ExecutableActivity node, string property, Feel.Evaluation.FeelScope scope)
    {
        if (!node.Properties.TryGetValue(property, out var raw) || string.IsNullOrWhiteSpace(raw))
        {
            return (null, null);
        }
        var text = x.Expressions.String(ModelExpression.Parse(raw), scope);
        if (!text.Ok)
        {
            return (null, $"the property '{property}' failed: {text.Failure}");
        }
        var calendar = x.Calendars.Get(tenantId, TimerCalculator.CalendarName(node));
        if (!calendar.Ok)
        {
            return (null, calendar.Failure);
        }
        var at = TimerCalculator.First(TimerKind.Duration, text.Value, x.Now, calendar.Value);
        return at.Ok ? (at.Value.DueAt, null) : (null, $"the property '{property}' = '{text.Value}' is not a duration: {at.Failure}");
    }

    /// <summary>
    /// The task's title (property <c>title</c>: text, or FEEL after <c>=</c>). Unlike the other properties a title that
    /// cannot be evaluated (a variable not there yet) is no incident: it only labels the task, so the inbox falls back
    /// to the element name rather than the work stopping.
    /// </summary>
    private static string? Title(Execution x, ExecutableActivity node, Feel.Evaluation.FeelScope scope)
    {
        if (!node.Properties.TryGetValue(TitleProperty, out var raw) || string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        var text = x.Expressions.String(ModelExpression.Parse(raw), scope);
        return text.Ok && !string.IsNullOrWhiteSpace(text.Value) ? text.Value.Length > 200 ? text.Value[..200] : text.Value : null;
    }

    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableActivity)instance.ModelElement(element);
        var definition = node.UserTask;
        var scope = VariableScope.For(instance, element.Key);
        string? assignee = null;
        IReadOnlyList<string> groups = [];
        IReadOnlyList<string> users = [];
        DateTimeOffset? due = null;
        DateTimeOffset? followUp = null;
        var priority = 50;
        string? failure = null;
        if (definition?.Assignment.Assignee is { } a)
        {
            var value = x.Expressions.Evaluate(a, scope);
            failure = value.Failure;
            assignee = value.Value is Feel.Values.FeelString s && s.Value.Length > 0 ? s.Value : null;
        }
        if (failure is null && definition?.Assignment.CandidateGroups is { } g)
        {
            var value = x.Expressions.StringList(g, scope);
            (groups, failure) = (value.Value ?? [], value.Failure);
        }
        if (failure is null && definition?.Assignment.CandidateUsers is { } u)
        {
            var value = x.Expressions.StringList(u, scope);
            (users, failure) = (value.Value ?? [], value.Failure);
        }
        if (failure is null && definition?.Schedule.DueDate is { } d)
        {
            var value = x.Expressions.DateTime(d, scope);
            (due, failure) = (value.Value, value.Failure);
        }
        if (failure is null && definition?.Schedule.FollowUpDate is { } f)
        {
            var value = x.Expressions.DateTime(f, scope);
            (followUp, failure) = (value.Value, value.Failure);
        }
        if (failure is null && due is null)
        {
            (due, failure) = InWorkingTime(x, instance.Row.TenantId, node, DueInProperty, scope);
        }
        if (failure is null && followUp is null)
        {
            (followUp, failure) = InWorkingTime(x, instance.Row.TenantId, node, FollowUpInProperty, scope);
        }
        if (failure is null && definition?.Priority is { } p)
        {
            var value = x.Expressions.Integer(p, scope);
            (priority, failure) = (Math.Clamp(value.Value, 0, 100), value.Failure);
        }
        if (failure is not null)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"userTask '{node.Id}': {failure}");
            return;
        }
        var form = definition?.Form;
        var formKey = form?.FormKey ?? (form?.FormId is { } id ? $"form:{id}" : form?.ExternalReference?.Text);
        var headers = new JsonObject();
        foreach (var (name, value) in node.TaskHeaders)
        {
            headers[name] = value;
        }
        var key = x.Keys.Next();
        x.Changes.NewUserTasks.Add(new UserTaskRow(key, instance.Key, element.Key, node.Id, node.Name, instance.Row.BpmnProcessId,
            instance.Row.ProcessDefinitionKey, assignee, groups, users, due, followUp, priority, formKey, headers, x.Now, Title(x, node, scope)));
        element.Data.UserTaskKey = key;
        element.IsDirty = true;
        x.History(instance, element, HistoryEvents.TaskCreated, new JsonObject
        {
            ["userTaskKey"] = key,
            ["assignee"] = assignee,
            ["candidateGroups"] = new JsonArray([.. groups.Select(v => (JsonNode?)v)]),
        });
    }
}

/// <summary>A FEEL script evaluated by the engine; its result lands in the result variable.</summary>
internal sealed class ScriptTaskBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableActivity)instance.ModelElement(element);
        var script = node.Script!;
        var result = x.Expressions.Json(script.Expression, VariableScope.For(instance, element.Key));
        if (!result.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, result.Failure!);
            return;
        }
        x.ApplyResultVariables(instance, element, new JsonObject { [script.ResultVariable] = result.Value });
        x.Complete(instance, element);
    }
}

/// <summary>
/// A business-rule task that calls a DMN decision (<c>zeebe:calledDecision</c>). The decision id is evaluated now;
/// the decision itself after the steps (it needs the database), see <see cref="EvaluateDecision"/>.
/// </summary>
internal sealed class BusinessRuleTaskBehavior : ElementBehavior
{
    public override void OnActivated(Execution x, InstanceState instance, ElementInstance element)
    {
        var node = (ExecutableActivity)instance.ModelElement(element);
        var decisionId = x.Expressions.String(node.CalledDecision!.DecisionId, VariableScope.For(instance, element.Key));
        if (!decisionId.Ok)
        {
            x.RaiseIncident(instance, element, IncidentTypes.ExtractValueError, $"businessRuleTask '{node.Id}': the decision id: {decisionId.Failure}");
            return;
        }
        x.FollowUps.Enqueue(new EvaluateDecision(instance.Key, element.Key, decisionId.Value, instance.VisibleVariables(element.Key)));
    }
}
