using Npgsql;
using Processes.Activities;
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
        services.AddSingleton(sp => new ProcessDefinitions(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new DeploymentService(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ProcessDefinitions>()));
        services.AddSingleton(sp => new Processes.Engine.Dmn.DecisionDefinitions(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new ProcessEngine(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ProcessDefinitions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ProcessEngine>>(), sp.GetRequiredService<Processes.Engine.Dmn.DecisionDefinitions>()));
        services.AddSingleton<IProcessEngine>(sp => sp.GetRequiredService<ProcessEngine>());
        services.AddProcessesQueries(builder.Configuration);
        services.AddSingleton(sp => new CalendarStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new Processes.Engine.Idempotency.IdempotencyStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.Configure<DefinitionsOptions>(builder.Configuration.GetSection("Processes:Definitions"));
        services.AddHostedService<DefinitionsDeployer>();
        services.Configure<Processes.Engine.Cluster.EngineNodeOptions>(builder.Configuration.GetSection("Processes:Engine"));
        services.AddSingleton(sp => new Processes.Engine.Jobs.JobQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Processes.Engine.Jobs.JobOperations(sp.GetRequiredService<ProcessEngine>()));
        services.Configure<RetentionOptions>(builder.Configuration.GetSection("Processes:Retention"));
        services.AddHostedService<RetentionService>();
        services.AddHostedService<Processes.Host.Inbox.SlaWarningService>();
        services.AddSingleton<Processes.Activities.Assignment.IUserDirectory>(sp => new Processes.Host.Identity.UserDirectory(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddProcessesActivities(builder.Configuration);
        if (builder.Configuration.GetValue("Processes:Engine:Enabled", true))
        {
            services.AddHostedService<EngineNodeService>();
        }
        return builder;
    }
}
