namespace Processes.Benchmarks;

/// <summary>A named group of measurements. Implementations print figures and baselines; they never assert.</summary>
internal interface IBenchmarkSuite
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(TextWriter output, CancellationToken cancellationToken);
}

internal static class BenchmarkCatalog
{
    /// <summary>Every suite, in the order `all` runs them. New suites are added here.</summary>
    public static IReadOnlyList<IBenchmarkSuite> All { get; } =
    [
        new StorageBenchmarks(),
        new BpmnBenchmark(),
        new CalendarBenchmarks(),
        new FeelBenchmarks(),
        new JobBenchmarks(),
        new EngineBenchmarks(),
        new HttpTaskBenchmarks(),
        new ShippedBenchmarks(),
        new ShippedHangfireBenchmarks(),
        new HangfireBenchmarks(),
        new ReportBenchmarks(),
        new OpeningHourBenchmarks(),
        new ScaleBenchmarks(),
        new HistoryBenchmarks(),
        new ProfileBenchmarks(),
        new MemoryBenchmarks(),
        new SoakBenchmarks(),
        new FaultBenchmarks(),
    ];
}
