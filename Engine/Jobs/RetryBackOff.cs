namespace Processes.Engine.Jobs;

/// <summary>
/// Exponential back-off with jitter: attempt n (1-based) waits min(max, base · 2^(n-1)), then a random share of up
/// to <see cref="Jitter"/> of it is taken off, so jobs that failed together do not all come back together.
/// </summary>
public sealed record RetryBackOff(TimeSpan Base, TimeSpan Max, double Jitter = 0.2)
{
    public static RetryBackOff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <summary>The wait before the next attempt after the <paramref name="failures"/>-th failure (1 = first).</summary>
    public TimeSpan Delay(int failures, Random? random = null)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var raw = Math.Min(Max.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, exponent));
        var jitter = Math.Clamp(Jitter, 0, 1) * (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * (1 - jitter)));
    }
}
