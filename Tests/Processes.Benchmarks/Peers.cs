using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Processes.Benchmarks;

/// <summary>
/// The peers measured in the same run: <c>shared/perf/peers.sh</c> (beside the repository) starts graphile-worker and
/// pgbench on a throwaway PostgreSQL and prints one JSON line each. Our figures are printed next to theirs as ratios.
/// Set <c>PROCESSES_BENCH_PEERS=0</c> to skip them, or to the script's path when it lives elsewhere.
/// </summary>
internal sealed class Peers
{
    private Peers(string status) => Status = status;

    /// <summary>What happened: "measured", or why the peers are missing.</summary>
    public string Status { get; }

    public double? PgbenchTps { get; private init; }
    public double? GraphileJobsPerSecond { get; private init; }

    /// <summary>graphile-worker's delayed-job lateness (ms) by the number of jobs spread over 2 s: p50, p99.</summary>
    public Dictionary<int, (double P50, double P99)> GraphileLateness { get; } = [];

    public static async Task<Peers> RunAsync(CancellationToken cancellationToken)
    {
        var setting = Environment.GetEnvironmentVariable("PROCESSES_BENCH_PEERS");
        if (setting == "0")
        {
            return new Peers("skipped (PROCESSES_BENCH_PEERS=0)");
        }
        var script = string.IsNullOrEmpty(setting) ? Find() : setting;
        if (script is null || !File.Exists(script))
        {
            return new Peers("not run: shared/perf/peers.sh not found beside the repository (set PROCESSES_BENCH_PEERS to its path)");
        }
        var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }
        await process.WaitForExitAsync(cancellationToken);
        var peers = Parse(lines, process.ExitCode == 0 ? "measured" : $"failed (exit {process.ExitCode}; npm packages graphile-worker/pg missing?): {Tail(await error)}");
        return peers;
    }

    internal static Peers Parse(IEnumerable<string> lines, string status)
    {
        double? tps = null, jobs = null;
        var lateness = new Dictionary<int, (double, double)>();
        foreach (var line in lines.Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            switch (root.GetProperty("peer").GetString())
            {
                case "pgbench TPC-B":
                    tps = root.GetProperty("tps").GetDouble();
                    break;
                case "graphile-worker":
                    var burn = root.GetProperty("burnDown");
                    if (burn.GetProperty("N").GetInt32() >= 10_000)
                    {
                        jobs = burn.GetProperty("jobsPerSec").GetDouble();
                    }
                    var delayed = root.GetProperty("delayed");
                    var ms = delayed.GetProperty("latenessMs");
                    lateness[delayed.GetProperty("D").GetInt32()] = (ms.GetProperty("p50").GetDouble(), ms.GetProperty("p99").GetDouble());
                    break;
            }
        }
        var peers = new Peers(status) { PgbenchTps = tps, GraphileJobsPerSecond = jobs };
        foreach (var (count, value) in lateness)
        {
            peers.GraphileLateness[count] = value;
        }
        return peers;
    }

    /// <summary>"ours vs peer" with the ratio, or a note that the peer is missing.</summary>
    public static string Versus(double ours, double? peer, string unit, bool higherIsBetter) => peer is { } p && p > 0
        ? string.Create(CultureInfo.InvariantCulture, $"graphile-worker {p:N0} {unit} in this run: ours/peer {ours / p:0.00}x ({(higherIsBetter == ours >= p ? "at or better than" : "behind")} the peer)")
        : "graphile-worker not measured in this run";

    private static string? Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "perf", "peers.sh");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static string Tail(string text) => text.Length > 300 ? text[^300..] : text;
}
