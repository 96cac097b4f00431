using System.Diagnostics;

namespace Processes.Host.Postgres;

/// <summary>The local PostgreSQL server programs the embedded cluster is run with.</summary>
internal sealed record PostgresBinaries(string Directory)
{
    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");
    public string Postgres => Path.Combine(Directory, "postgres");

    public const string NotFoundMessage =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them " +
        "(Debian/Ubuntu: 'apt-get install postgresql'), point Postgres:BinDirectory at the folder that holds them, " +
        "or set ConnectionStrings:Processes (env ConnectionStrings__Processes) to use an existing server.";

    /// <summary>Finds the binaries or returns null; the caller turns null into <see cref="NotFoundMessage"/>.</summary>
    public static PostgresBinaries? Locate(EmbeddedPostgresOptions options)
    {
        foreach (var candidate in Candidates(options))
        {
            if (IsComplete(candidate))
            {
                return new PostgresBinaries(candidate);
            }
        }
        return null;
    }

    private static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) &&
        File.Exists(Path.Combine(directory, "pg_ctl")) &&
        File.Exists(Path.Combine(directory, "postgres"));

    private static IEnumerable<string> Candidates(EmbeddedPostgresOptions options)
    {
        if (options.SearchDirectoriesOverride is { } only)
        {
            foreach (var directory in only)
            {
                yield return directory;
            }
            yield break;
        }
        if (!string.IsNullOrWhiteSpace(options.BinDirectory))
        {
            // An explicit setting is the only candidate: silently using another version would surprise.
            yield return options.BinDirectory;
            yield break;
        }
        if (PgConfigBinDir() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }
        const string debianRoot = "/usr/lib/postgresql";
        if (System.IO.Directory.Exists(debianRoot))
        {
            var versions = System.IO.Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .OrderByDescending(d => d.Version);
            foreach (var (dir, _) in versions)
            {
                yield return Path.Combine(dir, "bin");
            }
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }
    }

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5_000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config not installed: the client-only package may be missing.
        }
    }
}
