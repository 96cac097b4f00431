using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Processes.Tests.Hosting;

/// <summary>
/// A data folder for host processes that run their own embedded PostgreSQL (no connection string): starts hosts on
/// it, reaches the server through its socket (the port from postmaster.pid), and cleans up after a test — a failed
/// one may leave the server running.
/// </summary>
internal sealed class EmbeddedHostFolder
{
    private int _hosts;

    public EmbeddedHostFolder(string prefix) => Root = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");

    public string Root { get; }

    /// <summary>A host on this folder (fsync off), its output echoed to the test's progress log.</summary>
    public HostNode StartHost(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string> { ["Postgres__DataDirectory"] = Root, ["Postgres__Durable"] = "false" };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }
        return HostNode.Start($"host-{Interlocked.Increment(ref _hosts).ToString(CultureInfo.InvariantCulture)}", "", all,
            line => TestContext.Progress.WriteLine(line));
    }

    public string SocketConnectionString()
    {
        var data = Path.Combine(Root, "data");
        var port = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).ElementAt(3), CultureInfo.InvariantCulture);
        return new NpgsqlConnectionStringBuilder { Host = data, Port = port, Username = "processes", Database = "processes", Pooling = false }.ConnectionString;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>A fast shutdown (SIGINT) of a server left running, then the folder goes.</summary>
    public async Task CleanUpAsync()
    {
        var pidFile = Path.Combine(Root, "data", "postmaster.pid");
        if (File.Exists(pidFile))
        {
            using var stop = Process.Start("kill", ["-INT", File.ReadLines(pidFile).First()]);
            await stop!.WaitForExitAsync();
            for (var i = 0; i < 50 && File.Exists(pidFile); i++)
            {
                await Task.Delay(100);
            }
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
