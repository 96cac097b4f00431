using Npgsql;
using Processes.Activities;
using Processes.Engine;
using Processes.Engine.Calendars;
using Processes.Engine.Deployment;
using Processes.Engine.Execution;

namespace Processes.Host.Engine;

/// <summary>The engine in the host: definitions, deployment, the process engine, and the shipped models deployed at start.</summary>
internal static class EngineRegistration
{
    public static IHostApplicationBuilder AddProcessesEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        // The engine composes its own parts; the host sees the facade and the stores it exposes, never its internals.
        services.AddSingleton(sp =>
        {
            var parts = new EngineParts(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>());
            // The API's limits (Processes:Limits) hold in the engine too, for what reaches it past the API (job results, embedded callers).
            builder.Configuration.GetSection(Processes.Host.Input.InputLimits.Section).Bind(parts.VariableLimits);
            // Catalogue fields accept their catalogue's values only, checked in the completion's and the start's command.
            parts.FormValues = new Processes.Host.Catalogues.CatalogueFormValues(sp.GetRequiredService<Processes.Activities.Catalogues.CatalogueStore>());
            return parts;
        });
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Engine);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Definitions);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Decisions);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Deployments);
        services.AddProcessesQueries(builder.Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Calendars);
        services.AddSingleton(sp => new Processes.Engine.Idempotency.IdempotencyStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<Processes.Host.Idempotency.KeyGate>();
        services.Configure<DefinitionsOptions>(builder.Configuration.GetSection("Processes:Definitions"));
        services.AddHostedService<DefinitionsDeployer>();
        services.Configure<Processes.Engine.Cluster.EngineNodeOptions>(builder.Configuration.GetSection("Processes:Engine"));
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().JobQueries);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().JobOperations);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Webhooks);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Batches);
        services.AddSingleton(sp => sp.GetRequiredService<EngineParts>().Batches.Queries);
        services.Configure<RetentionOptions>(builder.Configuration.GetSection("Processes:Retention"));
        services.AddHostedService<RetentionService>();
        services.AddHostedService<HistoryPartitionService>();
        services.AddHostedService<Processes.Host.Inbox.SlaWarningService>();
        services.AddSingleton<Processes.Activities.Assignment.IUserDirectory>(sp => new Processes.Host.Identity.UserDirectory(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddProcessesActivities(builder.Configuration);
        // Off, the node runs neither jobs nor timers but still holds the host's one LISTEN connection (caches need it).
        if (!builder.Configuration.GetValue("Processes:Engine:Enabled", true))
        {
            services.PostConfigure<Processes.Engine.Cluster.EngineNodeOptions>(options => options.RunJobs = options.RunTimers = false);
        }
        services.AddHostedService<EngineNodeService>();
        return builder;
    }
}
