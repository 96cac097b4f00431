using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Processes.Host.Postgres;

namespace Processes.Tests.Hosting;

/// <summary>
/// A throwaway pg_auto_failover formation on loopback: a monitor, a primary and a synchronous standby, each node a
/// <c>pg_autoctl run</c> in a process group of its own (as the <c>postgres</c> OS user when we are root), in one temporary
/// folder with its own XDG folders so nothing outside it is touched. The hosts get a multi-host connection string with
/// <c>Target Session Attributes=read-write</c>; <see cref="KillPrimaryAsync"/> SIGKILLs the primary's whole group (keeper and
/// postmaster: the keeper alone would just restart the server) and waits until the monitor has promoted the standby.
/// The monitor's health checks are shortened so a failover takes seconds rather than a minute. No test framework in here:
/// the benchmark tool's fault suite uses it too.
/// </summary>
internal sealed class FailoverPair : IAsyncDisposable
{
    private const string Database = "processes";
    private static readonly string[] Nodes = ["a", "b"];
    private static readonly Lock LogGate = new();

    private readonly string _root;
    private readonly string _binDirectory;
    private readonly string _osUser;
    private readonly Dictionary<string, int> _ports;
    private readonly List<Process> _processes = [];
    private readonly HashSet<int> _groups = [];
    private readonly Action<string> _log;

    private FailoverPair(string root, string binDirectory, Action<string> log)
    {
        _root = root;
        _binDirectory = binDirectory;
        _log = log;
        _osUser = OsUser.IsRoot ? "postgres" : Environment.UserName;
        _ports = new Dictionary<string, int> { ["monitor"] = FreePort(), ["a"] = FreePort(), ["b"] = FreePort() };
    }

    /// <summary>Both data nodes, the primary first: Npgsql tries them in order and keeps the one that accepts writes.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = string.Join(',', Nodes.Select(n => $"127.0.0.1:{_ports[n].ToString(CultureInfo.InvariantCulture)}")),
        Database = Database,
        Username = _osUser,
        TargetSessionAttributes = "read-write",
    }.ConnectionString;

    /// <summary>Why a formation cannot be set up here (pg_autoctl or the monitor's extension missing); null when it can.</summary>
    public static string? Unavailable() =>
        FindBinDirectory() is null ? "pg_auto_failover is not installed (Debian package postgresql-15-auto-failover: pg_autoctl and the pgautofailover extension)" : null;

    public static async Task<FailoverPair> StartAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(Unavailable());
        var root = Path.Combine(Path.GetTempPath(), $"processes-failover-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var pair = new FailoverPair(root, bin, log);
        try
        {
            await pair.SetUpAsync(cancellationToken);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (OsUser.IsRoot)
        {
            await RunAsync("chown", [$"{_osUser}:", _root], cancellationToken);
        }
        var pgctl = Path.Combine(_binDirectory, "pg_ctl");
        Start("monitor", ["create", "monitor", "--pgdata", DataDirectory("monitor"), "--pgport", Port("monitor"), "--hostname", "127.0.0.1",
            "--auth", "trust", "--no-ssl", "--pgctl", pgctl, "--run"]);
        await UntilAsync(async () => await MonitorScalarAsync<long?>("SELECT count(*) FROM pgautofailover.node", cancellationToken) is not null,
            "the monitor accepts connections", cancellationToken);
        // Defaults (5 s checks, unhealthy after 20 s, a 30 s demote timeout) make a failover take about a minute.
        await using (var monitor = new NpgsqlConnection(Superuser("monitor", "pg_auto_failover")))
        {
            await monitor.OpenAsync(cancellationToken);
            foreach (var (name, value) in new[] { ("health_check_period", 1000), ("health_check_timeout", 2000), ("health_check_retry_delay", 1000),
                ("health_check_max_retries", 2), ("node_considered_unhealthy_timeout", 5000), ("primary_demote_timeout", 5000) })
            {
                await using var set = new NpgsqlCommand($"ALTER SYSTEM SET pgautofailover.{name} = {value.ToString(CultureInfo.InvariantCulture)}", monitor);
                await set.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", monitor);
            await reload.ExecuteNonQueryAsync(cancellationToken);
        }
        var monitorUri = $"postgres://autoctl_node@127.0.0.1:{Port("monitor")}/pg_auto_failover?sslmode=disable";
        foreach (var node in Nodes)
        {
            Start(node, ["create", "postgres", "--pgdata", DataDirectory(node), "--pgport", Port(node), "--hostname", "127.0.0.1", "--listen", "127.0.0.1",
                "--auth", "trust", "--no-ssl", "--pgctl", pgctl, "--monitor", monitorUri, "--dbname", Database, "--name", node, "--run"]);
            var wanted = node == "a" ? "single" : "secondary";
            await UntilAsync(async () => await StateAsync(node, cancellationToken) == wanted, $"node {node} reports {wanted}", cancellationToken);
        }
        await UntilAsync(async () => await StateAsync("a", cancellationToken) == "primary", "node a reports primary", cancellationToken);
        foreach (var node in new[] { "monitor", "a", "b" })
        {
            _groups.Add(ProcessGroup(node) ?? throw new InvalidOperationException($"No postmaster.pid for node {node}."));
        }
        _log(string.Create(CultureInfo.InvariantCulture, $"  pg_auto_failover formation up in {watch.Elapsed.TotalSeconds:0.0} s: primary a, standby b"));
    }

    /// <summary>The node the monitor reports as the writable one (primary, wait_primary or single), or null.</summary>
    public Task<string?> PrimaryAsync(CancellationToken cancellationToken) => MonitorScalarAsync<string?>(
        "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') ORDER BY nodeid LIMIT 1", cancellationToken);

    /// <summary>
    /// SIGKILLs the primary's process group and waits until the standby accepts writes. Returns the time from the kill to
    /// the first write the promoted node took.
    /// </summary>
    public async Task<TimeSpan> KillPrimaryAsync(CancellationToken cancellationToken)
    {
        var primary = await PrimaryAsync(cancellationToken) ?? throw new InvalidOperationException("The monitor reports no primary.");
        var standby = Nodes.Single(n => n != primary);
        var group = ProcessGroup(primary) is { } g && _groups.Contains(g) ? g : throw new InvalidOperationException($"Node {primary} is not running as started.");
        var watch = Stopwatch.StartNew();
        _killed = true;
        await RunAsync("kill", ["-KILL", "--", $"-{group.ToString(CultureInfo.InvariantCulture)}"], cancellationToken);
        _log($"  node {primary} (the primary) SIGKILLed with its keeper; waiting for {standby} to be promoted");
        await UntilAsync(async () => await AcceptsWritesAsync(standby, cancellationToken), $"node {standby} accepts writes", cancellationToken);
        _log(string.Create(CultureInfo.InvariantCulture, $"  node {standby} promoted and writable {watch.Elapsed.TotalSeconds:0.0} s after the kill"));
        return watch.Elapsed;
    }

    private async Task<bool> AcceptsWritesAsync(string node, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Superuser(node, Database));
            await connection.OpenAsync(cancellationToken);
            // pg_auto_failover keeps a promoted standby read-only until the old primary is demoted or timed out.
            await using var command = new NpgsqlCommand("SELECT NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off'", connection);
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task<string?> StateAsync(string node, CancellationToken cancellationToken) =>
        await MonitorScalarAsync<string?>($"SELECT reportedstate::text FROM pgautofailover.node WHERE nodename = '{node}'", cancellationToken);

    private async Task<T?> MonitorScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Superuser("monitor", "pg_auto_failover"));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is null or DBNull ? default : (T)value;
        }
        catch (NpgsqlException)
        {
            return default; // not up yet, or the extension not created yet
        }
    }

    private string Superuser(string node, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = _ports[node], Database = database, Username = _osUser, Pooling = false, Timeout = 5,
    }.ConnectionString;

    private string DataDirectory(string node) => Path.Combine(_root, node);

    private string Port(string node) => _ports[node].ToString(CultureInfo.InvariantCulture);

    /// <summary>The process group of a node's postmaster: its keeper's, as <c>pg_autoctl run</c> started under setsid.</summary>
    private int? ProcessGroup(string node)
    {
        var pidFile = Path.Combine(DataDirectory(node), "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            return null;
        }
        var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        if (!File.Exists(stat))
        {
            return null;
        }
        // Fields after the command name (which may hold spaces): state, ppid, pgrp.
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Starts <c>pg_autoctl</c> with these arguments in a new session (so its group can be killed whole).</summary>
    private void Start(string node, IReadOnlyList<string> arguments)
    {
        // --wait: setsid forks when it leads a group already; the process we hold must live as long as pg_autoctl.
        var info = Command("setsid", ["--wait", "pg_autoctl", .. arguments]);
        var process = Process.Start(info)!;
        var log = Path.Combine(_root, $"{node}.log");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private static void Append(string log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (LogGate)
        {
            File.AppendAllText(log, line + "\n");
        }
    }

    private ProcessStartInfo Command(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        var environment = new[]
        {
            // pg_autoctl keeps its configuration and state under the XDG folders: these keep them inside the formation's folder.
            $"XDG_CONFIG_HOME={Path.Combine(_root, "config")}",
            $"XDG_DATA_HOME={Path.Combine(_root, "share")}",
            $"XDG_RUNTIME_DIR={Path.Combine(_root, "run")}",
            $"PG_CONFIG={Path.Combine(_binDirectory, "pg_config")}",
            $"PATH={_binDirectory}:/usr/local/bin:/usr/bin:/bin",
            "LC_ALL=C.UTF-8",
        };
        // runuser does not pass the environment on reliably; env sets it for the program itself.
        var prefix = OsUser.IsRoot ? new[] { "runuser", "-u", _osUser, "--", "env" } : ["env"];
        info.FileName = prefix[0];
        foreach (var argument in prefix.Skip(1).Concat(environment).Append(program).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await output}");
        }
    }

    private async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        // Generous: creating a node runs initdb or pg_basebackup, slow on a loaded two-core machine.
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"pg_auto_failover: {what} did not happen within 2 min. Logs:\n{Logs()}");
            }
            if (_processes.FirstOrDefault(p => p.HasExited) is { } exited && !_killed)
            {
                throw new InvalidOperationException($"pg_auto_failover: a pg_autoctl exited ({exited.ExitCode}) before {what}. Logs:\n{Logs()}");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    private bool _killed;

    private string Logs()
    {
        var text = new StringBuilder();
        foreach (var log in Directory.GetFiles(_root, "*.log"))
        {
            text.AppendLine($"--- {Path.GetFileName(log)}");
            foreach (var line in File.ReadLines(log).TakeLast(30))
            {
                text.AppendLine(line);
            }
        }
        return text.ToString();
    }

    private static string? FindBinDirectory()
    {
        if (!File.Exists("/usr/bin/pg_autoctl") && !File.Exists("/usr/local/bin/pg_autoctl"))
        {
            return null;
        }
        // The PostgreSQL version whose extension folder holds pgautofailover: its binaries run the nodes.
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Order().LastOrDefault(d => File.Exists(Path.Combine(d, "lib", "pgautofailover.so"))) is { } version
                ? Path.Combine(version, "bin")
                : null
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _killed = true;
        // Only groups recorded at start whose leader is still one of ours: a pid reused since must never be signalled.
        foreach (var group in _groups.Where(g => File.Exists($"/proc/{g.ToString(CultureInfo.InvariantCulture)}/cmdline") &&
                     File.ReadAllText($"/proc/{g.ToString(CultureInfo.InvariantCulture)}/cmdline").Contains(_root, StringComparison.Ordinal)))
        {
            using var kill = Process.Start("kill", ["-KILL", "--", $"-{group.ToString(CultureInfo.InvariantCulture)}"]);
            await kill.WaitForExitAsync();
        }
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
