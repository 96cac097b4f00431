using System.Text.Json.Nodes;
using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Execution.Behaviors;
using Processes.Engine.Execution.State;

namespace Processes.Engine.Execution;

/// <summary>
/// The work of one command: the instances it loaded, the steps it runs and the changes it collects. Steps are
/// synchronous and in memory; whatever needs the database (another instance, a definition, buffered messages)
/// is queued as a follow-up the command processor runs before it commits. Nothing is written until then.
/// </summary>
internal sealed partial class Execution
{
    /// <summary>Steps one command may run without reaching a wait state; more means a loop in the model.</summary>
    public const int StepLimit = 20_000;

    private readonly Queue<Action> _steps = new();
    private int _stepCount;

    public Execution(KeyGenerator keys, Expressions expressions, CalendarCache calendars, DateTimeOffset now)
    {
        Keys = keys;
        Expressions = expressions;
        Calendars = calendars;
        Now = now;
    }

    public KeyGenerator Keys { get; }
    public CalendarCache Calendars { get; }
    public Expressions Expressions { get; }

    /// <summary>The command's one clock reading: every row it writes carries the same time.</summary>
    public DateTimeOffset Now { get; }

    public ChangeSet Changes { get; } = new();
    public Dictionary<long, InstanceState> Instances { get; } = [];
    public Queue<FollowUp> FollowUps { get; } = new();

    /// <summary>
    /// Ended instances whose message start keys this command already released. Kept for the whole command: a group of
    /// timers runs to its wait states once per timer, and an instance that ended at the first must not cost a round
    /// trip at each of the others (the opening burst spent 0.7 round trips per timer on it).
    /// </summary>
    public HashSet<long> StartKeysReleased { get; } = [];

    /// <summary>What one variable may hold; every value the command stores, the model's own included, is held to it.</summary>
    public VariableLimits Limits { get; init; } = new();

    public void Enqueue(Action step) => _steps.Enqueue(step);

    /// <summary>Runs queued steps until every token waits or has ended.</summary>
    public void Run()
    {
        while (_steps.TryDequeue(out var step))
        {
            if (++_stepCount > StepLimit)
            {
                _steps.Clear();
                throw new ExecutionLimitException(
                    $"The command ran more than {StepLimit} steps without reaching a wait state: the model probably loops without a task, timer or message in the loop.");
            }
            step();
        }
    }

    // ---- history and incidents -----------------------------------------------------------------------

    public void History(InstanceState instance, ElementInstance? element, string @event, JsonObject? details = null)
    {
        var modelElement = element is null ? null : instance.ModelElement(element);
        var type = element is { IsMultiInstanceBody: true } ? "multiInstanceBody" : modelElement?.ElementType;
        Changes.Record(new HistoryRow(instance.Key, element?.Key, element?.ElementId, type, @event, details, Now));
    }

    public void RaiseIncident(InstanceState instance, ElementInstance element, string type, string message, long? jobKey = null)
    {
        var key = Keys.Next();
        element.IncidentKey = key;
        element.IsDirty = true;
        instance.Row.HasIncident = true;
        instance.IsChanged = true;
        Changes.NewIncidents.Add(new IncidentRow(key, instance.Key, element.Key, element.ElementId, instance.Row.BpmnProcessId,
            instance.Row.ProcessDefinitionKey, type, message, jobKey, Now));
        History(instance, element, HistoryEvents.IncidentCreated, new JsonObject
        {
            ["incidentKey"] = key,
            ["errorType"] = type,
            ["errorMessage"] = message,
        });
    }

    // ---- variables -------------------------------------------------------------------------------------

    public void SetVariable(InstanceState instance, long scope, string name, JsonNode? value, bool local)
    {
        var text = value?.ToJsonString() ?? "null";
        if (Limits.CheckOne(name, text) is { } problem)
        {
            // An output mapping or a called child made a value PostgreSQL cannot take, or one past the limit: the
            // whole command is refused rather than failing at commit with a database error.
            _steps.Clear();
            throw new ExecutionLimitException(problem, isVariableLimit: true);
        }
        bool created;
        long target;
        if (local)
        {
            created = instance.SetLocal(scope, name, value);
            target = scope;
        }
        else
        {
            (target, created) = instance.SetPropagating(scope, name, value);
        }
        var element = target == instance.Key ? instance.Root : instance.Find(target);
        History(instance, element, created ? HistoryEvents.VariableCreated : HistoryEvents.VariableUpdated, new JsonObject
        {
            ["name"] = name,
            ["scopeKey"] = target,
            ["value"] = Abbreviate(value, text),
        });
    }

    /// <summary>
    /// Variables a job, message or called process hands to an element: local when the element has output
    /// mappings (they decide what leaves), otherwise propagated from the element's flow scope outwards.
    /// </summary>
    public void ApplyResultVariables(InstanceState instance, ElementInstance element, JsonObject? variables)
    {
        if (variables is null || variables.Count == 0)
        {
            return;
        }
        var node = instance.ModelElement(element) as ExecutableFlowNode;
        var hasOutputs = node is not null && !node.IoMapping.Outputs.IsEmpty;
        var outputCollection = OutputCollectionAbove(instance, element);
        foreach (var (name, value) in variables)
        {
            if (hasOutputs || element.IsProcess)
            {
                SetVariable(instance, element.Key, name, value, local: true);
            }
            else if (name != outputCollection)
            {
                SetVariable(instance, element.FlowScopeKey!.Value, name, value, local: false);
            }
        }
    }

    /// <summary>
    /// The output collection of the multi-instance body around an inner instance: the body alone writes it. A
    /// called child hands back every variable it was given, including a stale copy of the collection, which
    /// propagated onto the body's and wiped what the other items had collected.
    /// </summary>
    private static string? OutputCollectionAbove(InstanceState instance, ElementInstance element) =>
        IsMultiInstanceInner(instance, element) && instance.ModelElement(instance.Get(element.FlowScopeKey!.Value)) is ExecutableActivity { MultiInstance: { } definition }
            ? definition.OutputCollection
            : null;

    private static JsonNode? Abbreviate(JsonNode? value, string text)
    {
        return text is { Length: > 2_000 } ? JsonValue.Create($"{text[..2_000]}… ({text.Length} characters)") : value?.DeepClone();
    }

    public IElementBehavior BehaviorOf(InstanceState instance, ElementInstance element) =>
        element.IsMultiInstanceBody ? BehaviorTable.MultiInstanceBody : BehaviorTable.For(instance.ModelElement(element));
}

/// <summary>
/// The model loops without a wait state, or a variable is over the limits: the transaction's work is discarded and the
/// command refused (a job's result over the limits becomes the job's incident).
/// </summary>
internal sealed class ExecutionLimitException(string message, bool isVariableLimit = false) : Exception(message)
{
    public bool IsVariableLimit { get; } = isVariableLimit;
}
