using Npgsql;
using Processes.Engine.Queries;
using Processes.Engine.Visibility;

namespace Processes.Host.Engine;

/// <summary>
/// The read side in the host: the engine's read models and the masking of sensitive variables.
/// <c>Processes:Visibility:MaskedVariables</c> lists the sensitive names (default: customer phone numbers);
/// <c>Processes:Visibility:UnmaskedRoles</c> the roles that see them (default agent, supervisor, operator, admin —
/// so finance reviewers see them masked).
/// </summary>
internal static class QueryRegistration
{
    public static IServiceCollection AddProcessesQueries(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Processes:Visibility");
        var names = section.GetSection("MaskedVariables").Get<string[]>() ?? [.. VariableMasking.DefaultNames];
        var unmasked = section.GetSection("UnmaskedRoles").Get<string[]>()?.Select(r => Enum.Parse<CallerRole>(r, ignoreCase: true)).ToArray();
        services.AddSingleton(new VariableMasking(names, unmasked));
        services.AddSingleton(sp => new UserTaskQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<VariableMasking>()));
        services.AddSingleton(sp => new InstanceQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<VariableMasking>()));
        services.AddSingleton(sp => new CaseQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<InstanceQueries>(),
            sp.GetRequiredService<VariableMasking>()));
        services.AddSingleton(sp => new CaseActionQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<CaseQueries>(),
            sp.GetRequiredService<Processes.Engine.Deployment.ProcessDefinitions>()));
        services.AddSingleton(sp => new CaseTitles(sp.GetRequiredService<Processes.Engine.Deployment.ProcessDefinitions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SlaClockQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new StartQueries(sp.GetRequiredService<Processes.Engine.Deployment.ProcessDefinitions>()));
        services.AddSingleton(sp => new Processes.Engine.Comments.TaskComments(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new DefinitionQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new VariableQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<VariableMasking>()));
        services.AddSingleton(sp => new ElementInstanceHistoryQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new JobSearchQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new MessageSubscriptionQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new CorrelatedSubscriptionQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new DecisionInstanceQueries(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<VariableMasking>()));
        services.AddSingleton(sp => new UsageMetricsQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new DesignerModelQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new TaskEventQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new VersionQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new Processes.Engine.Deployment.VersionSuspension(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }
}
