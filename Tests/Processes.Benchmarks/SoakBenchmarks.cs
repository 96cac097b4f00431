using System.Globalization;
using Processes.Tests.Hosting;

namespace Processes.Benchmarks;

/// <summary>
/// Issue 21's kill -9 soak at length: three host processes on one durable cluster, a host SIGKILLed and replaced
/// every 10 s while instances (an outbound call, then a timer) are started. Prints what was lost or done twice
/// (all must be 0). SOAK_KILLS sets the number of kills (default 30, about five minutes).
/// </summary>
internal sealed class SoakBenchmarks : IBenchmarkSuite
{
    public string Name => "soak";

    public string Description => "3 hosts, one SIGKILLed every 10 s under load: instances lost, started twice, jobs and timers done twice";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("SOAK_KILLS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) ? k : 30;
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var options = new SoakOptions(database.ConnectionString, Instances: kills * 40, Hosts: 3, KillEvery: TimeSpan.FromSeconds(10), MinKills: kills,
            HangGuard: TimeSpan.FromMinutes(5));
        var report = await KillSoak.RunAsync(options, output, cancellationToken);
        await output.WriteLineAsync($"  {report}");
        await output.WriteLineAsync(report.Clean ? "  clean: nothing lost, nothing done twice" : "  NOT CLEAN: see the counts above");
    }
}

/// <summary>
/// A memory baseline (issue 21): one host process's resident set once ready, and after 10,000 instances (an
/// outbound call and a timer each) went through it (MEMORY_INSTANCES sets how many). Printed, not asserted.
/// </summary>
internal sealed class MemoryBenchmarks : IBenchmarkSuite
{
    public string Name => "memory";

    public string Description => "host RSS after start and after 10k instances (call + timer each; MEMORY_INSTANCES sets how many)";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var instances = int.TryParse(Environment.GetEnvironmentVariable("MEMORY_INSTANCES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 10_000;
        await using var database = await BenchmarkDatabase.StartAsync(cancellationToken);
        var options = new SoakOptions(database.ConnectionString, instances, Hosts: 1, KillEvery: TimeSpan.FromMilliseconds(1), MinKills: 0,
            HangGuard: TimeSpan.FromMinutes(15)) { Timer = "PT1S" };
        var report = await KillSoak.RunAsync(options, output, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  host RSS after start: {report.Resident.AfterStart / 1048576.0,7:N0} MB   after {report.Completed:N0} instances: {report.Resident.AtEnd / 1048576.0,7:N0} MB   ({report.Elapsed.TotalSeconds:0} s)"));
    }
}
