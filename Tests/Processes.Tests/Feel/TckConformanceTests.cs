using Processes.Tck;

namespace Processes.Tests.Feel;

/// <summary>
/// The acceptance gate: at least 99 % of the DMN TCK cases in ../shared/dmn-tck pass, every case run through the
/// engine's own DMN reader and evaluator, none skipped.
/// </summary>
[TestFixture]
public sealed class TckConformanceTests
{
    [Test]
    public void Dmn_tck_pass_rate_is_at_least_99_percent_with_every_case_run()
    {
        var folder = TckRunner.DefaultFolder(TestContext.CurrentContext.TestDirectory);
        if (folder is null || !Directory.Exists(folder))
        {
            Processes.Tests.Bpmn.BpmnSamples.Missing("dmn-tck");
        }
        var report = TckRunner.RunAll(folder!);
        report.Print(TestContext.Out);
        report.Skipped.ShouldBe(0);
        report.PassRate.ShouldBeGreaterThanOrEqualTo(99.0);
    }
}
