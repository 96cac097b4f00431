using Processes.Tests.Jobs;

namespace Processes.Tests.Hosting;

/// <summary>
/// A loop test with host processes on its database: started through <see cref="StartHost"/>, their output shown when
/// the test failed, and every one killed at the end whatever happened.
/// </summary>
public abstract class HostNodeTest : LoopTest
{
    private readonly List<HostNode> _hosts = [];

    [TearDown]
    public void StopHosts()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            foreach (var line in _hosts.SelectMany(h => h.Output))
            {
                TestContext.Out.WriteLine(line);
            }
        }
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        _hosts.Clear();
    }

    private protected HostNode StartHost(string nodeId, IReadOnlyDictionary<string, string> settings)
    {
        var host = HostNode.Start(nodeId, ConnectionString, settings);
        _hosts.Add(host);
        return host;
    }
}
