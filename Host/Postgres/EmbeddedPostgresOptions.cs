namespace Processes.Host.Postgres;

/// <summary>How the host runs its own PostgreSQL when no connection string is configured (section "Postgres").</summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>
    /// Where the cluster lives. Default: the user's data folder (<c>~/.local/share/processes/postgres</c>);
    /// as root, <c>/var/lib/processes/postgres</c>, because the server then runs as the <c>postgres</c> OS user,
    /// which cannot enter root's home.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Folder holding <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>. Default: <c>pg_config --bindir</c>,
    /// then the newest <c>/usr/lib/postgresql/*/bin</c>, then PATH.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>Loopback TCP port; 0 picks a free one at every start.</summary>
    public int Port { get; set; }

    /// <summary>Database the host uses inside the cluster.</summary>
    public string Database { get; set; } = "processes";

    /// <summary>
    /// False trades crash safety for speed (fsync and synchronous commit off). Only throwaway clusters
    /// (tests, benchmarks of the engine's own overhead) turn this off.
    /// </summary>
    public bool Durable { get; set; } = true;

    /// <summary>OS user that runs the server when the host runs as root (initdb refuses root).</summary>
    public string ServiceUser { get; set; } = "postgres";

    /// <summary>How long start and stop may take before the host gives up with the server's log in the error.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Directories searched instead of the defaults; tests use it to simulate a machine without PostgreSQL.</summary>
    internal IReadOnlyList<string>? SearchDirectoriesOverride { get; set; }

    internal string ResolveDataDirectory()
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
        {
            return Path.GetFullPath(DataDirectory);
        }
        if (OsUser.IsRoot)
        {
            return "/var/lib/processes/postgres";
        }
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return Path.Combine(data, "processes", "postgres");
    }
}
