using Processes.Tests.Storage;

namespace Processes.Tests.Hosting;

/// <summary>
/// The short version of the kill -9 soak (issue 21): two host processes on one database, instances started while
/// the hosts are SIGKILLed one after the other and replaced; nothing is lost, no business key starts twice, no job
/// completes twice, every timer fires once. The long version is the benchmark tool's <c>soak</c> suite.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class KillSoakTests : DatabaseTest
{
    [Test]
    public async Task Hosts_killed_under_load_lose_nothing_and_do_nothing_twice()
    {
        var options = new SoakOptions(ConnectionString, Instances: 40, Hosts: 2, KillEvery: TimeSpan.FromSeconds(2), MinKills: 3,
            HangGuard: TimeSpan.FromSeconds(120));

        var report = await KillSoak.RunAsync(options, TestContext.Out, CancellationToken.None);

        TestContext.Out.WriteLine(report.ToString());
        report.Kills.ShouldBeGreaterThanOrEqualTo(3);
        report.Completed.ShouldBe(options.Instances, report.ToString());
        report.LostInstances.ShouldBe(0, report.ToString());
        report.DuplicateStarts.ShouldBe(0, report.ToString());
        report.JobsCompletedTwice.ShouldBe(0, report.ToString());
        report.TimersLost.ShouldBe(0, report.ToString());
        report.TimersFiredTwice.ShouldBe(0, report.ToString());
    }
}
