using Processes.Engine.Bpmn.Executable;
using Processes.Engine.Bpmn.Validation;

namespace Processes.Tests.Bpmn;

public sealed class TimerSyntaxTests
{
    [TestCase("2026-01-01T00:00:00Z")]
    [TestCase("2026-01-01T10:00:00+01:00")]
    [TestCase("2026-01-01T10:00:00.123+01:00[Europe/Berlin]")]
    public void Valid_dates(string value) => TimerSyntax.Check(TimerKind.Date, value).ShouldBeNull();

    [TestCase("PT4H")]
    [TestCase("P1D")]
    [TestCase("P1Y2M3DT4H5M6.5S")]
    [TestCase("P2W")]
    public void Valid_durations(string value) => TimerSyntax.Check(TimerKind.Duration, value).ShouldBeNull();

    [TestCase("R5/PT10M")]
    [TestCase("R/P1D")]
    [TestCase("R3/2026-01-01T00:00:00Z/PT1H")]
    [TestCase("0 0 9 * * MON-FRI")]
    [TestCase("0 0/15 * ? * * 2026")]
    public void Valid_cycles(string value) => TimerSyntax.Check(TimerKind.Cycle, value).ShouldBeNull();

    // The kind is passed by name because TimerKind is internal and test methods are public.
    [TestCase("Date", "2026-13-01T00:00:00Z")]
    [TestCase("Date", "01/01/2026")]
    [TestCase("Duration", "P")]
    [TestCase("Duration", "PT4")]
    [TestCase("Cycle", "R5")]
    [TestCase("Cycle", "Rx/PT1M")]
    [TestCase("Cycle", "0 0 9 * *")]
    public void Invalid_values(string kind, string value) =>
        TimerSyntax.Check(Enum.Parse<TimerKind>(kind), value).ShouldNotBeNull();
}
