using System.Globalization;
using Processes.Tests.Hosting;

namespace Processes.Benchmarks;

/// <summary>
/// Issue 21's fault suite at length: three host processes on a durable PostgreSQL of their own, a mixed load over HTTP,
/// a host SIGKILLed and replaced every 30 s, PostgreSQL restarted half-way. FAULT_MINUTES sets the length (default 10).
/// FAULT_FAILOVER=1 runs it against a pg_auto_failover pair (monitor, primary, synchronous standby on loopback) instead:
/// half-way the primary is SIGKILLed with its keeper and the standby promoted, and the hosts run Hangfire too.
/// </summary>
internal sealed class FaultBenchmarks : IBenchmarkSuite
{
    public string Name => "fault";

    public string Description => "3 hosts, mixed load, a SIGKILL every 30 s, PostgreSQL restarted once (FAULT_FAILOVER=1: a pg_auto_failover primary killed): lost, done twice, time to recover";

    public async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("FAULT_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : 10;
        var options = new FaultOptions(TimeSpan.FromMinutes(minutes), Hosts: 3, KillEvery: TimeSpan.FromSeconds(30))
        {
            Durable = true,
            Failover = Environment.GetEnvironmentVariable("FAULT_FAILOVER") is "1" or "true",
        };
        if (options.Failover && FailoverPair.Unavailable() is { } reason)
        {
            await output.WriteLineAsync($"  not run: {reason}");
            return;
        }
        var report = await FaultSuite.RunAsync(options, output, cancellationToken);
        await output.WriteLineAsync(report.ToString());
        await output.WriteLineAsync(report.Clean ? "  clean: nothing lost, nothing done twice, service back after the database fault" : "  NOT CLEAN: see the counts above");
    }
}
