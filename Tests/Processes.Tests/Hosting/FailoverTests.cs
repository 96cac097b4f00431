namespace Processes.Tests.Hosting;

/// <summary>
/// Database failover (issue 21): a host process on a pg_auto_failover formation (monitor, primary, synchronous standby on
/// loopback) through a multi-host connection string with <c>Target Session Attributes=read-write</c>, Hangfire on. Under the
/// fault suite's mixed load (a service task calling an idempotent counter, a timer, a message, a user task; starts with and
/// without Idempotency-Key) the primary is SIGKILLed with its keeper half-way and the monitor promotes the standby. The
/// host keeps working without a restart: every instance reaches its end once, nothing is done twice, starts are answered
/// again once the standby takes writes, and the retries piled up in the window neither fill the promoted server's
/// connections nor keep the host from answering (they wait for their key without a connection; the host's pools are
/// bounded, and a command needs one connection). Skipped, saying so, where pg_auto_failover is not installed (<c>.ci/run</c> installs it).
/// </summary>
[Parallelizable(ParallelScope.None)]
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
