using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Processes.Host.Postgres;

/// <summary>
/// A PostgreSQL cluster the host owns: created with initdb on first start, reused afterwards, started on a free
/// loopback port with its socket inside the data directory, stopped when the host stops.
/// Layout under the configured directory: <c>data/</c> (the cluster), <c>postgres.log</c>, <c>credentials</c>
/// (the generated password of the <c>processes</c> superuser, for TCP clients; the host itself uses the socket).
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string SuperUser = "processes";
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly OsCommand _command;
    private PostgresBinaries? _binaries;
    private DataDirectoryLease? _lease;
    private bool _running;

    public EmbeddedPostgres(EmbeddedPostgresOptions options, ILogger<EmbeddedPostgres>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = options.ResolveDataDirectory();
        _command = new OsCommand(OsUser.IsRoot ? options.ServiceUser : null);
    }

    public string RootDirectory => _root;
    public string DataDirectory => Path.Combine(_root, "data");
    public string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>The connection string of the host's database, through the socket in the data directory.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The TCP port the server listens on (loopback only).</summary>
    public int Port { get; private set; }

    /// <summary>True when start-up found a server left running by a host that was killed and took it over.</summary>
    public bool AdoptedOrphan { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _binaries = PostgresBinaries.Locate(_options) ?? throw new EmbeddedPostgresException(PostgresBinaries.NotFoundMessage);
        await PrepareRootAsync(cancellationToken);
        // Taken before anything reads or starts the cluster: a second live host on this directory stops here.
        _lease ??= DataDirectoryLease.Acquire(_root);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeClusterAsync(_binaries, cancellationToken);
        }

        if (RunningOrphanPort() is { } orphanPort)
        {
            // A host killed with SIGKILL leaves its server running; it holds our data, so we carry on with it.
            _logger.LogWarning("Taking over the PostgreSQL server left running in {DataDirectory} on port {Port}", DataDirectory, orphanPort);
            Port = orphanPort;
            AdoptedOrphan = true;
        }
        else
        {
            await StartServerAsync(_binaries, cancellationToken);
        }
        _running = true;
        ConnectionString = BuildConnectionString(_options.Database);
        await EnsureDatabaseAsync(cancellationToken);
        _logger.LogInformation("Embedded PostgreSQL ready in {DataDirectory} on port {Port}", DataDirectory, Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_running || _binaries is null)
        {
            ReleaseLease();
            return;
        }
        _running = false;
        NpgsqlConnection.ClearAllPools();
        var outcome = await _command.RunAsync(_binaries.PgCtl,
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", Seconds(_options.StartTimeout)],
            _options.StartTimeout + TimeSpan.FromSeconds(5), cancellationToken);
        if (!outcome.Succeeded)
        {
            _logger.LogWarning("Stopping embedded PostgreSQL failed: {Output}", outcome.Output);
        }
        ReleaseLease();
    }

    /// <summary>What a SIGKILL does to the lease, for tests that play a killed host inside one process.</summary>
    internal void ReleaseLease()
    {
        _lease?.Dispose();
        _lease = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>A connection string for another database of this cluster (tests create one per fixture).</summary>
    public string BuildConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = DataDirectory,
        Port = Port,
        Username = SuperUser,
        Database = database,
    }.ConnectionString;

    /// <summary>The loopback TCP form, with the generated password, for tools outside the host.</summary>
    public string BuildTcpConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = File.ReadAllText(Path.Combine(_root, "credentials")).Trim(),
        Database = database,
    }.ConnectionString;

    private async Task PrepareRootAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        if (OsUser.IsRoot)
        {
            var owned = await new OsCommand(null).RunAsync("chown", [$"{_options.ServiceUser}:", _root], TimeSpan.FromSeconds(10), cancellationToken);
            if (!owned.Succeeded)
            {
                throw new EmbeddedPostgresException(
                    $"Running as root, the embedded PostgreSQL runs as the OS user '{_options.ServiceUser}', but {_root} could not be given to it: {owned.Output.Trim()} " +
                    "Create that user (it comes with the postgresql package) or set ConnectionStrings:Processes.");
            }
        }
    }

    private async Task InitializeClusterAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new EmbeddedPostgresException(
                $"{DataDirectory} exists and is not empty, but holds no PostgreSQL cluster (no PG_VERSION). " +
                "Empty it or point Postgres:DataDirectory elsewhere.");
        }
        _logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory}", DataDirectory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var passwordFile = Path.Combine(_root, $".initdb-{Guid.NewGuid():N}");
        try
        {
            await PrivateFile.WriteAsync(passwordFile, password, cancellationToken);
            if (OsUser.IsRoot)
            {
                // initdb runs as the service user: it becomes the owner (still 0600), instead of the file becoming
                // readable by every local user for the moment initdb needs it.
                var owned = await new OsCommand(null).RunAsync("chown", [$"{_options.ServiceUser}:", passwordFile], TimeSpan.FromSeconds(10), cancellationToken);
                if (!owned.Succeeded)
                {
                    throw new EmbeddedPostgresException($"The initdb password file could not be given to '{_options.ServiceUser}': {owned.Output.Trim()}");
                }
            }
            List<string> arguments =
            [
                "-D", DataDirectory, "-U", SuperUser, "--pwfile", passwordFile, "-E", "UTF8", "--locale", "C.UTF-8",
                "--auth-local", "trust", "--auth-host", "scram-sha-256",
            ];
            if (!_options.Durable)
            {
                arguments.Add("--no-sync");
            }
            var outcome = await _command.RunAsync(binaries.InitDb, arguments, _options.StartTimeout, cancellationToken);
            if (!outcome.Succeeded)
            {
                throw new EmbeddedPostgresException($"initdb failed for {DataDirectory}:\n{outcome.Output}");
            }
        }
        finally
        {
            // A crash before this line leaves the file behind, but 0600 and owned by the service user, who owns the
            // cluster anyway; the next init draws a new password and a new file name.
            File.Delete(passwordFile);
        }
        // What survives a crash here: a complete cluster; the password file is rewritten on the next init only.
        await PrivateFile.WriteAsync(Path.Combine(_root, "credentials"), password, cancellationToken);
    }

    /// <summary>
    /// Reads postmaster.pid. A live server left by a killed host returns its port; a pid file whose process is
    /// gone (the machine or the server was killed) is removed so the new server can start.
    /// </summary>
    private int? RunningOrphanPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }
        var lines = File.ReadAllLines(pidFile);
        if (lines.Length >= 4 &&
            int.TryParse(lines[0], CultureInfo.InvariantCulture, out var pid) &&
            int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) &&
            OsUser.ProcessExists(pid) && IsPostgresProcess(pid))
        {
            return port;
        }
        _logger.LogWarning("Removing stale {PidFile} left by a server that is no longer running", pidFile);
        File.Delete(pidFile);
        return null;
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains("postgres", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task StartServerAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            Port = _options.Port != 0 ? _options.Port : FreeLoopbackPort();
            var serverOptions = $"-p {Port} -k '{DataDirectory}' -c listen_addresses=127.0.0.1";
            if (!_options.Durable)
            {
                serverOptions += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            }
            var outcome = await _command.RunAsync(binaries.PgCtl,
                ["start", "-w", "-t", Seconds(_options.StartTimeout), "-D", DataDirectory, "-l", LogFile, "-o", serverOptions],
                _options.StartTimeout + TimeSpan.FromSeconds(5), cancellationToken);
            if (outcome.Succeeded)
            {
                return;
            }
            var log = TailOfLog();
            var portTaken = log.Contains("Address already in use", StringComparison.Ordinal);
            if (!portTaken || _options.Port != 0 || attempt == attempts)
            {
                throw new EmbeddedPostgresException($"PostgreSQL did not start in {DataDirectory}:\n{outcome.Output}\n{log}");
            }
            // Another program took the port between our probe and the server's bind: pick again.
        }
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(BuildConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(_options.Database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_options.Database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private string TailOfLog()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join('\n', lines.TakeLast(20));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Seconds(TimeSpan span) => ((int)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>The embedded server could not be set up; the message says what to install or configure.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);
