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
/// <remarks>
/// The deployment services need the database; they are resolved only once it is up (the host starts, live but not
/// ready, while a configured server is unreachable), hence the service provider instead of constructor injection.
/// </remarks>
internal sealed partial class DefinitionsDeployer(
    ProcessesDatabase database,
    IServiceProvider services,
    IOptions<DefinitionsOptions> options,
    ILogger<DefinitionsDeployer> logger) : IHostedService
{
    private static readonly string[] Extensions = [".bpmn", ".form", ".dmn"];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _deferred;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.IsReady)
        {
            await DeployAsync(cancellationToken);
            return;
        }
        // The database is not reachable yet: deploy as soon as it is.
        _deferred = Task.Run(async () =>
        {
            try
            {
                if (await database.WaitUntilReadyAsync(_stopping.Token))
                {
                    await DeployAsync(_stopping.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The host stopped mid-deployment; each file deploys all or nothing, the next start does the rest.
            }
        });
    }

    private const string OptionalFolder = "optional";

    private async Task DeployAsync(CancellationToken cancellationToken)
    {
        var deployments = services.GetRequiredService<DeploymentService>();
        var engine = services.GetRequiredService<IProcessEngine>();
        var directory = options.Value.Directory ?? Path.Combine(AppContext.BaseDirectory, "Definitions");
        IReadOnlyList<string> tenants = [];
        if (options.Value.DeployAtStartup && System.IO.Directory.Exists(directory))
        {
            var files = System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                // Definitions/optional/ holds models an operator deploys by hand once their endpoints exist (a poller
                // started without its ERP would raise an incident on every tick).
                .Where(f => !Path.GetRelativePath(directory, f).Replace('\\', '/').StartsWith(OptionalFolder + "/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
            tenants = await Processes.Host.Tenants.DefinitionTenants.ResolveAsync(services, logger, cancellationToken);
            foreach (var (file, tenant) in files.SelectMany(f => tenants.Select(t => (f, t))))
            {
                var resource = new DeploymentResource(Path.GetRelativePath(directory, file).Replace('\\', '/'), await File.ReadAllBytesAsync(file, cancellationToken));
                var result = await deployments.DeployAsync([resource], cancellationToken, tenant);
                switch (result)
                {
                    case DeploymentResult.Deployed deployed:
                        foreach (var process in deployed.Processes.Where(p => !p.IsDuplicate))
                        {
                            LogDeployed(logger, process.BpmnProcessId, process.Version, resource.Name);
                        }
                        foreach (var decision in deployed.Decisions.Where(d => !d.IsDuplicate))
                        {
                            LogDeployedDecision(logger, decision.DecisionId, decision.Version, resource.Name);
                        }
                        break;
                    case DeploymentResult.Rejected rejected:
                        // A broken shipped model must not keep the host down: the others still deploy and run.
                        LogRejected(logger, resource.Name, string.Join("; ", rejected.Errors));
                        break;
                }
            }
        }
        // The shipped calendars and texts go wherever the shipped models went: the models count and send in their own tenant.
        foreach (var tenant in tenants)
        {
            await SeedCalendarsAsync(directory, tenant, cancellationToken);
            await SeedSmsTemplatesAsync(directory, tenant, cancellationToken);
            await SeedCataloguesAsync(directory, tenant, cancellationToken);
        }
        if (options.Value.DeployAtStartup && System.IO.Directory.Exists(directory))
        {
            await services.GetRequiredService<Processes.Host.Identity.ShippedGroups>().SeedAsync(directory, cancellationToken);
        }
        await engine.SyncStartEventsAsync(null, cancellationToken);
    }

    /// <summary>
    /// <c>*.calendar.json</c> files create the business calendars the shipped models count working time in — only
    /// when the calendar does not exist yet in <paramref name="tenant"/>, so an admin's edits are never overwritten by a restart.
    /// </summary>
    private async Task SeedCalendarsAsync(string directory, string tenant, CancellationToken cancellationToken)
    {
        if (!options.Value.DeployAtStartup || !System.IO.Directory.Exists(directory))
        {
            return;
        }
        var store = services.GetRequiredService<Processes.Engine.Calendars.CalendarStore>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.calendar.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var read = Processes.Engine.Calendars.CalendarJson.Read(await File.ReadAllTextAsync(file, cancellationToken));
            if (read.Definition is null)
            {
                LogRejected(logger, Path.GetFileName(file), string.Join("; ", read.Problems.Select(p => $"{p.Field}: {p.Message}")));
                continue;
            }
            if (await store.GetAsync(tenant, read.Definition.Name, cancellationToken) is null)
            {
                // A concurrent host may win the create; its conflict answer is fine here.
                await store.SaveAsync(tenant, read.Definition, null, cancellationToken);
            }
        }
    }

    /// <summary>
    /// <c>*.sms-template.json</c> files (<c>{"id", "text", "parameters", "description"}</c>) create the SMS texts the
    /// shipped models send, when missing: a designer's edits through /api/sms-templates are kept across restarts.
    /// </summary>
    private async Task SeedSmsTemplatesAsync(string directory, string tenant, CancellationToken cancellationToken)
    {
        if (!options.Value.DeployAtStartup || !System.IO.Directory.Exists(directory))
        {
            return;
        }
        var store = services.GetRequiredService<Processes.Activities.Sms.SmsTemplateStore>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.sms-template.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Processes.Activities.Sms.SmsTemplate? template;
            try
            {
                template = System.Text.Json.JsonSerializer.Deserialize<Processes.Activities.Sms.SmsTemplate>(
                    await File.ReadAllTextAsync(file, cancellationToken), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
            }
            catch (System.Text.Json.JsonException e)
            {
                LogRejected(logger, Path.GetFileName(file), e.Message);
                continue;
            }
            if (template is null || await store.FindAsync(tenant, template.Id, cancellationToken) is not null)
            {
                continue;
            }
            var saved = await store.SaveAsync(template with { TenantId = tenant }, cancellationToken);
            if (!saved.Saved)
            {
                LogRejected(logger, Path.GetFileName(file), string.Join("; ", saved.Problems));
            }
        }
    }

    /// <summary>
    /// <c>*.catalogue.json</c> files (<c>{"name", "title", "parent", "entries": [{value, label, parent}]}</c>) create the
    /// catalogues the shipped forms offer, when missing: an admin's versions are kept across restarts. Parents sort first
    /// by file name (a child's parent must exist to be checked).
    /// </summary>
    private async Task SeedCataloguesAsync(string directory, string tenant, CancellationToken cancellationToken)
    {
        if (!options.Value.DeployAtStartup || !System.IO.Directory.Exists(directory))
        {
            return;
        }
        var store = services.GetRequiredService<Processes.Activities.Catalogues.CatalogueStore>();
        var files = System.IO.Directory.EnumerateFiles(directory, "*.catalogue.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var read = new List<(string File, Processes.Activities.Catalogues.Catalogue Catalogue)>();
        foreach (var file in files)
        {
            try
            {
                if (System.Text.Json.JsonSerializer.Deserialize<Processes.Activities.Catalogues.Catalogue>(await File.ReadAllTextAsync(file, cancellationToken),
                    new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)) is { } catalogue)
                {
                    read.Add((file, catalogue with { TenantId = tenant }));
                }
            }
            catch (System.Text.Json.JsonException e)
            {
                LogRejected(logger, Path.GetFileName(file), e.Message);
            }
        }
        foreach (var (file, catalogue) in read.OrderBy(r => r.Catalogue.Parent is null ? 0 : 1))
        {
            if (await store.FindAsync(tenant, catalogue.Name, null, cancellationToken) is not null)
            {
                continue;
            }
            var parent = catalogue.Parent is null ? null : await store.FindAsync(tenant, catalogue.Parent, null, cancellationToken);
            var problems = Processes.Activities.Catalogues.CatalogueRules.Check(catalogue, parent);
            if (problems.Count > 0)
            {
                LogRejected(logger, Path.GetFileName(file), string.Join("; ", problems.Select(p => $"{p.Key}: {string.Join(" ", p.Value)}")));
                continue;
            }
            // Expected version 0: a concurrent host that seeded first wins, and this one keeps its answer.
            await store.SaveAsync(catalogue, Processes.Host.Audit.AuditEntry.System, 0, cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_deferred is not null)
        {
            await _deferred;
        }
    }

    [LoggerMessage(LogLevel.Information, "Deployed {ProcessId} version {Version} from {Resource}")]
    private static partial void LogDeployed(ILogger logger, string processId, int version, string resource);

    [LoggerMessage(LogLevel.Information, "Deployed decision {DecisionId} version {Version} from {Resource}")]
    private static partial void LogDeployedDecision(ILogger logger, string decisionId, int version, string resource);

    [LoggerMessage(LogLevel.Error, "The shipped definition {Resource} was not deployed: {Problems}")]
    private static partial void LogRejected(ILogger logger, string resource, string problems);
}
