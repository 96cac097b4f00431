using System.Runtime.InteropServices;

namespace Processes.Host.Postgres;

internal static partial class OsUser
{
    public static bool IsRoot { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? GetEffectiveUserId() == 0 : false;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>True when a process with this id exists (signal 0 probes without delivering anything).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (Kill(pid, 0) == 0)
        {
            return true;
        }
        // EPERM: it exists but belongs to someone else.
        return Marshal.GetLastPInvokeError() == 1;
    }
}
