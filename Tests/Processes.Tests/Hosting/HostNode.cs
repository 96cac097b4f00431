using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Processes.Tests.Hosting;

/// <summary>
/// A real host process (Processes.Host.dll) as one engine node on a database the caller owns: started with extra
/// settings, waited for until it answers <c>/health/ready</c>, and killed (SIGKILL) or stopped (SIGTERM). Its output
/// is kept, not streamed, so a failing run can show it. No test framework in here: the benchmark tool's soak, memory
/// and fault suites start hosts with it too, so a failure throws and the caller decides how to report it.
/// </summary>
internal sealed class HostNode : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private volatile bool _ready;

    private HostNode(Process process, Uri url, string nodeId)
    {
        _process = process;
        Url = url;
        NodeId = nodeId;
    }

    public Uri Url { get; }

    public string NodeId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Answered <c>/health/ready</c> once (through <see cref="WaitReadyAsync"/>) and has not exited since.</summary>
    public bool Ready => _ready && !_process.HasExited;

    public IEnumerable<string> Output => _output;

    /// <param name="connectionString">The database; empty lets the host run its own embedded server (settings name the folder).</param>
    /// <param name="echo">Also hands each output line to this as it comes (a test's progress log).</param>
    public static HostNode Start(string nodeId, string connectionString, IReadOnlyDictionary<string, string> settings, Action<string>? echo = null)
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
        void Keep(string? line)
        {
            if (line is not null)
            {
                node._output.Enqueue($"[{nodeId}] {line}");
                echo?.Invoke($"[{nodeId}] {line}");
            }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The process's resident set (VmRSS), in bytes; 0 where /proc is not there or the process is gone.</summary>
    public long ResidentBytes()
    {
        var status = $"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status";
        if (_process.HasExited || !File.Exists(status))
        {
            return 0;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Waits until the host answers ready; throws at once when it exits, and after <paramref name="hangGuard"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan hangGuard, CancellationToken cancellationToken = default)
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < hangGuard)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Host {NodeId} exited before it was ready:\n{string.Join('\n', _output.TakeLast(40))}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    _ready = true;
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"Host {NodeId} was not ready within {hangGuard.TotalSeconds} s.");
    }

    /// <summary>SIGKILL: no shutdown hook runs, so leases, claims and membership stay as they are in the database.</summary>
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
