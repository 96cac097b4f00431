using Processes.Tck;

// dotnet run --project Tests/Processes.Tck -- [tck-folder] [--only <name-part>] [--details]
//   --eval "<expression>"       evaluate one expression
//   --differential [count]      compare with feelin (needs node and `npm install` in Tests/Processes.Tck/Differential)
var evalAt = Array.IndexOf(args, "--eval");
if (evalAt >= 0 && evalAt + 1 < args.Length)
{
    // Debugging aid: evaluate one expression with no variables.
    var parsed = Processes.Engine.Feel.Feel.ParseExpression(args[evalAt + 1]);
    if (parsed.Expression is null)
    {
        Console.WriteLine(parsed.Error);
        return 1;
    }
    var result = parsed.Expression.Evaluate(Processes.Engine.Feel.Evaluation.FeelContext.Empty);
    Console.WriteLine($"{result.Value} ({result.Value.TypeName}){(result.Failure is null ? "" : " failure: " + result.Failure)}");
    foreach (var warning in result.Warnings)
    {
        Console.WriteLine("  warning: " + warning);
    }
    return 0;
}
var differentialAt = Array.IndexOf(args, "--differential");
if (differentialAt >= 0)
{
    var count = differentialAt + 1 < args.Length && int.TryParse(args[differentialAt + 1], out var n) ? n : 300;
    var root = TckRunner.RepositoryRoot(Directory.GetCurrentDirectory()) ?? TckRunner.RepositoryRoot() ?? Directory.GetCurrentDirectory();
    return DifferentialCheck.Run(Path.Combine(root, "Tests", "Processes.Tck", "Differential"), count, 42, Console.Out);
}
var folder = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && Directory.Exists(a))
    ?? TckRunner.DefaultFolder(Directory.GetCurrentDirectory())
    ?? TckRunner.DefaultFolder();
var onlyAt = Array.IndexOf(args, "--only");
var only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1] : null;
if (folder is null || !Directory.Exists(folder))
{
    Console.Error.WriteLine($"TCK folder not found: {folder ?? "(no Processes.sln found above the current directory)"}");
    return 2;
}
var report = TckRunner.RunAll(folder, only);
report.Print(Console.Out, args.Contains("--details"));
return 0;
