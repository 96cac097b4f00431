using System.Text.Json.Nodes;

namespace Processes.Engine.Jobs;

/// <summary>
/// Runs the jobs of one type inside the server. A job may run more than once (a node dying mid-job leaves the
/// lease to expire and another node runs it again): use <see cref="JobContext.Key"/> as the idempotency key for
/// anything the handler does outside the database.
/// </summary>
public interface IJobHandler
{
    /// <summary>The job type (<c>zeebe:taskDefinition type</c>) this handler runs.</summary>
    string Type { get; }

    /// <summary>Does the work and reports how it went. A thrown exception counts as a retryable failure.</summary>
    Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>What a handler sees of its job.</summary>
public sealed record JobContext(
    long Key,
    string Type,
    int Retries,
    long ProcessInstanceKey,
    long ElementInstanceKey,
    string ElementId,
    string BpmnProcessId,
    JsonObject CustomHeaders,
    JsonObject Variables,
    DateTimeOffset Deadline)
{
    /// <summary>The tenant of the job's instance: the handler resolves its own settings (templates, agents) within it.</summary>
    public string TenantId { get; init; } = Visibility.TenantIds.Default;
}

/// <summary>How a job ended: completed with variables, failed (maybe retryable), or a BPMN error for a catch event.</summary>
public abstract record JobOutcome
{
    private JobOutcome()
    {
    }

    public static JobOutcome Complete(JsonObject? variables = null) => new Completed(variables);

    /// <summary>
    /// A failure. Retryable: retries go down by one and the job is due again after the back-off (the executor's
    /// exponential policy unless <paramref name="backOff"/> is given); at zero retries, or not retryable, an incident.
    /// </summary>
    public static JobOutcome Fail(string message, bool retryable = true, TimeSpan? backOff = null) => new Failed(message, retryable, backOff);

    public static JobOutcome BpmnError(string code, string? message = null, JsonObject? variables = null) => new ErrorThrown(code, message, variables);

    public sealed record Completed(JsonObject? Variables) : JobOutcome;

    public sealed record Failed(string Message, bool Retryable, TimeSpan? BackOff) : JobOutcome;

    public sealed record ErrorThrown(string Code, string? Message, JsonObject? Variables) : JobOutcome;
}

/// <summary>Handlers by job type; the executor polls for exactly these types.</summary>
internal sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, IJobHandler> _handlers = new(StringComparer.Ordinal);

    public JobHandlerRegistry(IEnumerable<IJobHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Type, handler))
            {
                throw new ArgumentException($"Two job handlers claim the type '{handler.Type}'.", nameof(handlers));
            }
        }
    }

    public IReadOnlyCollection<string> Types => _handlers.Keys;

    public IJobHandler? Find(string type) => _handlers.GetValueOrDefault(type);
}

/// <summary>A handler from a delegate, for small handlers and tests.</summary>
internal sealed class DelegateJobHandler(string type, Func<JobContext, CancellationToken, Task<JobOutcome>> handle) : IJobHandler
{
    public string Type => type;

    public Task<JobOutcome> HandleAsync(JobContext job, CancellationToken cancellationToken) => handle(job, cancellationToken);
}
