using Microsoft.Extensions.Options;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;
using Processes.Host.Postgres;

namespace Processes.Host.Engine;

/// <summary>
/// This host's share of the cluster's work (job executor for the in-process handlers, timer scheduler, membership) and
/// its one LISTEN connection, which every <see cref="INotificationSubscriber"/> of the host hears on; started once the
/// database is up and stopped gracefully with the host: running handlers finish or hand their leases back, so another
/// node picks their jobs up at once rather than after the lease expires.
/// </summary>
/// <remarks>The engine and handlers need the database, so they are resolved after it started, not injected.</remarks>
internal sealed partial class EngineNodeService(ProcessesDatabase database, IServiceProvider services, IOptions<EngineNodeOptions> options,
    ILogger<EngineNodeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await database.WaitUntilReadyAsync(stoppingToken))
        {
            return;
        }
        var node = services.GetRequiredService<Processes.Engine.EngineParts>().CreateNode(services.GetServices<IJobHandler>(), options.Value);
        foreach (var subscriber in services.GetServices<INotificationSubscriber>())
        {
            node.Subscribe(subscriber);
        }
        if (options.Value.RunJobs || options.Value.RunTimers)
        {
            LogStarted(logger, node.NodeId, string.Join(", ", services.GetServices<IJobHandler>().Select(h => h.Type)));
        }
        else
        {
            LogListening(logger, node.NodeId);
        }
        await node.RunAsync(stoppingToken);
    }

    [LoggerMessage(LogLevel.Information, "Engine node {NodeId} runs jobs of the types [{Types}] and timers")]
    private static partial void LogStarted(ILogger logger, string nodeId, string types);

    [LoggerMessage(LogLevel.Information, "Engine node {NodeId} runs no jobs or timers (Processes:Engine:Enabled is false); it only listens for other hosts' changes")]
    private static partial void LogListening(ILogger logger, string nodeId);
}
