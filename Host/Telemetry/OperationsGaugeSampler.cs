using Processes.Engine.Telemetry;
using Processes.Host.Postgres;

namespace Processes.Host.Telemetry;

/// <summary>Every 15 s, counts what the engine's gauges show (open incidents, due jobs and timers, overdue tasks).</summary>
/// <remarks>The gauges need the database, so they are resolved after it started, not injected.</remarks>
internal sealed class OperationsGaugeSampler(ProcessesDatabase database, IServiceProvider services) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureReadyAsync().WaitAsync(stoppingToken);
                await services.GetRequiredService<OperationsGauges>().SampleAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (Processes.Engine.Storage.ConnectionFaults.IsBroken(e))
            {
                // The database is away; the gauges keep their last values until it is back.
            }
            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
