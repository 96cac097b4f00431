using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Engine.Timers;

namespace Processes.Engine.Cluster;

/// <summary>Settings of one node; <see cref="NodeId"/> is applied to the executor, the scheduler and the membership.</summary>
public sealed class EngineNodeOptions
{
    public string NodeId { get; set; } = NodeIds.New();

    public JobExecutorOptions Jobs { get; set; } = new();

    public TimerSchedulerOptions Timers { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>Run the job executor (and the batch runner) on this node.</summary>
    public bool RunJobs { get; set; } = true;

    /// <summary>Run the timer scheduler on this node (every node may; claims keep firings unique).</summary>
    public bool RunTimers { get; set; } = true;
}

/// <summary>
/// One host's share of the cluster's work: job executor, timer scheduler and membership under one node id (the
/// id dead-node reaping matches leases and claims by), and the host's one LISTEN connection, which carries every
/// channel the node's loops and the host's caches hear (<see cref="Subscribe"/>). <see cref="RunAsync"/> runs them
/// until cancelled, then shuts down in order: executor and scheduler hand back their work first, the node row and
/// the listener go last. A node that runs neither jobs nor timers still listens (the host's caches need it) but
/// does not join the membership. The Host wraps this in one BackgroundService.
/// </summary>
public sealed class EngineNode
{
    private readonly bool _runJobs;
    private readonly bool _runTimers;

    internal EngineNode(ProcessEngine engine, IEnumerable<IJobHandler> handlers, EngineNodeOptions options, ILoggerFactory? loggers = null)
    {
        options.Jobs.NodeId = options.Timers.NodeId = options.Cluster.NodeId = options.NodeId;
        NodeId = options.NodeId;
        _runJobs = options.RunJobs;
        _runTimers = options.RunTimers;
        Listener = new NodeListener(engine.DataSource, (ILogger?)loggers?.CreateLogger<NodeListener>() ?? NullLogger.Instance);
        Executor = new JobExecutor(engine, new JobHandlerRegistry(handlers), options.Jobs, loggers?.CreateLogger<JobExecutor>());
        Timers = new TimerScheduler(engine, options.Timers, loggers?.CreateLogger<TimerScheduler>());
        Membership = new ClusterMember(engine.DataSource, options.Cluster, () => (Executor.RunningJobs, options.Jobs.MaxConcurrency),
            loggers?.CreateLogger<ClusterMember>());
        Definitions = new DefinitionChangeListener(engine);
        Listener.Subscribe(Definitions);
        if (_runJobs && options.Jobs.ListenForNotifications)
        {
            Executor.ListenOn(Listener);
        }
        if (_runTimers && options.Timers.ListenForNotifications)
        {
            Timers.ListenOn(Listener);
        }
    }

    /// <summary>Makes this host forget deleted resources (parsed models and the like) when any host deletes one.</summary>
    internal DefinitionChangeListener Definitions { get; }

    /// <summary>The node's one LISTEN connection.</summary>
    internal NodeListener Listener { get; }

    public string NodeId { get; }

    internal JobExecutor Executor { get; }

    internal TimerScheduler Timers { get; }

    internal ClusterMember Membership { get; }

    /// <summary>Makes <paramref name="subscriber"/> hear its channel on the node's connection; before <see cref="RunAsync"/>.</summary>
    public void Subscribe(INotificationSubscriber subscriber) => Listener.Subscribe(subscriber);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var leave = new CancellationTokenSource();
        var listening = Listener.RunAsync(leave.Token);
        var membership = _runJobs || _runTimers ? Membership.RunAsync(leave.Token) : Task.CompletedTask;
        try
        {
            await Task.WhenAll(
                _runJobs ? Executor.RunAsync(cancellationToken) : Task.CompletedTask,
                _runTimers ? Timers.RunAsync(cancellationToken) : Task.CompletedTask,
                UntilCancelledAsync(cancellationToken));
        }
        finally
        {
            await leave.CancelAsync();
            await membership;
            await listening;
        }
    }

    private static async Task UntilCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
