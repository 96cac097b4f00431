using Microsoft.Extensions.Options;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;
using Processes.Host.Postgres;

namespace Processes.Host.Engine;

/// <summary>Where the shipped models are read from at start-up (Processes:Definitions).</summary>
public sealed class DefinitionsOptions
{
    /// <summary>Folder with .bpmn/.form/.dmn files; default: the Definitions folder copied next to the host.</summary>
    public string? Directory { get; set; }

    public bool DeployAtStartup { get; set; } = true;
}

/// <summary>
/// Deploys every file under Definitions/ when the host starts. Deploying is idempotent (unchanged content keeps its
/// version), so every host of a cluster may do it at every start. Then start events (message, signal, timer) are
/// pointed at the latest versions, which also repairs a deployment a crash interrupted before that step.
/// </summary>
internal sealed partial class DefinitionsDeployer(
    ProcessesDatabase database,
    DeploymentService deployments,
    ProcessEngine engine,
    IOptions<DefinitionsOptions> options,
    ILogger<DefinitionsDeployer> logger) : IHostedService
{
    private static readonly string[] Extensions = [".bpmn", ".form", ".dmn"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.CurrentStart is not { IsCompletedSuccessfully: true })
        {
            return; // the database is not reachable yet; the next start deploys
        }
        var directory = options.Value.Directory ?? Path.Combine(AppContext.BaseDirectory, "Definitions");
        if (options.Value.DeployAtStartup && System.IO.Directory.Exists(directory))
        {
            var files = System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var file in files)
            {
                var resource = new DeploymentResource(Path.GetRelativePath(directory, file).Replace('\\', '/'), await File.ReadAllBytesAsync(file, cancellationToken));
                var result = await deployments.DeployAsync([resource], cancellationToken);
                switch (result)
                {
                    case DeploymentResult.Deployed deployed:
                        foreach (var process in deployed.Processes.Where(p => !p.IsDuplicate))
                        {
                            LogDeployed(logger, process.BpmnProcessId, process.Version, resource.Name);
                        }
                        break;
                    case DeploymentResult.Rejected rejected:
                        // A broken shipped model must not keep the host down: the others still deploy and run.
                        LogRejected(logger, resource.Name, string.Join("; ", rejected.Errors));
                        break;
                }
            }
        }
        await engine.SyncStartEventsAsync(null, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Deployed {ProcessId} version {Version} from {Resource}")]
    private static partial void LogDeployed(ILogger logger, string processId, int version, string resource);

    [LoggerMessage(LogLevel.Error, "The shipped definition {Resource} was not deployed: {Problems}")]
    private static partial void LogRejected(ILogger logger, string resource, string problems);
}
