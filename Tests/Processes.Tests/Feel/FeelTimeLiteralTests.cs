using static Processes.Tests.Feel.FeelTestHelpers;

namespace Processes.Tests.Feel;

/// <summary>Time literals as the DMN 1.5 specification's own examples write them.</summary>
[TestFixture]
public sealed class FeelTimeLiteralTests
{
    // The specification's example of adding a duration to a time: time("23:59:00z") + duration("PT2M") = time("00:01:00@Etc/UTC").
    [TestCase("time(\"23:59:00z\") + duration(\"PT2M\") = time(\"00:01:00@Etc/UTC\")", "true")]
    [TestCase("time(\"23:59:00z\") = time(\"23:59:00Z\")", "true")]
    [TestCase("date and time(\"2012-12-24T23:59:00z\") = date and time(\"2012-12-24T23:59:00Z\")", "true")]
    public void A_lower_case_z_is_utc_as_in_the_specification_examples(string expression, string expected) =>
        Show(expression).ShouldBe(expected);
}
