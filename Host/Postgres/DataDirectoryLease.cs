using System.Globalization;

namespace Processes.Host.Postgres;

/// <summary>
/// Which host uses an embedded cluster. The host holds an exclusive OS lock (flock, through FileShare.None) on
/// <c>host.lock</c> in the cluster's directory for as long as it uses the server. The kernel drops the lock when the
/// process ends, however it ends, so a server left by a SIGKILLed host can still be taken over, while a second live
/// host on the same directory is refused instead of silently sharing a server the first one will stop under it.
/// </summary>
internal sealed class DataDirectoryLease : IDisposable
{
    private const string LockName = "host.lock";
    private const string OwnerName = "host.owner";
    private readonly FileStream _lock;

    private DataDirectoryLease(FileStream held) => _lock = held;

    public static DataDirectoryLease Acquire(string root)
    {
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(root, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new EmbeddedPostgresException(InUseMessage(root));
        }
        // Written beside the lock, not in it: a locked file cannot be opened by the host that is refused.
        var owner = string.Join('\n',
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            Environment.MachineName,
            DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(root, OwnerName), owner);
        return new DataDirectoryLease(held);
    }

    public void Dispose() => _lock.Dispose();

    private static string InUseMessage(string root)
    {
        var who = "another Processes host";
        try
        {
            var lines = File.ReadAllLines(Path.Combine(root, OwnerName));
            if (lines.Length >= 3)
            {
                who = $"the Processes host with process id {lines[0]} on {lines[1]} (started {lines[2]})";
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return $"The embedded PostgreSQL in {root} is in use by {who}. Two hosts cannot share one embedded server: " +
               "the first one stops it when it stops. Give this host its own directory with Postgres:DataDirectory " +
               "(environment Postgres__DataDirectory), or run every host against one PostgreSQL with " +
               "ConnectionStrings:Processes (environment ConnectionStrings__Processes; the running server's password is in " +
               $"{Path.Combine(root, "credentials")}).";
    }
}
