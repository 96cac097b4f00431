namespace Processes.Tests.Hosting;

/// <summary>
/// The real host process with no configuration but a data folder: it runs its own PostgreSQL, survives SIGKILL
/// (stale pid, orphaned server) and keeps its data across restarts.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class HostProcessTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private EmbeddedHostFolder _folder = null!;

    [SetUp]
    public void CreateRoot() => _folder = new EmbeddedHostFolder("processes-host");

    [TearDown]
    public Task StopLeftovers() => _folder.CleanUpAsync();

    [Test]
    public async Task Killed_with_sigkill_the_host_starts_again_on_the_same_data()
    {
        using (var first = _folder.StartHost())
        {
            await first.WaitReadyAsync(HangGuard);
            await _folder.ExecuteAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('before the kill')");
            await first.KillAsync(); // SIGKILL: no shutdown hook runs, the server is orphaned with its pid file
        }

        using var second = _folder.StartHost();
        await second.WaitReadyAsync(HangGuard);
        (await _folder.ScalarAsync("SELECT note FROM marker")).ShouldBe("before the kill");

        await second.StopAsync();
        File.Exists(Path.Combine(_folder.Root, "data", "postmaster.pid")).ShouldBeFalse("a graceful stop stops the embedded server");
    }

    [Test]
    public async Task A_graceful_restart_keeps_the_data()
    {
        using (var first = _folder.StartHost())
        {
            await first.WaitReadyAsync(HangGuard);
            await _folder.ExecuteAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('kept')");
            await first.StopAsync();
        }
        using var second = _folder.StartHost();
        await second.WaitReadyAsync(HangGuard);
        (await _folder.ScalarAsync("SELECT note FROM marker")).ShouldBe("kept");
        await second.StopAsync();
    }
}
