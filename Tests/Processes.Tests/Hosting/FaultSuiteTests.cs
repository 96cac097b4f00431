namespace Processes.Tests.Hosting;

/// <summary>
/// The short version of the fault suite (issue 21), sized for a loaded 2-core machine: two host processes on a
/// PostgreSQL of their own, started one after the other (readiness polled, a generous hang guard), a mixed load over
/// HTTP for 40 s, a host SIGKILLed and replaced every 12 s (a replacement gets requests once it answers ready),
/// PostgreSQL restarted half-way. Every instance reaches its end once; no retried start makes a second instance; no
/// effect, timer, message or task happens twice; the service answers again after the restart. The long version (three
/// hosts, minutes) is the benchmark tool's <c>fault</c> suite.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class FaultSuiteTests
{
    [Test]
    public async Task Hosts_under_kills_and_a_database_restart_lose_nothing_and_do_nothing_twice()
    {
        var options = new FaultOptions(Duration: TimeSpan.FromSeconds(40), Hosts: 2, KillEvery: TimeSpan.FromSeconds(12)) { StartsPerSecond = 2 };

        var report = await FaultSuite.RunAsync(options, TestContext.Out, CancellationToken.None);

        TestContext.Out.WriteLine(report.ToString());
        report.Kills.ShouldBeGreaterThanOrEqualTo(1); // a kill waits for every host to answer ready: fewer kills on a loaded machine
        report.Instances.ShouldBeGreaterThan(20, report.ToString());
        FaultSuiteAssertions.ShouldHaveLostNothingAndDoneNothingTwice(report);
    }
}
