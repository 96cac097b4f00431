using Processes.Engine.Jobs.Background;

namespace Processes.Tests.Jobs;

/// <summary>
/// Issue 13: the executor's duties run as separate background processes, so one that keeps failing neither stops
/// nor delays another, handles its own failures, and all of them stop with the token.
/// </summary>
public sealed class BackgroundProcessServerTests
{
    private sealed class Counting(bool fails) : IBackgroundProcess
    {
        public int Rounds;
        public int Failures;

        public Task<TimeSpan> ExecuteAsync(CancellationToken stop)
        {
            Interlocked.Increment(ref Rounds);
            return fails ? throw new InvalidOperationException("the table is locked") : Task.FromResult(TimeSpan.FromMilliseconds(10));
        }

        public TimeSpan OnFailure(Exception exception)
        {
            Interlocked.Increment(ref Failures);
            return TimeSpan.FromMilliseconds(10);
        }
    }

    [Test]
    public async Task A_failing_process_keeps_its_failures_to_itself_and_every_process_stops_with_the_token()
    {
        var failing = new Counting(fails: true);
        var healthy = new Counting(fails: false);
        using var stop = new CancellationTokenSource();
        var server = new BackgroundProcessServer();
        server.Start(failing, stop.Token);
        server.Start(healthy, stop.Token);

        await server.FirstRound(failing).WaitAsync(TimeSpan.FromSeconds(60));
        await server.FirstRound(healthy).WaitAsync(TimeSpan.FromSeconds(60));
        var hangGuard = System.Diagnostics.Stopwatch.StartNew();
        while ((Volatile.Read(ref failing.Failures) < 3 || Volatile.Read(ref healthy.Rounds) < 3) && hangGuard.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20);
        }
        failing.Failures.ShouldBeGreaterThanOrEqualTo(3, "a failed round is retried after the process's own pause");
        healthy.Rounds.ShouldBeGreaterThanOrEqualTo(3, "the other process goes on regardless");

        await stop.CancelAsync();
        // WhenStopped completes only once every process's loop has returned, so it alone shows that no round can follow
        // (a sleep and a second count would show nothing more).
        await server.WhenStopped.WaitAsync(TimeSpan.FromSeconds(60));
        server.WhenStopped.IsCompletedSuccessfully.ShouldBeTrue("stopped means every loop returned");
    }
}
