using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Processes.Activities.Assignment;
using Processes.Activities.Catalogues;
using Processes.Activities.Http;
using Processes.Activities.Intake;
using Processes.Activities.Refunds;
using Processes.Activities.Settlement;
using Processes.Activities.Shared;
using Processes.Activities.Sms;
using Processes.Activities.Tasks;
using Processes.Activities.Verification;
using Processes.Engine.Execution;
using Processes.Engine.Jobs;

namespace Processes.Activities;

public static class ActivityRegistration
{
    /// <summary>
    /// The built-in job handlers (<c>sms</c>, <c>refund</c>, <c>assign</c>, <c>http</c>, <c>user-task-update</c>,
    /// <c>verification-code</c>, <c>settlement-credit</c>, <c>start-process</c>) as <see cref="IJobHandler"/> services, configured from <c>Processes:Activities</c>.
    /// Needs <see cref="NpgsqlDataSource"/> (for the activities' own tables), <see cref="IProcessEngine"/> (runtime state: the
    /// engine's command facade and stores) and <see cref="IUserDirectory"/> (the host's users) services.
    /// </summary>
    public static IServiceCollection AddProcessesActivities(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Processes:Activities");
        services.Configure<ActivitiesOptions>(section);
        // Activity URLs may carry credentials in their paths and queries: their clients log hosts, not URIs.
        services.AddHttpClient(HttpSmsProvider.ClientName).WithOriginOnlyLogs();
        services.AddHttpClient(RefundHandler.ClientName).WithOriginOnlyLogs();
        // Redirects could leave the allow-list: the http activity does not follow them.
        services.AddHttpClient(HttpHandler.ClientName).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false })
            .WithOriginOnlyLogs();
        services.AddSingleton(sp => new SmsTemplateStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new AgentStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new PositionStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new CatalogueStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new AssignmentStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new SmsSentStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new RefundStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new SettlementPool(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new SettlementStatements(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ISmsProvider>(sp =>
            string.Equals(sp.GetRequiredService<IOptions<ActivitiesOptions>>().Value.Sms.Provider, "http", StringComparison.OrdinalIgnoreCase)
                ? new HttpSmsProvider(sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<IOptions<ActivitiesOptions>>())
                : new OutboxSmsProvider(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new SmsDelivery(sp.GetRequiredService<SmsSentStore>(), sp.GetRequiredService<ISmsProvider>()));
        services.AddSingleton<IJobHandler>(sp => new SmsHandler(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<SmsTemplateStore>(),
            sp.GetRequiredService<SmsDelivery>()));
        services.AddSingleton<IJobHandler>(sp => new RefundHandler(sp.GetRequiredService<RefundStore>(), sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<ActivitiesOptions>>(), sp.GetRequiredService<PositionStore>()));
        services.AddSingleton<IJobHandler>(sp => new AssignmentHandler(sp.GetRequiredService<AssignmentStore>(), sp.GetRequiredService<IUserDirectory>(),
            sp.GetRequiredService<IOptions<ActivitiesOptions>>()));
        // Stored secrets need the host's Data Protection key ring; without one (a bare test container) only configuration resolves.
        services.AddSingleton(sp => new ConnectorSecrets(configuration.GetSection("Processes:Secrets"),
            sp.GetService<IDataProtectionProvider>() is { } protection ? new ConnectorSecretStore(sp.GetRequiredService<NpgsqlDataSource>(), protection) : null));
        services.AddSingleton<IJobHandler>(sp => new HttpHandler(sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<IOptions<ActivitiesOptions>>(),
            sp.GetRequiredService<ConnectorSecrets>()));
        services.AddSingleton<IJobHandler>(sp => new SettlementCreditHandler(sp.GetRequiredService<SettlementPool>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IJobHandler>(sp => new UserTaskUpdateHandler(sp.GetRequiredService<IProcessEngine>()));
        services.AddSingleton<IJobHandler>(sp => new CatalogueHandler(sp.GetRequiredService<CatalogueStore>()));
        services.AddSingleton<IJobHandler>(sp => new StartProcessHandler(sp.GetRequiredService<IProcessEngine>()));
        services.AddSingleton<IJobHandler>(new Location.PoiCheckHandler());
        services.AddSingleton<IJobHandler>(sp => new VerificationCodeHandler(sp.GetRequiredService<SmsTemplateStore>(), sp.GetRequiredService<SmsDelivery>(),
            sp.GetRequiredService<IOptions<ActivitiesOptions>>()));
        return services;
    }
}
