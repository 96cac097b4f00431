using Processes.Benchmarks;

// Prints figures, asserts nothing. Each suite measures its subject next to a baseline taken in the same run,
// so the ratios mean something on whatever machine runs it.
//   dotnet run -c Release --project Tests/Processes.Benchmarks -- [suite ...]   (no suite = all)
var suites = BenchmarkCatalog.All;
var chosen = args.Length == 0
    ? suites
    : suites.Where(s => args.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
if (chosen.Count == 0)
{
    Console.Error.WriteLine($"Unknown suite. Known: {string.Join(", ", suites.Select(s => s.Name))}");
    return 2;
}
foreach (var suite in chosen)
{
    Console.WriteLine($"== {suite.Name}: {suite.Description}");
    await suite.RunAsync(Console.Out, CancellationToken.None);
    Console.WriteLine();
}
return 0;
