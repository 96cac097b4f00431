namespace Processes.Tests;

public sealed class SmokeTests
{
    [Test]
    public void Solution_builds() => true.ShouldBeTrue();
}
