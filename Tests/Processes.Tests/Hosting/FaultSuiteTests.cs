namespace Processes.Tests.Hosting;

/// <summary>
/// The short version of the fault suite (issue 21): three host processes on a PostgreSQL of their own, a mixed load
/// over HTTP for a minute, a host SIGKILLed and replaced every 15 s, PostgreSQL restarted half-way. Every instance
/// reaches its end once; no retried start makes a second instance; no effect, timer, message or task happens twice;
/// the service answers again after the restart. The long version is the benchmark tool's <c>fault</c> suite.
/// </summary>
[Parallelizable(ParallelScope.None)]
[Explicit("Three host processes for 3–5 minutes: run on demand. Its one run here failed before the load (hosts not ready within 120 s at load average ~100); the same code ran clean as the benchmark tool's `fault` suite.")]
public sealed class FaultSuiteTests
{
    [Test]
    public async Task Three_hosts_under_kills_and_a_database_restart_lose_nothing_and_do_nothing_twice()
    {
        var options = new FaultOptions(Duration: TimeSpan.FromSeconds(60), Hosts: 3, KillEvery: TimeSpan.FromSeconds(15));

        var report = await FaultSuite.RunAsync(options, TestContext.Out, CancellationToken.None);

        TestContext.Out.WriteLine(report.ToString());
        report.Kills.ShouldBeGreaterThanOrEqualTo(3);
        report.Instances.ShouldBeGreaterThan(50, report.ToString());
        report.NotAtEnd.ShouldBe(0, report.ToString());
        report.DuplicatesForRetriedStarts.ShouldBe(0, report.ToString());
        report.EffectsAppliedTwice.ShouldBe(0, report.ToString());
        report.TimersLost.ShouldBe(0, report.ToString());
        report.TimersFiredTwice.ShouldBe(0, report.ToString());
        report.MessagesCorrelatedTwice.ShouldBe(0, report.ToString());
        report.TasksCompletedTwice.ShouldBe(0, report.ToString());
        report.DatabaseRecovery.ShouldNotBeNull(report.ToString());
    }
}
