using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Processes.Tests.Hosting;

/// <summary>
/// The real host process with no configuration but a data folder: it runs its own PostgreSQL, survives SIGKILL
/// (stale pid, orphaned server) and keeps its data across restarts.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class HostProcessTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Path.Combine(Path.GetTempPath(), $"processes-host-{Guid.NewGuid():N}");

    [TearDown]
    public async Task StopLeftovers()
    {
        // A failed test may leave a server running: a fast shutdown (SIGINT) of its postmaster, then the folder goes.
        var pidFile = Path.Combine(_root, "data", "postmaster.pid");
        if (File.Exists(pidFile))
        {
            using var stop = Process.Start("kill", ["-INT", File.ReadLines(pidFile).First()]);
            await stop.WaitForExitAsync();
            for (var i = 0; i < 50 && File.Exists(pidFile); i++)
            {
                await Task.Delay(100);
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public async Task Killed_with_sigkill_the_host_starts_again_on_the_same_data()
    {
        using (var first = StartHost(out var firstUrl))
        {
            await WaitReadyAsync(first, firstUrl);
            await ExecuteAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('before the kill')");
            first.Kill(); // SIGKILL: no shutdown hook runs, the server is orphaned with its pid file
            await first.WaitForExitAsync();
        }

        using var second = StartHost(out var secondUrl);
        await WaitReadyAsync(second, secondUrl);
        (await ScalarAsync("SELECT note FROM marker")).ShouldBe("before the kill");

        await StopGracefullyAsync(second);
        File.Exists(Path.Combine(_root, "data", "postmaster.pid")).ShouldBeFalse("a graceful stop stops the embedded server");
    }

    [Test]
    public async Task A_graceful_restart_keeps_the_data()
    {
        using (var first = StartHost(out var url))
        {
            await WaitReadyAsync(first, url);
            await ExecuteAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('kept')");
            await StopGracefullyAsync(first);
        }
        using var second = StartHost(out var secondUrl);
        await WaitReadyAsync(second, secondUrl);
        (await ScalarAsync("SELECT note FROM marker")).ShouldBe("kept");
        await StopGracefullyAsync(second);
    }

    private Process StartHost(out Uri url)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, "Processes.Host.dll");
        url = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(hostDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url.ToString());
        info.Environment["Postgres__DataDirectory"] = _root;
        info.Environment["Postgres__Durable"] = "false";
        info.Environment["ConnectionStrings__Processes"] = "";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { TestContext.Progress.WriteLine($"[host] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { TestContext.Progress.WriteLine($"[host] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(Process host, Uri url)
    {
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            host.HasExited.ShouldBeFalse("the host exited before becoming ready");
            try
            {
                var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        Assert.Fail("The host did not become ready within 60 s.");
    }

    private static async Task StopGracefullyAsync(Process host)
    {
        using var term = Process.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.WaitForExitAsync(timeout.Token);
    }

    private string SocketConnectionString()
    {
        var data = Path.Combine(_root, "data");
        var port = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).ElementAt(3), System.Globalization.CultureInfo.InvariantCulture);
        return new NpgsqlConnectionStringBuilder { Host = data, Port = port, Username = "processes", Database = "processes", Pooling = false }.ConnectionString;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
