using Processes.Tests.Storage;

namespace Processes.Tests.Identity;

/// <summary>
/// The fixture of the API tests that share one host for the class (API keys, connector secrets, tenants, case actions,
/// searches, documents, the inbox): the host over the fixture's database (with <see cref="HostSettings"/>), started
/// before its tests and disposed after them, its errors written after each test. Each test makes its own users.
/// </summary>
public abstract class IdentityHostTest : DatabaseTest
{
    private protected IdentityHost Server { get; private set; } = null!;

    protected LogCapture Logs { get; } = new();

    /// <summary>Settings of the fixture's host (configuration keys with ':'); none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string>? HostSettings => null;

    [OneTimeSetUp]
    public void StartIdentityHost() => Server = IdentityHost.Start(ConnectionString, logs: Logs, settings: HostSettings);

    [TearDown]
    public void ShowHostErrors() => Logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopIdentityHost() => await Server.DisposeAsync();
}

/// <summary>
/// An <see cref="IdentityHostTest"/> whose tests work as the bootstrap admin (<see cref="Admin"/>, by API key), made
/// before the derived fixture's own one-time set-up (NUnit runs a base class's first), which may deploy with it.
/// </summary>
public abstract class AdminHostTest : IdentityHostTest
{
    private protected HttpClient Admin { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task SignInAdmin() => Admin = await Server.AdminAsync();

    /// <summary>Deploys <paramref name="model"/> as <paramref name="file"/> and starts one instance of it as the admin; its key.</summary>
    private protected async Task<string> DeployAndStartAsync(string file, string model, string processId)
    {
        (await IdentityHost.DeployAsync(Admin, file, model)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        return (await IdentityHost.PostAsync(Admin, "/v2/process-instances", new { processDefinitionId = processId }))
            .GetProperty("processInstanceKey").GetString()!;
    }
}
