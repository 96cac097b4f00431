namespace Processes.Tests.Hosting;

/// <summary>What every fault-suite run must show, whatever its fault (a restart, a failover): one place for both tests.</summary>
internal static class FaultSuiteAssertions
{
    public static void ShouldHaveLostNothingAndDoneNothingTwice(FaultReport report)
    {
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
