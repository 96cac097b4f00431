using System.Diagnostics;
using System.Globalization;

namespace Processes.Tests.Storage;

/// <summary>
/// Throwaway clusters outlive a test process that is killed (or a debugger that is stopped): PostgreSQL runs as its
/// own process and does not notice. Each run marks its cluster folder with the test process id, and the next run
/// stops and removes every cluster whose test process is gone.
/// </summary>
internal static class StaleClusters
{
    public const string FolderPrefix = "processes-tests-";
    private const string OwnerFile = "owner.pid";

    /// <summary>Records this process as the owner of the cluster under <paramref name="root"/>.</summary>
    public static void MarkOwner(string root)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Stops and deletes the clusters of test processes that no longer run; returns how many it removed.</summary>
    public static int Sweep(string parent)
    {
        var removed = 0;
        foreach (var root in Directory.EnumerateDirectories(parent, FolderPrefix + "*"))
        {
            if (OwnerAlive(root))
            {
                continue;
            }
            StopPostmaster(Path.Combine(root, "data", "postmaster.pid"));
            try
            {
                Directory.Delete(root, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run sweeping at the same moment, or a server still closing its files: the next run retries.
            }
        }
        return removed;
    }

    private static bool OwnerAlive(string root)
    {
        var ownerFile = Path.Combine(root, OwnerFile);
        if (!File.Exists(ownerFile))
        {
            // Written right after the folder is made, but runs of older builds wrote none: only a folder a day old is
            // surely abandoned (a long run of an older build may still be using a younger one).
            return Directory.GetCreationTimeUtc(root) > DateTime.UtcNow.AddDays(-1);
        }
        return int.TryParse(File.ReadAllText(ownerFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && Alive(pid);
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Immediate shutdown (SIGQUIT): the data is thrown away anyway, so there is nothing to checkpoint.</summary>
    private static void StopPostmaster(string pidFile)
    {
        if (!File.Exists(pidFile))
        {
            return;
        }
        var first = File.ReadLines(pidFile).FirstOrDefault();
        if (!int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) || !Alive(pid))
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5_000);
        for (var i = 0; i < 50 && Alive(pid); i++)
        {
            Thread.Sleep(100); // a hang guard while the server exits, not an assertion
        }
    }
}
