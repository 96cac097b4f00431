using Processes.Tests.Identity;

namespace Processes.Tests.Api;

/// <summary>
/// Base of the search fixtures that read two <see cref="CamundaScenario"/>s (orders O-one and O-two) on the fixture's
/// host: made once, before the fixture's tests, so every filter has rows that do not match.
/// </summary>
public abstract class CamundaScenarioTest : AdminHostTest
{
    private protected CamundaScenario One { get; private set; } = null!;

    private protected CamundaScenario Two { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateScenarios()
    {
        One = await CamundaScenario.CreateAsync(Admin, "O-one");
        Two = await CamundaScenario.CreateAsync(Admin, "O-two");
    }
}
