namespace Processes.Tests.Hosting;

/// <summary>
/// Database failover (issue 21): a host process on a pg_auto_failover formation (monitor, primary, synchronous standby on
/// loopback) through a multi-host connection string with <c>Target Session Attributes=read-write</c>, Hangfire on. Under the
/// fault suite's mixed load (a service task calling an idempotent counter, a timer, a message, a user task; starts with and
/// without Idempotency-Key) the primary is SIGKILLed with its keeper half-way and the monitor promotes the standby. The
/// host keeps working without a restart: every instance reaches its end once, nothing is done twice, starts are answered
/// again once the standby takes writes, and the retries piled up in the window neither fill the promoted server's
/// connections nor keep the host from answering (they wait for their key without a connection; the host's pools are
/// bounded). Skipped, saying so, where pg_auto_failover is not installed (CI does not install it while this test is explicit).
/// </summary>
[Parallelizable(ParallelScope.None)]
[Explicit("Not green yet (2026-12-07 20:49-21:00 UTC, cfd6ab7, load ~100-130): the retries no longer fill the promoted server (the verification connects; 0 duplicates, 0 effects twice), but with the engine pool at 30 no start was answered within 2 min of the promotion: commands hold their connection while their look-ups wait for a second one. See the README, 'Past one machine'.")]
public sealed class FailoverTests
{
    [Test]
    public async Task A_host_on_a_failover_pair_keeps_working_when_the_primary_is_killed_and_the_standby_promoted()
    {
        if (FailoverPair.Unavailable() is { } reason)
        {
            Assert.Ignore(reason);
        }
        var options = new FaultOptions(Duration: TimeSpan.FromSeconds(30), Hosts: 1, KillEvery: TimeSpan.FromHours(1))
        {
            Failover = true,
            StartsPerSecond = 3,
            HangGuard = TimeSpan.FromSeconds(90),
        };

        var report = await FaultSuite.RunAsync(options, TestContext.Out, CancellationToken.None);

        TestContext.Out.WriteLine(report.ToString());
        report.Fault.ShouldContain("pg_auto_failover");
        report.Kills.ShouldBe(0, "the host itself is never killed: it rides the failover out");
        report.Instances.ShouldBeGreaterThan(30, report.ToString());
        FaultSuiteAssertions.ShouldHaveLostNothingAndDoneNothingTwice(report);
    }
}
