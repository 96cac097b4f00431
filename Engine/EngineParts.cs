using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Processes.Engine.Calendars;
using Processes.Engine.Cluster;
using Processes.Engine.Deployment;
using Processes.Engine.Dmn;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;
using Processes.Engine.Webhooks;

namespace Processes.Engine;

/// <summary>
/// The engine as a host composes it: one instance per data source. The command facade (<see cref="Engine"/>), the
/// deployment and definition stores and the operator views are built here over the engine's internal parts, so a
/// host wires the engine without reaching inside it (the engine grants no host its internals).
/// </summary>
public sealed class EngineParts
{
    private readonly ProcessEngine _engine;

    public EngineParts(NpgsqlDataSource dataSource, TimeProvider clock, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(clock);
        Loggers = loggers ?? NullLoggerFactory.Instance;
        Definitions = new ProcessDefinitions(dataSource);
        Decisions = new DecisionDefinitions(dataSource);
        _engine = new ProcessEngine(dataSource, Definitions, clock, Loggers.CreateLogger<ProcessEngine>(), Decisions);
        Deployments = new DeploymentService(dataSource, Definitions);
        Calendars = new CalendarStore(dataSource);
        JobQueries = new JobQueries(dataSource, clock);
        JobOperations = new JobOperations(_engine);
        var webhooks = new WebhookRegistry(Definitions);
        Webhooks = new WebhookReceiver(_engine, webhooks);
        // What the engine forgets of a deleted resource, the host's other caches forget too.
        _engine.DefinitionForgotten += (kind, key) =>
        {
            if (kind is "process" or "")
            {
                webhooks.Forget(kind == "" ? null : key);
            }
            if (kind is "drg" or "")
            {
                Deployments.ForgetDecisions(kind == "" ? null : key);
            }
        };
        Batches = new Batches.BatchOperations(_engine);
    }

    private ILoggerFactory Loggers { get; }

    /// <summary>How much variable data the engine takes from any caller; the host binds it from configuration.</summary>
    public VariableLimits VariableLimits => _engine.Limits;

    /// <summary>
    /// What form values the engine accepts beyond the forms' own rules (the host's catalogues): checked inside the command
    /// of a person's task completion and of a start (API, message, webhook, another process). Unset: not checked.
    /// </summary>
    public IFormValueCheck? FormValues
    {
        get => _engine.FormValues;
        set => _engine.FormValues = value;
    }

    /// <summary>The command facade.</summary>
    public IProcessEngine Engine => _engine;

    /// <summary>Deploys BPMN, DMN and form files (all or nothing per call).</summary>
    public DeploymentService Deployments { get; }

    /// <summary>Deployed processes and forms, as deployed.</summary>
    public ProcessDefinitions Definitions { get; }

    /// <summary>Deployed decisions, as deployed.</summary>
    public DecisionDefinitions Decisions { get; }

    /// <summary>The business calendars timers count working time in.</summary>
    public CalendarStore Calendars { get; }

    /// <summary>The operators' views of jobs, timers, throughput and nodes.</summary>
    public JobQueries JobQueries { get; }

    /// <summary>The operators' job and timer actions (retry, delete, fire now).</summary>
    public JobOperations JobOperations { get; }

    /// <summary>The inbound webhooks the deployed models declare, and what receives their calls.</summary>
    public WebhookReceiver Webhooks { get; }

    /// <summary>Camunda's batch operations over process instances; the engine nodes run their items.</summary>
    public Batches.BatchOperations Batches { get; }

    /// <summary>This host's share of the cluster's work: the job executor for <paramref name="handlers"/>, timers, membership.</summary>
    public EngineNode CreateNode(IEnumerable<IJobHandler> handlers, EngineNodeOptions options) => new(_engine, handlers, options, Loggers);

    /// <summary>Hands timers due later to an outside scheduler (Hangfire) and fires them when its jobs run.</summary>
    public TimerHandover CreateTimerHandover(ITimerJobScheduler scheduler, TimerHandoverOptions options) =>
        new(_engine, scheduler, options, Loggers.CreateLogger<TimerHandover>());
}
