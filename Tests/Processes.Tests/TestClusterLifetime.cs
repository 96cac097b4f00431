using Processes.Tests.Storage;

namespace Processes.Tests;

/// <summary>
/// Stops the run's cluster after the last test. It sits in the root namespace so that it covers every test: a set-up
/// fixture covers only its own namespace, and one in Processes.Tests.Storage left the server running after any
/// filtered run that held no storage test.
/// </summary>
[SetUpFixture]
public sealed class TestClusterLifetime
{
    [OneTimeTearDown]
    public async Task StopCluster() => await TestCluster.StopAsync();
}
