using System.Runtime.Versioning;
using Processes.Host.Postgres;

namespace Processes.Tests.Hosting;

/// <summary>
/// Issue 22: the embedded server's initdb password file (and its credentials file) must never be readable by other
/// local users, not even for the moment between creating and tightening it.
/// </summary>
public sealed class PrivateFileTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("processes-private-file-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    [Platform(Exclude = "Win", Reason = "Unix file modes only")]
    [UnsupportedOSPlatform("windows")]
    public async Task A_password_file_is_0600_from_its_creation_before_anything_is_written()
    {
        var path = Path.Combine(_directory, ".initdb-test");
        await using (var stream = PrivateFile.Create(path))
        {
            stream.Length.ShouldBe(0);
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the mode is set by the open call itself");
        }

        // A leftover file with a wide mode is replaced, not reused with its mode.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await PrivateFile.WriteAsync(path, "s3cret", CancellationToken.None);
        File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(path)).ShouldBe("s3cret");
    }
}
