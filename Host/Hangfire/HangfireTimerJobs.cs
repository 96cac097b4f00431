using System.ComponentModel;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Options;
using Processes.Engine.Execution;
using Processes.Engine.Timers;
using Processes.Host.Engine;

namespace Processes.Host.Hangfire;

/// <summary>Hands timers to Hangfire as scheduled jobs, named for the dashboard.</summary>
internal sealed class HangfireTimerScheduler(IBackgroundJobClient client) : ITimerJobScheduler
{
    public string Schedule(TimerJob timer) =>
        client.Schedule<TimerFiringJob>(job => job.FireAsync(timer.TimerKey, timer.DisplayName, timer.DueAtTicks, CancellationToken.None), timer.DueAt);

    // Only a job still waiting: a running or finished one is left alone (it finds its timer gone and does nothing).
    public void Delete(string jobId) => client.ChangeState(jobId, new DeletedState(), ScheduledState.StateName);
}

/// <summary>The Hangfire job of a handed-over timer; its name in the dashboard is the timer's readable name.</summary>
/// <remarks>Public, as Hangfire invokes it; the engine's firing is resolved from the host's services.</remarks>
public sealed class TimerFiringJob(IServiceProvider services)
{
    /// <summary>Fires the timer through the engine's idempotent command ("Enqueue now" in the dashboard fires it now).</summary>
    [DisplayName("{1}")]
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task FireAsync(long timerKey, string displayName, long dueAtTicks, CancellationToken cancellationToken) =>
        services.GetRequiredService<TimerHandover>().FireAsync(new TimerJob(timerKey, dueAtTicks, displayName), cancellationToken);
}

/// <summary>Recurring maintenance run by Hangfire, visible and triggerable in the dashboard.</summary>
public sealed class MaintenanceJobs(IServiceProvider services)
{
    /// <summary>Finished instances and batch operations past their retention periods (when configured).</summary>
    [DisplayName("Retention: purge finished instances and batch operations")]
    public async Task PurgeFinishedInstancesAsync(CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<RetentionOptions>>().Value;
        if (options.PurgesAnything)
        {
            await options.PurgeAsync(services.GetRequiredService<IProcessEngine>().Retention, services.GetRequiredService<TimeProvider>().GetUtcNow(),
                cancellationToken);
        }
    }

    /// <summary>The settlement pools' statements of the month before, in every tenant: once per network and month.</summary>
    [DisplayName("Settlement: monthly statements")]
    public Task GenerateSettlementStatementsAsync(CancellationToken cancellationToken)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        return services.GetRequiredService<Processes.Activities.Settlement.SettlementStatements>()
            .GenerateAsync(null, Processes.Activities.Settlement.SettlementStatements.PreviousMonth(now), "system:settlement-statements", now, null, cancellationToken);
    }

    /// <summary>Buffered messages past their time to live.</summary>
    [DisplayName("Message buffer: delete expired messages")]
    public Task PurgeExpiredMessagesAsync(CancellationToken cancellationToken)
    {
        var engine = services.GetRequiredService<IProcessEngine>();
        return engine.Retention.PurgeExpiredMessagesAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
    }
}
