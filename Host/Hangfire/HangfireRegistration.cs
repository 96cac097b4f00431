using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Processes.Engine.Cluster;
using Processes.Engine.Execution;
using Processes.Engine.Timers;
using Processes.Host.Identity;
using Processes.Host.Postgres;

namespace Processes.Host.Hangfire;

/// <summary>
/// Hangfire in the host (section <c>Processes:Hangfire</c>, off by default): storage on the host's database in its own
/// schema, a server named after the engine node, the timer handover, recurring maintenance, and the dashboard at
/// <see cref="DashboardPath"/> for operators and admins.
/// </summary>
internal static class HangfireRegistration
{
    public const string DashboardPath = "/operations/hangfire";

    public static IHostApplicationBuilder AddProcessesHangfire(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Processes:Hangfire");
        var options = section.Get<HangfireOptions>() ?? new HangfireOptions();
        if (!options.Enabled)
        {
            return builder;
        }
        var services = builder.Services;
        services.AddSingleton(options);
        var handover = section.GetSection("Handover").Get<TimerHandoverOptions>() ?? new TimerHandoverOptions();
        services.AddSingleton(handover);
        services.AddSingleton<HangfireStorage>();
        services.AddHangfire((sp, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseCaseLinks()
            .UseStorage(sp.GetRequiredService<HangfireStorage>()));
        services.AddHangfireServer((sp, server) =>
        {
            // Named after the engine node, so the dashboard's servers and the operations console's nodes match.
            server.ServerName = sp.GetRequiredService<IOptions<EngineNodeOptions>>().Value.NodeId;
            server.SchedulePollingInterval = options.SchedulePollingInterval;
            server.WorkerCount = options.WorkerCount;
        });
        services.AddSingleton<ITimerJobScheduler, HangfireTimerScheduler>();
        services.AddSingleton(sp => sp.GetRequiredService<Processes.Engine.EngineParts>().CreateTimerHandover(sp.GetRequiredService<ITimerJobScheduler>(), handover));
        services.AddHostedService<TimerHandoverService>();
        return builder;
    }

    /// <summary>
    /// The dashboard behind the operator policy (admins are in every policy), with the host's antiforgery; with Hangfire
    /// off, the same route answers 404 to whoever passes the policy.
    /// </summary>
    public static IEndpointRouteBuilder MapHangfireDashboard(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<HangfireStorage>() is not { } storage)
        {
            app.MapGet(DashboardPath + "/{**path}", () => Results.NotFound()).RequireAuthorization(Policies.Operator).ExcludeFromDescription();
            return app;
        }
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            DashboardTitle = "Processes · Hangfire",
            AppPath = Pages.DesignerPages.OperationsPath,
            Authorization = [new OperatorDashboardAuthorization()],
            AsyncAuthorization = [],
            // Timer jobs show the timer's readable name; their details page links the case (CaseLinkRenderer).
            DisplayNameFunc = null,
        }, storage).RequireAuthorization(Policies.Operator);
        return app;
    }
}

/// <summary>
/// Hangfire asks its own filters (the default admits local requests only): this one asks the host's authorization for
/// the operator policy, the same the endpoint requires, so the dashboard never answers on a route of its own making.
/// </summary>
internal sealed class OperatorDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
        return authorization.AuthorizeAsync(http.User, Policies.Operator).GetAwaiter().GetResult().Succeeded;
    }
}

/// <summary>
/// Runs the timer handover once the database is up, and registers the recurring maintenance jobs (AddOrUpdate: every
/// node registers the same ids, Hangfire keeps one of each).
/// </summary>
internal sealed partial class TimerHandoverService(ProcessesDatabase database, IServiceProvider services, HangfireOptions options,
    ILogger<TimerHandoverService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await database.WaitUntilReadyAsync(stoppingToken))
        {
            return;
        }
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<MaintenanceJobs>("retention-purge", job => job.PurgeFinishedInstancesAsync(CancellationToken.None), options.MaintenanceCron);
        recurring.AddOrUpdate<MaintenanceJobs>("message-buffer-cleanup", job => job.PurgeExpiredMessagesAsync(CancellationToken.None), "* * * * *");
        // Daily rather than monthly: a day the duty missed (every node down on the 1st) is caught up the next; a
        // month already stated is a no-op.
        recurring.AddOrUpdate<MaintenanceJobs>("settlement-statements", job => job.GenerateSettlementStatementsAsync(CancellationToken.None), "30 1 * * *");
        LogStarted(logger, options.SchemaName);
        await services.GetRequiredService<TimerHandover>().RunAsync(stoppingToken);
    }

    [LoggerMessage(LogLevel.Information, "Hangfire (schema {Schema}) drives the long timers; recurring maintenance registered")]
    private static partial void LogStarted(ILogger logger, string schema);
}
