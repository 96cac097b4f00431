using Microsoft.Extensions.Logging;
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

    /// <summary>Run the timer scheduler on this node (every node may; claims keep firings unique).</summary>
    public bool RunTimers { get; set; } = true;
}

/// <summary>
/// One host's share of the cluster's work: job executor, timer scheduler and membership under one node id (the
/// id dead-node reaping matches leases and claims by). <see cref="RunAsync"/> runs them until cancelled, then
/// shuts down in order: executor and scheduler hand back their work first, the node row goes last. The Host wraps
/// this in one BackgroundService.
/// </summary>
public sealed class EngineNode
{
    private readonly bool _runTimers;

    internal EngineNode(ProcessEngine engine, IEnumerable<IJobHandler> handlers, EngineNodeOptions options, ILoggerFactory? loggers = null)
    {
        options.Jobs.NodeId = options.Timers.NodeId = options.Cluster.NodeId = options.NodeId;
        NodeId = options.NodeId;
        _runTimers = options.RunTimers;
        Executor = new JobExecutor(engine, new JobHandlerRegistry(handlers), options.Jobs, loggers?.CreateLogger<JobExecutor>());
        Timers = new TimerScheduler(engine, options.Timers, loggers?.CreateLogger<TimerScheduler>());
        Membership = new ClusterMember(engine.DataSource, options.Cluster, () => (Executor.RunningJobs, options.Jobs.MaxConcurrency),
            loggers?.CreateLogger<ClusterMember>());
        Definitions = new DefinitionChangeListener(engine, loggers?.CreateLogger<DefinitionChangeListener>()
            ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<DefinitionChangeListener>.Instance);
    }

    /// <summary>Makes this host forget deleted resources (parsed models and the like) when any host deletes one.</summary>
    internal DefinitionChangeListener Definitions { get; }

    public string NodeId { get; }

    internal JobExecutor Executor { get; }

    internal TimerScheduler Timers { get; }

    internal ClusterMember Membership { get; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var leave = new CancellationTokenSource();
        var membership = Membership.RunAsync(leave.Token);
        var definitions = Definitions.RunAsync(leave.Token);
        try
        {
            await Task.WhenAll(Executor.RunAsync(cancellationToken), _runTimers ? Timers.RunAsync(cancellationToken) : Task.CompletedTask);
        }
        finally
        {
            await leave.CancelAsync();
            await membership;
            await definitions;
        }
    }
}
