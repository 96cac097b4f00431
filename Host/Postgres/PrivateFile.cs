namespace Processes.Host.Postgres;

/// <summary>
/// Files that hold a password (initdb's <c>--pwfile</c>, the <c>credentials</c> of the superuser). They are created
/// with mode 0600 by the <c>open</c> call itself: writing first and tightening the mode afterwards leaves a moment in
/// which, under a permissive umask, any local user could read the password.
/// </summary>
internal static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A new, empty file readable and writable by its owner only; an existing file at the path is removed first.</summary>
    public static FileStream Create(string path)
    {
        // An existing file would keep its own (maybe wider) mode: create-new is the only way the mode applies.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        return new FileStream(path, options);
    }

    public static async Task WriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        await using var stream = Create(path);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }
}
