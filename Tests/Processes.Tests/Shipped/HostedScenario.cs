using Processes.Tests.Activities;
using Processes.Tests.Identity;
using Processes.Tests.Storage;

namespace Processes.Tests.Shipped;

/// <summary>
/// Base of the end-to-end scenarios of the shipped models: one real host per fixture (<see cref="Host"/>, started by
/// the fixture with the settings its loopback servers need), the host's logged errors after each test, and the host
/// and its loopback <see cref="FakeServer"/>s stopped at the end.
/// </summary>
public abstract class HostedScenario : DatabaseTest
{
    private readonly List<FakeServer> _servers = [];

    private protected LogCapture Logs { get; } = new();

    private protected IdentityHost Host { get; set; } = null!;

    /// <summary>A loopback server stopped with the host.</summary>
    private protected async Task<FakeServer> StartServerAsync()
    {
        var server = await FakeServer.StartAsync();
        _servers.Add(server);
        return server;
    }

    [TearDown]
    public void ShowHostErrors() => Logs.WriteErrorsTo(TestContext.Out);

    [OneTimeTearDown]
    public async Task StopHost()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
