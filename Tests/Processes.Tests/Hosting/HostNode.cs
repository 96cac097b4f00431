using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Processes.Tests.Hosting;

/// <summary>
/// A real host process (Processes.Host.dll) as one engine node on a database the test owns: started with extra
/// settings, waited for until it answers <c>/health/ready</c>, and killed (SIGKILL) or stopped (SIGTERM). Its output
/// is kept, not streamed, so a failing test can show it.
/// </summary>
internal sealed class HostNode : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostNode(Process process, Uri url, string nodeId)
    {
        _process = process;
        Url = url;
        NodeId = nodeId;
    }

    public Uri Url { get; }

    public string NodeId { get; }

    public bool HasExited => _process.HasExited;

    public IEnumerable<string> Output => _output;

    public static HostNode Start(string nodeId, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Processes.Host.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url.ToString());
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ConnectionStrings__Processes"] = connectionString;
        info.Environment["Processes__Engine__NodeId"] = nodeId;
        info.Environment["Processes__Definitions__DeployAtStartup"] = "false";
        foreach (var (name, value) in settings)
        {
            info.Environment[name] = value;
        }
        var process = Process.Start(info)!;
        var node = new HostNode(process, url, nodeId);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { node._output.Enqueue($"[{nodeId}] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { node._output.Enqueue($"[{nodeId}] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until the host answers ready; fails fast when it exits, and after <paramref name="hangGuard"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan hangGuard)
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < hangGuard)
        {
            _process.HasExited.ShouldBeFalse($"host {NodeId} exited before it was ready");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        Assert.Fail($"Host {NodeId} was not ready within {hangGuard.TotalSeconds} s.");
    }

    /// <summary>SIGKILL: no shutdown hook runs, so leases and claims stay as they are in the database.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(guard.Token);
    }

    /// <summary>SIGTERM, then waits for the graceful shutdown (executor, scheduler and membership hand back their work).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(guard.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(30_000);
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
