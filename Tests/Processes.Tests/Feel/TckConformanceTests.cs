using Processes.Tck;

namespace Processes.Tests.Feel;

/// <summary>The acceptance gate: at least 95 % of the DMN TCK cases in ../shared/dmn-tck pass.</summary>
[TestFixture]
public sealed class TckConformanceTests
{
    [Test]
    public void Dmn_tck_pass_rate_is_at_least_95_percent()
    {
        var folder = TckRunner.DefaultFolder(TestContext.CurrentContext.TestDirectory);
        if (folder is null || !Directory.Exists(folder))
        {
            Processes.Tests.Bpmn.BpmnSamples.Missing("dmn-tck");
        }
        var report = TckRunner.RunAll(folder!);
        report.Print(TestContext.Out);
        report.PassRate.ShouldBeGreaterThanOrEqualTo(95.0);
    }
}
