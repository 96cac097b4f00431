using System.Diagnostics;

namespace Processes.Benchmarks;

/// <summary>Small timing helpers shared by the suites.</summary>
internal static class Measure
{
    /// <summary>Runs <paramref name="action"/> repeatedly for about <paramref name="duration"/> and returns operations per second.</summary>
    public static double Throughput(Action action, TimeSpan duration, int warmup = 1_000)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }
        var watch = Stopwatch.StartNew();
        long count = 0;
        while (watch.Elapsed < duration)
        {
            for (var i = 0; i < 100; i++)
            {
                action();
            }
            count += 100;
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) of an unsorted sample.</summary>
    public static double Percentile(IReadOnlyList<double> sample, double q)
    {
        if (sample.Count == 0)
        {
            return double.NaN;
        }
        var sorted = sample.Order().ToArray();
        var index = (int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index];
    }
}
