using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// The fixture of the admin API tests (API keys, connector secrets, tenants, case actions): one host over the test
/// database for the class, started before its tests and disposed after them. Each test makes its own users.
/// </summary>
public abstract class IdentityHostTest : DatabaseTest
{
    private protected IdentityHost Server { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartIdentityHost() => Server = IdentityHost.Start(ConnectionString);

    [OneTimeTearDown]
    public async Task StopIdentityHost() => await Server.DisposeAsync();
}
