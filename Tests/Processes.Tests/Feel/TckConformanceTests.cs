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
            Assert.Ignore($"DMN TCK folder not found ({folder ?? "no Processes.sln above the test directory"}); nothing to check.");
        }
        var report = TckRunner.RunAll(folder!);
        report.Print(TestContext.Out);
        report.PassRate.ShouldBeGreaterThanOrEqualTo(95.0);
    }
}
